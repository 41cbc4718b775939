"""Every page needs a login; roles see only their pages."""

import pytest
from django.test import Client

from hotel_crm import roles
from tests import factories
from tests.urlwalk import all_paths

pytestmark = pytest.mark.django_db

# The guest's answer page and its thank-you page are public by design (issue #13, ADR 0011).
PUBLIC = {"/healthz", "/login/", "/admin/login/", "/g/thanks/", "/g/x/"}
# /channels/…: the guests' channels post here (WeChat, mail services); public by design and refused
# without the channel's signature (tests/complaints/channels/).


def test_anonymous_visitors_are_sent_to_login_from_every_page():
    # The REST API answers 401 in JSON instead of redirecting (tests/api/test_auth.py checks every path).
    paths = [
        p for p in all_paths() if p not in PUBLIC and not p.startswith(("/static/", "/api/", "/channels/"))
    ]
    assert "/rooms/" in paths and "/rooms/1/" in paths  # the crawl really reaches the app pages
    client = Client()
    for path in paths:
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 302, (
                f"{method.__name__.upper()} {path} gave {response.status_code}"
            )
            assert "/login/" in response["Location"], f"{path} redirected to {response['Location']}"


def test_login_page_and_healthz_are_public():
    assert Client().get("/login/").status_code == 200
    assert Client().get("/healthz").status_code == 200


def test_the_guests_pages_are_public_and_a_bad_link_is_not_found():
    assert Client().get("/g/thanks/").status_code == 200
    assert Client().get("/g/x/").status_code == 404
    assert Client().post("/g/x/", {"answer": "very_satisfied"}).status_code == 404


def test_demo_style_login_with_password_works_and_lands_on_my_shift(sha):
    # The front desk starts on "my shift" (issue #19); the room board is one click away from it.
    factories.front_desk_at(sha, username="desk1")
    client = Client()
    response = client.post("/login/", {"username": "desk1", "password": factories.PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/complaints/shift/"
    assert response.status_code == 200
    assert 'href="/rooms/"' in response.content.decode()


def test_wrong_password_gets_a_message_not_an_error(sha):
    factories.front_desk_at(sha, username="desk1")
    response = Client().post("/login/", {"username": "desk1", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_logout_ends_the_session(clerk, login):
    client = login(clerk)
    assert client.get("/rooms/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/rooms/").status_code == 302


def test_front_desk_gets_403_on_admin_pages(clerk, login):
    client = login(clerk)
    for path in ("/admin/", "/admin/rooms/room/", "/admin/auth/user/", "/admin/rooms/room/add-range/"):
        assert client.get(path).status_code == 403, path
    assert client.get("/admin/login/").status_code == 403


def test_navigation_shows_only_what_the_role_may_use(sha, clerk, login):
    admin_user = factories.make_staff(
        "propadmin", roles_at={sha: roles.PROPERTY_ADMINISTRATOR}, is_staff=True
    )
    clerk_page = login(clerk).get("/rooms/").content.decode()
    assert 'href="/rooms/"' in clerk_page
    assert 'href="/admin/"' not in clerk_page
    admin_page = login(admin_user).get("/rooms/").content.decode()
    assert 'href="/admin/"' in admin_page


def test_staff_without_a_hotel_get_a_clear_page(login):
    nobody = factories.make_staff("floating")
    response = login(nobody).get("/rooms/")
    assert response.status_code == 403
    assert "not assigned to a hotel" in response.content.decode()


def test_group_director_is_read_only(sha, login):
    factories.make_room(sha, "2101")
    director = factories.make_staff("director", group_role=roles.GROUP_DIRECTOR)
    client = login(director)
    room = sha.rooms.get()
    assert client.get("/rooms/").status_code == 200
    assert client.get(f"/rooms/{room.pk}/").status_code == 200
    response = client.post(f"/rooms/{room.pk}/status/", {"status": "vacant_dirty", "version": room.version})
    assert response.status_code == 403
    room.refresh_from_db()
    assert room.status == "vacant_clean"


def test_language_switch_is_kept_on_the_profile_and_wins_over_it(sha, clerk, login):
    from hotel_crm.models import StaffProfile

    StaffProfile.objects.filter(user=clerk).update(language="en")
    client = login(clerk)
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/rooms/"})
    assert response.status_code == 302
    assert StaffProfile.objects.get(user=clerk).language == "zh-hans"
    assert "房态" in client.get("/rooms/").content.decode()
    # and on another terminal (a new session) the clerk's language follows them
    assert "房态" in login(clerk).get("/rooms/").content.decode()
    assert client.post("/i18n/setlang/", {"language": "klingon"}).status_code in (302, 204)
    assert StaffProfile.objects.get(user=clerk).language == "zh-hans"
