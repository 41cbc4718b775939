"""Numbers typed into a URL or posted by a browser, read without surprises.

`str.isdigit()` is true of "²" and "١٢٣" (superscripts, other scripts' digits): `int()` then fails on
the first and reads the second. A database id is also bounded: a 20-digit one overflows SQLite's
integer (OverflowError) and PostgreSQL's bigint. Every id or small number read straight from
request.GET/POST goes through here.
"""

MAX_ID = 2**63 - 1  # the largest value a bigint (and SQLite's integer) holds


def as_id(value: object) -> int | None:
    """A positive database id written in ASCII digits and within a bigint, else None."""
    number = as_number(value)
    return number if number is not None and 0 < number <= MAX_ID else None


def as_number(value: object) -> int | None:
    """A non-negative whole number written in ASCII digits (at most 20 of them), else None."""
    text = value if isinstance(value, str) else ""
    if not text or len(text) > 20 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


class IdConverter:
    """`<id:pk>` in URL patterns: a database id, at most 18 digits (always within a bigint), so a longer
    one is a 404 at the URL, never an overflow in a query. Registered in HotelCrmConfig.ready()."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)
