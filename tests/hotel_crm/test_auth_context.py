"""The signed-in user's session and context read from a shared cache (ADR 0019), never stale.

The cache is a per-test local memory cache here (one process, so it is "shared" by every
request of the test); CI runs the whole suite with Redis, where it is on for every test.
"""

import time
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hotel_crm import staff_sessions
from hotel_crm.models import Property, StaffMembership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shared_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"authctx-{uuid.uuid4().hex}",
        }
    }
    settings.AUTH_CONTEXT_CACHE = True
    settings.SESSION_ENGINE = "hotel_crm.sessions"


def _password_login(username: str, ip: str = "10.1.1.20") -> Client:
    client = Client(REMOTE_ADDR=ip)
    assert client.post("/login/", {"username": username, "password": factories.PASSWORD}).status_code == 302
    return client


def test_a_signed_in_page_runs_no_query_once_the_context_is_cached(clerk):
    # Given a clerk who has opened a page once
    client = _password_login("clerk")
    assert client.get("/ping/").status_code == 200
    # When they open the floor page again
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/ping/")
    # Then session, user and where they may work come from the cache: no SQL at all
    assert response.status_code == 200 and "clerk" in response.content.decode()
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_without_the_shared_cache_the_same_page_reads_the_database(clerk, settings):
    settings.AUTH_CONTEXT_CACHE = False
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client = _password_login("clerk")
    client.get("/ping/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/ping/").status_code == 200
    # session, user, profile, memberships
    assert len(queries) == 4


def test_a_removed_role_applies_at_the_next_request(clerk):
    # Given a clerk whose context is cached
    client = _password_login("clerk")
    assert client.get("/rooms/").status_code == 200
    assert client.get("/rooms/").status_code == 200
    # When their only membership is removed
    StaffMembership.objects.filter(user=clerk).delete()
    # Then the next request no longer lets them in
    assert client.get("/rooms/").status_code == 403


def test_a_deactivated_property_disappears_at_the_next_request(clerk, sha):
    client = _password_login("clerk")
    assert client.get("/rooms/").status_code == 200
    sha.is_active = False
    sha.save()
    assert client.get("/rooms/").status_code == 403
    assert Property.objects.get(pk=sha.pk).is_active is False


def test_deactivation_ends_a_cached_session_at_once(clerk):
    client = _password_login("clerk")
    assert client.get("/rooms/").status_code == 200
    clerk.is_active = False
    clerk.save()
    assert client.get("/rooms/").status_code == 302


def test_a_password_change_elsewhere_ends_the_cached_session(clerk):
    # Given the clerk signed in at a terminal, their user cached
    client = _password_login("clerk")
    assert client.get("/rooms/").status_code == 200
    # When their password is changed (by an administrator, or themselves elsewhere)
    user = get_user_model().objects.get(pk=clerk.pk)
    user.set_password("another-long-passphrase-42")
    user.save()
    # Then the session's password hash no longer matches: signed out
    response = client.get("/rooms/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_log_out_other_sessions_ends_a_cached_session(clerk):
    desk = _password_login("clerk", "10.1.1.20")
    back_office = _password_login("clerk", "10.1.2.5")
    assert back_office.get("/rooms/").status_code == 200
    assert desk.post("/account/security/end-other-sessions/").status_code == 302
    assert back_office.get("/rooms/").status_code == 302
    assert desk.get("/rooms/").status_code == 200


def test_idle_and_absolute_limits_hold_for_a_cached_session(clerk):
    idle = _password_login("clerk")
    old = _password_login("clerk", "10.1.1.99")
    assert idle.get("/rooms/").status_code == 200 and old.get("/rooms/").status_code == 200
    session = idle.session
    session[staff_sessions.SEEN_AT] -= 16 * 60
    session.save()
    session = old.session
    session[staff_sessions.SEEN_AT] -= 60
    session[staff_sessions.AUTH_AT] -= 12 * 3600 + 1
    session.save()
    assert idle.get("/rooms/")["Location"].startswith("/login/?reason=idle")
    assert old.get("/rooms/")["Location"].startswith("/login/?reason=expired")


def test_an_entry_computed_before_a_change_is_never_served(clerk, sha, hgh):
    # Given a request that computed the clerk's context just before a role was added (a race)
    from hotel_crm.auth_backends import PropertyRoleBackend

    backend = PropertyRoleBackend()
    stale = backend.get_user(clerk.pk)
    assert [p.code for p in stale.property_access.properties] == ["SHA"]
    factories.front_desk_at(hgh, username="other")  # unrelated staff: no effect on the clerk
    assert [p.code for p in backend.get_user(clerk.pk).property_access.properties] == ["SHA"]
    # When the clerk gets a role at the second hotel
    StaffMembership.objects.create(user=clerk, property=hgh, role=clerk.memberships.get().role)
    # Then the next read sees it
    assert [p.code for p in backend.get_user(clerk.pk).property_access.properties] == ["HGH", "SHA"]


@pytest.fixture
def unreachable_cache(settings):
    """Redis where nothing listens (port 1 refuses at once): what the app sees in a Redis outage."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_with_the_cache_unreachable_signing_in_working_and_signing_out_go_on(clerk, unreachable_cache):
    # Given Redis down, when a clerk signs in and works
    client = _password_login("clerk")
    assert client.get("/rooms/").status_code == 200
    assert client.get("/rooms/").status_code == 200
    # Then signing out still ends the session (in the database, which is the record)
    assert client.post("/logout/").status_code == 302
    assert client.get("/rooms/").status_code == 302


def test_a_renewal_lost_in_an_outage_leaves_a_stale_entry_no_longer_than_the_max_age(clerk, settings):
    # Given a clerk whose context is cached with a short maximum age
    settings.AUTH_CONTEXT_MAX_AGE = 2
    nothing = Group.objects.create(name="No permissions")
    client = _password_login("clerk")
    assert client.get("/rooms/").status_code == 200
    # When their role is taken away without any renewal reaching the cache (update() sends no
    # signal, as an outage would swallow it)
    StaffMembership.objects.filter(user=clerk).update(role=nothing)
    assert client.get("/rooms/").status_code == 200  # the cached entry, stale: what the bound is for
    # Then once it expires the database answers
    time.sleep(2.2)
    assert client.get("/rooms/").status_code == 403
