"""The benchmark's floor page (/ping/) and its query-count header (off unless asked for)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, modify_settings

pytestmark = pytest.mark.django_db


def test_ping_needs_a_signed_in_user(clerk, login):
    # Given an anonymous visitor and a signed-in clerk
    anonymous = Client().get("/ping/")
    signed_in = login(clerk).get("/ping/")
    # Then the visitor is sent to the login page and the clerk gets the tiny page, uncached
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert signed_in.status_code == 200
    assert "clerk" in signed_in.content.decode()
    assert "no-cache" in signed_in["Cache-Control"] or "max-age=0" in signed_in["Cache-Control"]


def test_no_query_count_header_by_default(clerk, login):
    assert "X-Query-Count" not in login(clerk).get("/ping/")


@modify_settings(MIDDLEWARE={"prepend": "hotel_crm.middleware.QueryCountMiddleware"})
def test_query_count_header_counts_every_query_of_the_request(clerk, login):
    # Given the benchmark's middleware switched on
    client = login(clerk)
    # When a page is requested
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/complaints/")
    # Then the header says how many SQL queries the whole request ran
    assert response.status_code == 200
    assert int(response["X-Query-Count"]) == len(captured.captured_queries) > 0


def test_h0_is_not_served_by_default(clerk, login):
    # Production never answers the benchmark's bare floor: it is an ordinary unknown URL
    assert login(clerk).get("/h0/").status_code == 404


def test_h0_runs_no_middleware_and_no_query(settings):
    # Given the benchmark's handler (BENCH_FLOOR on) with /h0/ routed past every middleware
    import io
    import sys

    from django.urls import clear_url_caches, path

    from hotel_crm import bench_floor, urls

    settings.ROOT_URLCONF = type(
        "H0Urls", (), {"urlpatterns": [*urls.urlpatterns, path("h0/", bench_floor.h0)]}
    )
    clear_url_caches()
    app = bench_floor.with_h0(lambda environ, start_response: pytest.fail("reached the full app"))
    seen: list[tuple[str, list]] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/h0/",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    # When it is requested
    with CaptureQueriesContext(connection) as queries:
        body = b"".join(app(environ, lambda status, headers, exc=None: seen.append((status, headers))))
    clear_url_caches()
    # Then the tiny page comes back with no query, no session cookie and none of the middleware's headers
    status, headers = seen[0]
    names = {name.lower() for name, _value in headers}
    assert status.startswith("200") and b"Signed in as" in body
    assert len(queries) == 0
    assert "set-cookie" not in names and "content-security-policy" not in names
