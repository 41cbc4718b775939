"""Issue #18, class 4: JSON bodies that crashed the API. Every write operation of the schema gets a
deeply nested body, an oversized body and NUL characters (with and without an Idempotency-Key); every
nested object of a request schema is sent incomplete on PATCH. Each answers the documented JSON
refusal and changes nothing."""

import json

import pytest

from hotel_crm.api.parsers import json_depth
from tests import factories
from tests.api.test_schemathesis import OPERATIONS
from tests.api.test_server_errors import _path
from tests.security.conftest import row_counts

pytestmark = pytest.mark.django_db

WRITES = [op for op in OPERATIONS if op.method.upper() in ("POST", "PUT", "PATCH")]


@pytest.fixture
def api(make_token, sha):
    factories.make_room(sha, "2101")
    return make_token()


def _send(api, operation, body: bytes, **headers):
    method = getattr(api.client, operation.method.lower())
    return method(
        _path(operation),
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.raw}", **headers},
    )


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["code"] == code and body["detail"]


def test_there_are_write_operations_to_test():
    assert len(WRITES) >= 12


@pytest.mark.parametrize("operation", WRITES, ids=lambda o: o.label)
def test_deep_large_and_nul_bodies_are_refused_before_anything_happens(api, operation, settings):
    before = row_counts()
    deep = b"[" * 50_000 + b"]" * 50_000
    _refused(_send(api, operation, deep), 400, "parse_error")
    _refused(_send(api, operation, b'{"a": ' * 30 + b"1" + b"}" * 30), 400, "parse_error")
    big = json.dumps({"note": "x" * (settings.API_JSON_MAX_BYTES + 10)}).encode()
    _refused(_send(api, operation, big), 413, "too_large")
    for body in ({"note": "a\x00b"}, {"version": 1, "\x00": "x"}, {"preferences": [{"value": "\x00"}]}):
        raw = json.dumps(body).encode()
        _refused(_send(api, operation, raw), 400, "parse_error")
        _refused(_send(api, operation, raw, **{"Idempotency-Key": "nul-1"}), 400, "parse_error")
    _refused(_send(api, operation, b"{NaN: 1}"), 400, "parse_error")
    assert row_counts() == before


def test_depth_is_counted_outside_strings():
    assert json_depth(b'{"a": "[[[[[[", "b": [1, {"c": "]]"}]}') == 3
    assert json_depth(b'["\\"[", [[]]]') == 3


def test_an_ordinary_body_still_passes_and_nul_is_not_stored_in_a_replayed_response(api, sha):
    created = _send(
        api, next(op for op in WRITES if op.path == "/api/v1/guests/"), b'{"family_name_latin": "Smith"}',
        **{"Idempotency-Key": "ok-1"},
    )  # fmt: skip
    assert created.status_code == 201


def _nested_objects(schema: dict, components: dict, prefix=()) -> list[tuple[tuple, dict]]:
    """(path to the field, object schema) of every object nested in a request schema."""
    if "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    found = []
    for name, prop in schema.get("properties", {}).items():
        item = prop.get("items", prop)
        if "$ref" in item:
            target = components[item["$ref"].split("/")[-1]]
            if target.get("type", "object") == "object" and target.get("properties"):
                found.append(((*prefix, name, "items" in prop), target))
    return found


def test_an_incomplete_nested_object_is_refused_on_every_write_also_on_patch(api, sha):
    guest = factories.make_guest("王", "芳")
    schema = api.client.get("/api/v1/schema/?format=json", headers={"Authorization": f"Bearer {api.raw}"})
    spec = json.loads(schema.content)
    components = spec["components"]["schemas"]
    tried = []
    for operation in WRITES:
        body_schema = (
            spec["paths"][operation.path][operation.method.lower()]
            .get("requestBody", {})
            .get("content", {})
            .get("application/json", {})
            .get("schema", {})
        )
        for (name, is_list), nested in _nested_objects(body_schema, components):
            required = nested.get("required", [])
            for left_out in required:
                partial = {k: "x" for k in required if k != left_out}
                value = [partial] if is_list else partial
                path = _path(operation).replace("/1/", f"/{guest.pk}/")
                before = row_counts()
                response = _send(api, operation, json.dumps({name: value, "version": guest.version}).encode())
                tried.append((operation.label, name, left_out))
                assert response.status_code == 400 or response.status_code == 404, (operation.label, path)
                assert response.json()["code"] in ("invalid", "not_found")
                assert row_counts() == before
    assert ("PATCH /api/v1/guests/{id}/", "preferences", "value") in tried
