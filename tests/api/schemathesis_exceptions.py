"""The one list of schemathesis checks an operation is excused from, each with its reason (issue #18).

test_schemathesis.py runs every check schemathesis has over every operation of the schema; an entry
here is the only way to skip one, and it must say why. Keys: (operation label, check name); the
label "*" applies to every operation.
"""

from schemathesis.checks import CHECKS, load_all_checks

load_all_checks()

ALLOWED: dict[tuple[str, str], str] = {
    # "Schema-valid request rejected" expects every request the schema allows to succeed. These rules
    # are enforced (each with a 400/409/422 the schema documents) but cannot be written as JSON Schema:
    # - references to rows that must exist in the token's hotel (a department code, a room number, a
    #   guest id, a case's current version): the schema cannot list another hotel's data;
    # - the date window (hotel_crm.date_window): relative to today, so no fixed minimum or maximum;
    # - cross-field rules: a guest needs a name in one script or the other, departure after arrival;
    # - a cursor is any string in the schema but only the next/previous links decode (400 otherwise);
    # - an Idempotency-Key repeated with another body is refused on purpose (422, documented);
    # - a NUL character is refused in every string of a JSON body (400, hotel_crm.api.parsers).
    # Every other check, including its mirror "schema-violating request accepted", runs everywhere.
    ("*", "positive_data_acceptance"): "rules the schema cannot state (see above); refusals are documented",
}


def excluded_checks(label: str) -> list:
    names = {check for (where, check) in ALLOWED if where in (label, "*")}
    return [check for check in CHECKS.get_all() if check.__name__ in names]
