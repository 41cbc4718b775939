"""Issue #10, test 1: every state-changing URL refuses a request without a CSRF token.

The URLs come from the URLconf (tests.urlwalk, with real ids as in tests/test_crawl.py) and from the
admin site's registry, so a new view is covered the day it is added. Each is POSTed, without a token,
by a superuser (who could otherwise do anything): the answer is Django's CSRF 403 and not a single
row of any table changes.
"""

import pytest
from django.contrib import admin

from tests.security.conftest import client_for, fingerprint
from tests.test_crawl import _paths

pytestmark = pytest.mark.django_db


def _admin_paths() -> list[str]:
    paths = ["/admin/login/", "/admin/logout/", "/admin/password_change/"]
    for model, _model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        paths += [base, base + "add/"]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            paths += [f"{base}{first.pk}/change/", f"{base}{first.pk}/delete/"]
    return paths


def _is_api_view(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        view = resolve(path).func
    except Resolver404:
        return False
    return getattr(view, "cls", None) is not None or path.startswith("/api/")


def _refused_for_csrf(path: str, response) -> bool:
    """Django's CSRF 403; for the REST API (DRF checks CSRF for session callers only, in its own
    403 "CSRF Failed"), any refusal: 403, or 404/405 from its read-only pages (schema, docs)."""
    if _is_api_view(path) and not path.startswith("/channels/"):
        return response.status_code in (403, 404, 405)
    if path.startswith("/channels/"):
        # WeChat's callback and the mail services' webhooks are called by servers, not browsers: they are
        # CSRF-exempt and authenticated by a signature or the webhook secret instead (ADR 0020), so an
        # unsigned post must be refused (and change nothing, checked below) whatever the session.
        return response.status_code in (400, 401, 403, 404)
    return response.status_code == 403 and b"CSRF" in response.content


def _state_changing_paths() -> list[str]:
    return [*_paths(), "/logout/", *_admin_paths()]


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(demo):
    # Given the demo group and a superuser whose browser sends no CSRF token
    client = client_for("admin", enforce_csrf_checks=True)
    client.get("/")  # settle the session (the current property)
    paths = _state_changing_paths()
    assert len(paths) > 100, "the URL walk found too few URLs"
    before = fingerprint()
    refused = []
    for path in paths:
        # When they POST to it
        response = client.post(path, {"note": "x", "version": "1", "q": "x", "property": "1"})
        # Then CSRF protection refuses it (not a permission or validation answer)
        if not _refused_for_csrf(path, response):
            refused.append(f"{path}: {response.status_code}")
    assert refused == [], "accepted without a CSRF token:\n" + "\n".join(refused)
    # and nothing in the database changed
    assert fingerprint() == before


def test_the_same_posts_with_the_token_get_past_csrf(demo):
    # The control: with the token no CSRF refusal remains, so the 403s above were CSRF's alone
    client = client_for("admin", enforce_csrf_checks=True)
    client.get("/complaints/")  # a page with a form: sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    for path in _state_changing_paths():
        if path in ("/logout/", "/admin/logout/"):
            continue
        response = client.post(path, {"csrfmiddlewaretoken": token, "note": "x"})
        assert b"CSRF" not in response.content or response.status_code != 403, path
