"""Issue #18, class 7: a GET whose database connection the server drops mid-request is served again
once on a new connection; a POST is not replayed. The drop is real: PostgreSQL ends the request's
own backend (pg_terminate_backend) at the page's first query on the cases table."""

import pytest
from django.db import connection
from django.test import Client

from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite has no connection to drop (a file, always usable)"
    ),
]


class DropConnection:
    """At the first `times` queries touching `table`, have the server end this very connection."""

    def __init__(self, table: str, times: int = 1):
        self.table, self.left, self.dropped = table, times, 0

    def __call__(self, execute, sql, params, many, context):
        if self.left and self.table in sql:
            self.left -= 1
            self.dropped += 1
            import psycopg

            pid = context["connection"].connection.info.backend_pid
            settings = connection.settings_dict
            with psycopg.connect(
                dbname=settings["NAME"],
                user=settings["USER"],
                host=settings["HOST"] or "127.0.0.1",
                port=settings["PORT"] or 5432,
                password=settings["PASSWORD"] or None,
                autocommit=True,
            ) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", [pid])
        return execute(sql, params, many, context)


def test_a_get_is_served_again_once_after_the_connection_drops(sha, clerk):
    factories.log_case(sha, clerk, guest=factories.make_guest("王", "芳"))
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    drop = DropConnection('"complaints_complaint"')
    with connection.execute_wrapper(drop):
        response = client.get("/complaints/")
    assert drop.dropped == 1
    assert response.status_code == 200 and "王芳" in response.content.decode()


def test_it_is_retried_only_once_and_a_post_is_never_replayed(sha, clerk):
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    twice = DropConnection('"complaints_complaint"', times=2)
    with connection.execute_wrapper(twice):
        assert client.get("/complaints/").status_code == 500
    assert twice.dropped == 2
    connection.close()  # the test client keeps Django from closing the dead connection at the request's end
    guest = factories.make_guest("李", "雷")
    post_drop = DropConnection('"guests_guest"')
    with connection.execute_wrapper(post_drop):
        response = client.post(f"/guests/{guest.pk}/edit/", {"family_name_cjk": "李", "given_name_cjk": "明"})
    assert post_drop.dropped == 1 and response.status_code == 500
    connection.close()
    guest.refresh_from_db()
    assert guest.given_name_cjk == "雷"
