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
