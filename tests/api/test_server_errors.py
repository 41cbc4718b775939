"""Issue #18, class 5: an error no rule expected answers the API's documented JSON, never Django's HTML
page, and names a request id that the log line carries too. The error is made real: the database
refuses every statement on the app's tables, so every operation of the schema fails inside its view."""

import json
import logging

import pytest
from django.db import connection
from django.test import Client

from tests import factories
from tests.api.test_schemathesis import OPERATIONS

pytestmark = pytest.mark.django_db

APP_TABLES = ('"guests_', '"complaints_', '"rooms_')


class DatabaseRefuses(Exception):
    pass


def _refuse_app_tables(execute, sql, params, many, context):
    if any(table in sql for table in APP_TABLES):
        raise DatabaseRefuses("the database is gone")
    return execute(sql, params, many, context)


def _path(operation) -> str:
    return (
        operation.path.replace("{id}", "1")
        .replace("{pk}", "1")
        .replace("{offer_id}", "1")
        .replace("{action_id}", "1")
        .replace("{number}", "2101")
        .replace("{confirmation_number}", "C-1")
    )


def _assert_documented_error(response, caplog):
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    request_id = response["X-Request-ID"]
    assert body["code"] == "server_error" and request_id in body["detail"]
    assert body["request_id"] == request_id
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and request_id in r.getMessage()]
    assert logged, "the log line names the request id"


def test_every_operation_answers_json_with_a_logged_request_id(make_token, sha, caplog):
    factories.make_room(sha, "2101")
    token = make_token()
    failures = []
    for operation in OPERATIONS:
        method = operation.method.lower()
        caplog.clear()
        with connection.execute_wrapper(_refuse_app_tables):
            if method == "get":
                response = token.get(_path(operation), {"q": "wang"})
            else:
                response = getattr(token, method)(_path(operation), {"version": 1})
        try:
            _assert_documented_error(response, caplog)
        except (AssertionError, KeyError, ValueError) as exc:
            failures.append(f"{operation.label}: {response.status_code} {exc}")
    assert failures == []


def test_a_write_that_fails_halfway_keeps_nothing_and_no_idempotency_key(make_token, sha, caplog):
    from guests.models import Guest
    from hotel_crm.api.models import IdempotencyKey

    token = make_token()

    def refuse_after_insert(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith("INSERT") and '"guests_guest"' in sql:
            raise DatabaseRefuses("lost after the insert")
        return result

    with connection.execute_wrapper(refuse_after_insert):
        response = token.post(
            "/api/v1/guests/",
            {"family_name_cjk": "王", "given_name_cjk": "芳"},
            headers={"Idempotency-Key": "k-1"},
        )
    _assert_documented_error(response, caplog)
    assert not Guest.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_an_error_outside_the_views_answers_json_under_api_and_the_page_elsewhere(sha, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(factories.front_desk_at(sha))
    with connection.execute_wrapper(_refuse_all_session_reads):
        api = client.get("/api/v1/rooms/")
        page = client.get("/rooms/")
    _assert_documented_error(api, caplog)
    assert page.status_code == 500 and page["X-Request-ID"] in page.content.decode()


def _refuse_all_session_reads(execute, sql, params, many, context):
    if '"django_session"' in sql:
        raise DatabaseRefuses("sessions table gone")
    return execute(sql, params, many, context)


def test_a_proxy_request_id_is_kept_and_a_forged_one_is_replaced(sha):
    client = Client()
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-12345678")["X-Request-ID"] == "abc-12345678"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert replaced != "<script>" and len(replaced) == 32
