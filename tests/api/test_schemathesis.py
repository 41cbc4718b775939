"""Schema-driven fuzzing: schemathesis generates requests from our own OpenAPI schema and sends them
through the WSGI app with a token holding every scope: valid requests and invalid ones.
Every check schemathesis has runs on every operation (issue #18); the only exceptions are listed,
each with its reason, in tests/api/schemathesis_exceptions.py. Derandomised and capped, so a run is
repeatable and takes well under two minutes.

(schemathesis's own pytest plugin does not run under pytest 9 yet, so each operation gets a plain
Hypothesis test built from `operation.as_strategy()`.)
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from hotel_crm.wsgi import application
from tests import factories
from tests.api.schemathesis_exceptions import excluded_checks

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}


@pytest.fixture
def world(make_token, sha):
    """Something for the generated requests to find: rooms, a department, a guest, a case."""
    factories.make_room(sha, "2101")
    factories.make_room(sha, "1")
    factories.make_department(sha, "housekeeping")
    staff = factories.make_staff(roles_at={sha: "Front Desk"})
    factories.log_case(sha, staff, guest=factories.make_guest())
    # As Django's test client does: a WSGI request must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield make_token()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_schema_lists_every_resource():
    paths = {operation.path for operation in OPERATIONS}
    assert {
        "/api/v1/guests/",
        "/api/v1/stays/{confirmation_number}/",
        "/api/v1/rooms/{number}/status/",
    } <= paths
    assert "/api/v1/complaints/{id}/offers/{offer_id}/accept/" in paths


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.label)
def test_api_answers_as_its_schema_says_and_never_fails(operation, mode, world):
    headers = {"Authorization": f"Bearer {world.raw}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(headers=headers, excluded_checks=excluded_checks(operation.label))

    run()


def test_every_allowed_exception_names_a_real_check_and_gives_a_reason():
    from schemathesis.checks import CHECKS

    from tests.api.schemathesis_exceptions import ALLOWED

    names = {check.__name__ for check in CHECKS.get_all()}
    labels = {operation.label for operation in OPERATIONS} | {"*"}
    for (label, check), reason in ALLOWED.items():
        assert check in names and label in labels and len(reason) > 20, (label, check)
