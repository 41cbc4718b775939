"""Tokens: scopes (403), unknown or revoked (401), shown once in the admin, rate limit per token."""

import pytest
from django.test import Client

from hotel_crm.api.models import ApiToken
from hotel_crm.api.services import api_token_revoke, token_hash
from tests import factories

pytestmark = pytest.mark.django_db


def test_token_without_the_scope_gets_403_with_the_scope_named(make_token):
    # given a token that may read rooms only
    client = make_token(scopes=["rooms:read"])
    # when it reads guests and complaints, and writes a room
    guests = client.get("/api/v1/guests/")
    complaints = client.get("/api/v1/complaints/")
    room_write = client.put("/api/v1/rooms/101/status/", {"status": "vacant_dirty", "version": 1})
    # then each is refused, naming the missing scope
    assert guests.status_code == 403 and "guests:read" in guests.json()["detail"]
    assert complaints.status_code == 403 and "complaints:read" in complaints.json()["detail"]
    assert room_write.status_code == 403 and "rooms:write" in room_write.json()["detail"]
    assert client.get("/api/v1/rooms/").status_code == 200


def test_unknown_and_revoked_tokens_get_401(api):
    # given a token that works
    assert api.get("/api/v1/rooms/").status_code == 200
    # when it is revoked
    api_token_revoke(token=api.token)
    # then it and an unknown token are refused with 401 and a JSON reason
    revoked = api.get("/api/v1/rooms/")
    assert revoked.status_code == 401
    assert revoked.json()["detail"] == "Unknown or revoked API token."
    unknown = Client().get("/api/v1/rooms/", headers={"Authorization": "Bearer hcrm_nope_x"})
    assert unknown.status_code == 401
    assert Client().get("/api/v1/rooms/").status_code in (401, 403)


def test_only_the_hash_is_stored_and_the_account_acts_in_the_tokens_property(api, sha):
    token = ApiToken.objects.get(pk=api.token.pk)
    assert api.raw not in (token.key_hash, token.prefix)
    assert token.key_hash == token_hash(api.raw)
    assert token.user.memberships.get().property == sha
    assert not token.user.has_usable_password()
    assert token.last_used_at is None
    api.get("/api/v1/rooms/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_token_sees_only_its_own_property(make_token, sha, hgh):
    # given a room at each hotel
    factories.make_room(sha, "2101")
    factories.make_room(hgh, "301")
    # when a SHA token lists rooms and asks for HGH's room
    client = make_token(prop=sha)
    numbers = [r["number"] for r in client.get("/api/v1/rooms/").json()["results"]]
    # then it sees SHA's only
    assert numbers == ["2101"]
    assert client.get("/api/v1/rooms/301/").status_code == 404


def test_rate_limit_per_token(make_token, sha):
    # given a token allowed 3 requests a minute, and another with the default
    limited = make_token(requests_per_minute=3, name="Limited")
    other = make_token(name="Other")
    # when it makes a fourth
    codes = [limited.get("/api/v1/rooms/").status_code for _ in range(4)]
    # then that one is throttled, and the other token is not affected
    assert codes == [200, 200, 200, 429]
    assert other.get("/api/v1/rooms/").status_code == 200


def test_admin_shows_the_token_once_and_revokes_it(db, sha):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    admin = get_user_model().objects.create_superuser("root", password="x" * 12)
    browser = Client()
    browser.force_login(admin)
    # when the superuser adds a token
    response = browser.post(
        "/admin/api/apitoken/add/",
        {
            "name": "OPERA",
            "property": sha.pk,
            "role": Group.objects.get(name="Front Desk").pk,
            "scopes": ["rooms:read", "stays:write"],
        },
        follow=True,
    )
    # then the secret is in the message once, and it works
    token = ApiToken.objects.get(name="OPERA")
    messages = [str(m) for m in response.context["messages"]]
    raw = next(m for m in messages if "hcrm_" in m).split(": ")[1].split(" ")[0]
    assert token.key_hash == token_hash(raw)
    assert token.scopes == ["stays:write", "rooms:read"] or set(token.scopes) == {"rooms:read", "stays:write"}
    assert Client().get("/api/v1/rooms/", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    # and the change page never shows it again
    page = browser.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert raw not in page and token.prefix in page
    # when it is revoked from the list
    browser.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    # then it no longer works
    assert Client().get("/api/v1/rooms/", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_browser_session_uses_the_current_property_and_role(login, clerk, sha):
    factories.make_room(sha, "2101")
    client = login(clerk)
    assert client.get("/api/v1/rooms/").json()["results"][0]["number"] == "2101"
    # a group director (read-only) may read but not change a room's status
    director = factories.make_staff("dir", group_role="Group Director")
    response = login(director).put(
        "/api/v1/rooms/2101/status/",
        {"status": "vacant_dirty", "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_session_writes_need_csrf(clerk, sha):
    room = factories.make_room(sha, "2101")
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    response = client.put(
        "/api/v1/rooms/2101/status/",
        {"status": "vacant_dirty", "version": room.version},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_anonymous_callers_get_401_json_on_every_api_path_but_the_docs():
    from tests.urlwalk import all_paths

    public = {"/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/"}
    paths = [p for p in all_paths() if p.startswith("/api/v1/") and p not in public]
    assert "/api/v1/complaints/1/verify/" in paths
    client = Client()
    for path in paths:
        for method in (client.get, client.post, client.put):
            response = method(path)
            assert response.status_code in (401, 404), f"{method.__name__} {path}: {response.status_code}"
            assert response["Content-Type"] == "application/json", path
            if response.status_code == 401:
                assert response["WWW-Authenticate"] == "Bearer"
    for path in public:
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("tail", ["complaints/x%0Ay/withdraw/", "nope/", "complaints/%C2%A8/"])
def test_an_unknown_api_path_is_a_json_404_even_with_a_newline_in_it(make_token, tail):
    # given a token (schemathesis found /complaints/<id with a newline>/withdraw/ answering HTML)
    client = make_token(scopes=["complaints:read", "complaints:write"])
    # when a path no API route matches is posted
    response = client.post(f"/api/v1/{tail}", {})
    # then the API answers its own JSON 404, not the site's HTML page
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
