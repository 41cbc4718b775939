"""Rows per page: 25 by default, 50 or 100 when the staff member chooses, remembered on their profile."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotel_crm.models import StaffProfile
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sixty_cases(sha, clerk):
    return [factories.log_case(sha, clerk) for _ in range(60)]


def _rows(response) -> int:
    return len(response.context["page"].object_list)


def test_the_case_list_shows_25_rows_then_the_chosen_size_on_every_visit(
    sha, clerk, login, sixty_cases, steady_session
):
    client = login(clerk)
    # Given a clerk who never chose: 25 rows, and the choice offered
    first = client.get("/complaints/?status=open")
    assert _rows(first) == 25 and first.context["page"].has_next()
    assert 'name="page_size" value="50"' in first.content.decode()
    # When they choose 50 from the list
    response = client.post("/account/page-size/", {"page_size": "50", "next": "/complaints/?status=open"})
    # Then they are back on the list, which now shows 50, on this and later visits (kept on the profile)
    assert response.status_code == 302 and response["Location"] == "/complaints/?status=open"
    assert StaffProfile.objects.get(user=clerk).page_size == 50
    assert _rows(client.get("/complaints/?status=open")) == 50
    assert _rows(login(clerk).get("/complaints/?status=open")) == 50


def test_per_page_in_the_address_shows_one_page_without_changing_the_choice(
    sha, clerk, login, sixty_cases, steady_session
):
    client = login(clerk)
    response = client.get("/complaints/?status=open&per_page=100")
    assert _rows(response) == 60
    assert StaffProfile.objects.get(user=clerk).page_size == 25
    # Sizes other than 25, 50 and 100 are ignored, in the address and in the form
    assert _rows(client.get("/complaints/?status=open&per_page=100000")) == 25
    client.post("/account/page-size/", {"page_size": "7", "next": "/complaints/"})
    assert StaffProfile.objects.get(user=clerk).page_size == 25


def test_the_page_size_form_never_sends_anyone_off_site(clerk, login):
    client = login(clerk)
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", ""):
        response = client.post("/account/page-size/", {"page_size": "100", "next": target})
        assert response.status_code == 302 and response["Location"] == "/"


def test_the_query_count_of_the_list_does_not_grow_with_the_page_size(
    sha, clerk, login, sixty_cases, steady_session
):
    client = login(clerk)
    client.get("/complaints/?status=open")
    with CaptureQueriesContext(connection) as small:
        assert _rows(client.get("/complaints/?status=open")) == 25
    with CaptureQueriesContext(connection) as large:
        assert _rows(client.get("/complaints/?status=open&per_page=100")) == 60
    assert len(large) == len(small)


def test_guest_search_shows_the_chosen_number_of_matches(sha, clerk, login, steady_session):
    for n in range(30):
        factories.make_guest(family_name_latin="Pageson", given_name_latin=f"Ann{n}")
    client = login(clerk)
    default = client.get("/guests/search/?q=Pageson")
    assert len(default.context["result"].guests) == 25
    assert "Only the first 25 matches are shown" in default.content.decode()
    client.post("/account/page-size/", {"page_size": "50", "next": "/guests/search/?q=Pageson"})
    chosen = client.get("/guests/search/?q=Pageson")
    assert len(chosen.context["result"].guests) == 30
    assert "Only the first" not in chosen.content.decode()
