"""Issue #10, test 4: 1,000+ malformed form posts, Hypothesis-generated, to every form of the app.

The endpoints are every URL (with real demo ids, as in tests/test_crawl.py) whose view reads a POST,
so a new form is fuzzed the day it is added. The bodies are raw urlencoded bytes, so they can carry
what a browser would never send: invalid UTF-8 and lone surrogates, NUL bytes, 200 kB values, huge
and negative numbers, impossible dates, missing, repeated and unknown fields. No post may raise (the
test client re-raises a view's exception, i.e. a 500), and a rejected post (4xx, or a redirect with an
error message) must leave the row count of every table as it was: nothing half-saved.
"""

import inspect
from urllib.parse import quote_from_bytes

import pytest
from django import forms as django_forms
from django.contrib.messages import constants as message_levels
from django.urls import resolve
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.security.conftest import client_for, row_counts
from tests.test_crawl import _paths

pytestmark = pytest.mark.django_db

RANDOM_POSTS = 990  # with the fixed body to each of 20+ endpoints: 1,000+ posts
# Logging out ends the session the fuzzer posts with; failed logins are the audit trail's business.
NOT_FUZZED = {"/logout/", "/login/"}


def _form_field_names() -> list[str]:
    from complaints import forms as complaint_forms
    from complaints import prevention_forms
    from guests import forms as guest_forms
    from rooms import forms as room_forms

    names = set()
    for module in (complaint_forms, prevention_forms, guest_forms, room_forms):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, django_forms.BaseForm) and cls.__module__ == module.__name__:
                names |= set(cls.base_fields)
    return sorted(
        names | {"next", "offer", "action", "answer", "decision", "complaint", "comment", "property"}
    )


def _post_endpoints() -> list[str]:
    endpoints = []
    for path in _paths():
        view = inspect.unwrap(resolve(path.split("?")[0]).func)
        if path not in NOT_FUZZED and "POST" in inspect.getsource(view):
            endpoints.append(path)
    return endpoints


NASTY_CHARS = [
    "\x00",
    "\ud800",
    "\udfff",
    "\ufeff",
    "\u202e",
    "\u200b",
    "😀",
    "\r\n",
    "'",
    '"',
    "<",
    "%",
    "\\",
]
text = st.lists(st.one_of(st.characters(), st.sampled_from(NASTY_CHARS)), max_size=40).map("".join)
numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(["1e309", "-1e309", "NaN", "inf", "-0", "0x10", "1_000", "١٢٣", "9" * 400, "-1", "0"]),
)
dates = st.sampled_from(
    ["2026-02-30", "9999-99-99T99:99", "0000-00-00", "2026-13-01", "-1-01-01", "1900-01-01T25:61", "today"]
)
plausible = st.sampled_from(
    ["1", "2", "3", "in_person", "accept", "decline", "approve", "very_satisfied", "dissatisfied", "high",
     "room", "amenity", "clean", "on", "true", "SHA", "issue", "fine", "en", "zh-hans"]
)  # fmt: skip
values = st.one_of(
    text.map(lambda t: t.encode("utf-8", "surrogatepass")),  # lone surrogates: invalid UTF-8 on the wire
    st.binary(max_size=40),
    numbers.map(str.encode),
    dates.map(str.encode),
    plausible.map(str.encode),
    st.sampled_from([b"", b" ", b"x" * 200_000, "长".encode() * 30_000]),
)


@st.composite
def bodies(draw, field_names):
    keys = st.one_of(st.sampled_from(field_names), text.map(lambda t: t.encode("utf-8", "surrogatepass")))
    pairs = draw(st.lists(st.tuples(keys, values), max_size=12))
    encoded = []
    for key, value in pairs:
        key = key if isinstance(key, bytes) else key.encode()
        encoded.append(f"{quote_from_bytes(key)}={quote_from_bytes(value)}")
    return "&".join(encoded)


def _rejected(response) -> bool:
    if response.status_code >= 400:
        return True
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    return any(message.level >= message_levels.ERROR for message in queued)


# Sent to every endpoint as well, so each is hit even where the random draw passes it by.
FIXED_BODY = (
    "version=-1&note=%00&reason=%ED%A0%80&offer=1e309&action=99999999999999999999&due_at=2026-02-30T25:61"
    "&guest_words=" + "x" * 100_000 + "&department=-1&room=%FF%FE&value=-5&verdict=" + "%00" * 3
)


# The random posts run in shards, each its own test with its own fixed seed, so parallel test processes
# share them; together they post RANDOM_POSTS random bodies plus the fixed one to every endpoint.
SHARDS = 3


@pytest.mark.parametrize("shard", range(SHARDS))
def test_malformed_posts_never_crash_and_never_half_save(demo, shard):
    client = client_for("admin")  # a superuser: every form is open to them, no CSRF checks here
    client.post("/property/switch/", {"property": _sha_pk()})
    endpoints = _post_endpoints()
    assert len(endpoints) >= 20, endpoints
    seen = {"posts": 0, "rejected": 0}
    counts = {"now": row_counts()}

    def post(path: str, body: str) -> None:
        before = counts["now"]
        response = client.post(path, body, content_type="application/x-www-form-urlencoded")
        seen["posts"] += 1
        assert response.status_code < 500, (path, body[:300])
        counts["now"] = after = row_counts()
        if _rejected(response):
            seen["rejected"] += 1
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert changed == {}, (path, response.status_code, body[:300])

    @seed(20261202 + shard)
    @settings(
        max_examples=RANDOM_POSTS // SHARDS,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(path=st.sampled_from(endpoints), body=bodies(_form_field_names()))
    def post_malformed(path, body):
        post(path, body)

    post_malformed()
    if shard == 0:
        for path in endpoints:
            post(path, FIXED_BODY)
    assert seen["posts"] >= RANDOM_POSTS // SHARDS
    assert seen["rejected"] >= seen["posts"] // 2, seen  # most of it must be refused, not ignored


def _sha_pk() -> int:
    from hotel_crm.models import Property

    return Property.objects.get(code="SHA").pk


# --- the API's JSON bodies (issue #18) -------------------------------------------------------------

JSON_POSTS = 240
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    text,
    numbers,
    dates,
    plausible,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from([*_form_field_names(), "preferences", "version"]), text),
                        children, max_size=5),
    ),
    max_leaves=20,
)  # fmt: skip
JSON_EXTRA = [
    b"[" * 20_000 + b"]" * 20_000,
    b'{"note": "\\u0000"}',
    b'{"version": 1e999}',
    b'{"version": NaN}',
    b"\xff\xfe{}",
    b'{"preferences": [{"category": "pillow"}], "version": 1}',
    b'{"guest": "abc", "room": 1, "arrival_date": "0001-01-01", "departure_date": "9999-12-31"}',
    b'{"reported_at": "0001-01-01T00:00:00Z", "due_at": "9999-12-31T23:59:59+14:00"}',
]


def _api_writes() -> list[tuple[str, str]]:
    from tests.security.test_access_matrix import MATRIX, _ids

    ids = _ids()
    return sorted(
        {(m, t.format(**ids)) for k, (m, t, _s) in MATRIX.items() if k.startswith("api:") and m != "GET"}
    )


def test_malformed_json_bodies_never_crash_the_api_and_never_half_save(demo):
    client = client_for("admin")
    client.post("/property/switch/", {"property": _sha_pk()})
    endpoints = _api_writes()
    assert len(endpoints) >= 12, endpoints
    seen = {"posts": 0, "refused": 0}

    def send(method: str, path: str, body: bytes) -> None:
        before = row_counts()
        response = getattr(client, method.lower())(path, body, content_type="application/json")
        seen["posts"] += 1
        assert response.status_code < 500, (method, path, body[:300])
        assert response["Content-Type"] == "application/json", (method, path)
        if response.status_code >= 400:
            seen["refused"] += 1
            assert row_counts() == before, (method, path, body[:300])

    @seed(20261218)
    @settings(max_examples=JSON_POSTS, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(endpoint=st.sampled_from(endpoints), value=json_values)
    def post_json(endpoint, value):
        import json

        body = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
        send(*endpoint, body)

    post_json()
    for endpoint in endpoints:
        for body in JSON_EXTRA:
            send(*endpoint, body)
    assert seen["refused"] >= seen["posts"] // 2, seen
