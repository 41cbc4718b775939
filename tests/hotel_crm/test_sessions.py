"""Sessions on shared terminals: renewal at login, server-side logout, timeouts, deactivation (issue #10)."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hotel_crm.models import AuditEvent, StaffSession
from hotel_crm.staff_sessions import AUTH_AT, SEEN_AT
from tests import factories

pytestmark = pytest.mark.django_db


def _password_login(username: str, ip: str = "10.1.1.20", agent: str = "DeskTerminal/1.0") -> Client:
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    response = client.post("/login/", {"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def _age_session(client: Client, *, idle: int = 0, age: int = 0) -> None:
    """Pretend the last activity was `idle` seconds ago and the login `age` seconds ago."""
    session = client.session
    session[SEEN_AT] -= idle
    session[AUTH_AT] -= age
    session.save()


def test_the_session_key_is_renewed_at_login(clerk):
    # Given a visitor who already has a session (e.g. one planted by an attacker)
    client = Client()
    planted = client.session
    planted["x"] = 1
    planted.save()
    old_key = planted.session_key
    # When they log in
    client.post("/login/", {"username": "clerk", "password": factories.PASSWORD})
    # Then the logged-in session has a new key and the old one is gone
    assert client.session.session_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert client.session["_auth_user_id"] == str(clerk.pk)


def test_logout_ends_the_session_on_the_server(clerk):
    client = _password_login("clerk")
    cookie = client.cookies["sessionid"].value
    assert client.post("/logout/").status_code == 302
    # The old cookie, replayed from another browser, opens nothing
    thief = Client()
    thief.cookies["sessionid"] = cookie
    assert thief.get("/rooms/").status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()
    assert not StaffSession.objects.filter(session_key=cookie).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, actor=clerk).count() == 1


def test_an_idle_session_ends_with_a_clear_message_and_returns_to_the_page_after_login(clerk):
    client = _password_login("clerk")
    # Fourteen minutes of quiet: still logged in
    _age_session(client, idle=14 * 60)
    assert client.get("/rooms/").status_code == 200
    # Sixteen: logged out, sent to the login page that says why, and back to the page after login
    _age_session(client, idle=16 * 60)
    key = client.session.session_key
    response = client.get("/guests/?q=wang")
    assert response.status_code == 302
    assert response["Location"] == "/login/?reason=idle&next=%2Fguests%2F%3Fq%3Dwang"
    login_page = client.get(response["Location"])
    assert "You were logged out after 15 minutes of inactivity" in login_page.content.decode()
    assert not Session.objects.filter(session_key=key).exists()
    back = client.post(
        response["Location"], {"username": "clerk", "password": factories.PASSWORD, "next": "/guests/?q=wang"}
    )
    assert back["Location"] == "/guests/?q=wang"
    ended = AuditEvent.objects.get(action=AuditEvent.Action.SESSION_EXPIRED)
    assert ended.actor == clerk and ended.details["reason"] == "idle"


def test_the_idle_timeout_is_configurable(clerk, settings):
    settings.SESSION_IDLE_SECONDS = 5 * 60
    client = _password_login("clerk")
    _age_session(client, idle=6 * 60)
    assert client.get("/rooms/")["Location"].startswith("/login/?reason=idle")


def test_a_busy_session_still_ends_after_its_absolute_lifetime(clerk):
    client = _password_login("clerk")
    # Active a minute ago, but logged in 12 hours and a second ago
    _age_session(client, idle=60, age=12 * 3600 + 1)
    response = client.get("/rooms/")
    assert response["Location"].startswith("/login/?reason=expired")
    assert "Your session reached its limit of 12 hours" in client.get(response["Location"]).content.decode()
    assert client.get("/rooms/").status_code == 302


def test_activity_is_written_at_most_once_a_minute(clerk):
    client = _password_login("clerk")
    row = StaffSession.objects.get(user=clerk)
    client.get("/rooms/")
    assert StaffSession.objects.get(pk=row.pk).last_seen == row.last_seen
    _age_session(client, idle=61)
    client.get("/rooms/")
    assert StaffSession.objects.get(pk=row.pk).last_seen > row.last_seen


def test_deactivating_a_staff_member_ends_all_their_sessions_at_once(clerk, sha):
    # Given the clerk logged in at two terminals, and a colleague logged in too
    desk = _password_login("clerk", "10.1.1.20")
    tablet = _password_login("clerk", "10.1.1.99")
    factories.front_desk_at(sha, username="colleague")
    colleague = _password_login("colleague")
    # When an administrator deactivates the clerk
    clerk.is_active = False
    clerk.save()
    # Then both of the clerk's sessions are gone from the server, and the colleague's is not
    assert desk.get("/rooms/").status_code == 302
    assert tablet.get("/rooms/").status_code == 302
    assert not StaffSession.objects.filter(user=clerk).exists()
    assert colleague.get("/rooms/").status_code == 200
    # And re-activating the clerk does not bring an old session back
    clerk.is_active = True
    clerk.save()
    assert desk.get("/rooms/").status_code == 302


def test_deactivating_in_the_admin_ends_the_sessions(clerk, sha):
    terminal = _password_login("clerk")
    root = factories.make_staff("root", is_superuser=True, is_staff=True)
    admin = Client()
    admin.force_login(root)
    form = admin.get(f"/admin/auth/user/{clerk.pk}/change/").context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in ("groups", "user_permissions")
    }
    data.update(
        {
            "is_active": "",
            "last_login_0": "",
            "staff_profile-TOTAL_FORMS": "1",
            "staff_profile-INITIAL_FORMS": "1",
            "staff_profile-0-id": clerk.staff_profile.pk,
            "staff_profile-0-user": clerk.pk,
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": clerk.memberships.get().pk,
            "memberships-0-user": clerk.pk,
            "memberships-0-property": sha.pk,
            "memberships-0-role": clerk.memberships.get().role_id,
        }
    )
    data.pop("is_active")
    response = admin.post(f"/admin/auth/user/{clerk.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    clerk.refresh_from_db()
    assert clerk.is_active is False
    assert terminal.get("/rooms/").status_code == 302


def test_log_out_my_other_sessions(clerk):
    # Given the clerk logged in at the desk and (forgotten) at the back office
    desk = _password_login("clerk", "10.1.1.20", "Firefox at the desk")
    back_office = _password_login("clerk", "10.1.2.5", "Chrome in the back office")
    # The security page lists both, with device, IP and last activity
    page = desk.get("/account/security/").content.decode()
    assert "Firefox at the desk" in page and "Chrome in the back office" in page
    assert "10.1.2.5" in page
    # When the clerk logs out the other sessions from the desk
    response = desk.post("/account/security/end-other-sessions/", follow=True)
    assert "1 other session was logged out." in response.content.decode()
    # Then the back office session is gone and the desk one goes on
    assert back_office.get("/rooms/").status_code == 302
    assert desk.get("/rooms/").status_code == 200
    assert StaffSession.objects.filter(user=clerk).count() == 1


def test_the_security_page_query_count_does_not_grow_with_sessions(clerk):
    desk = _password_login("clerk")
    desk.get("/account/security/")
    with CaptureQueriesContext(connection) as one:
        assert desk.get("/account/security/").status_code == 200
    for n in range(8):
        _password_login("clerk", f"10.1.3.{n}")
    with CaptureQueriesContext(connection) as many:
        assert desk.get("/account/security/").status_code == 200
    assert len(many) == len(one)


def test_an_htmx_panel_of_an_idle_session_asks_for_a_full_page_login(clerk):
    client = _password_login("clerk")
    _age_session(client, idle=16 * 60)
    response = client.get("/rooms/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login/?reason=idle")


def test_a_session_from_before_tracking_existed_is_ended_once(clerk):
    client = _password_login("clerk")
    session = client.session
    del session[AUTH_AT]
    session.save()
    assert client.get("/rooms/")["Location"].startswith("/login/?reason=expired")
    assert _password_login("clerk").get("/rooms/").status_code == 200


def test_deactivating_a_partly_loaded_user_still_ends_their_sessions(clerk):
    terminal = _password_login("clerk")
    from django.contrib.auth import get_user_model

    partial = get_user_model().objects.only("pk").get(pk=clerk.pk)
    partial.is_active = False
    partial.save()
    assert terminal.get("/rooms/").status_code == 302
