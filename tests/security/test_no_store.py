"""Issue #18, class 2: no response the app makes may be kept by the browser's cache (guest data on a
shared desk terminal: Back after the idle logout must not show a profile). Every URL name of the
access matrix is requested with real ids by several roles, every path of the URLconf by a superuser,
every admin page, and the API with a token; only static assets may be cached."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group

from hotel_crm import roles
from hotel_crm.api.models import Scope
from hotel_crm.api.services import api_token_issue
from hotel_crm.models import Property
from tests.security.conftest import client_for
from tests.security.test_access_matrix import MATRIX, _ids
from tests.urlwalk import all_paths

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def _at_sha(username: str | None):
    from hotel_crm.middleware import SESSION_KEY

    client = client_for(username)
    if username:
        session = client.session
        session[SESSION_KEY] = Property.objects.get(code="SHA").pk
        session.save()
    return client


def _send(client, method: str, path: str, **extra):
    if path.startswith("/api/") and method in ("POST", "PUT"):
        return getattr(client, method.lower())(path, "{}", content_type="application/json", **extra)
    return client.post(path, **extra) if method == "POST" else client.get(path, **extra)


def test_every_url_name_answers_no_store_for_every_role(demo):
    ids = _ids()
    cached = []
    for role in ("anonymous", "frontdesk", "grm", "admin"):
        client = _at_sha(None if role == "anonymous" else role)
        for key, (method, template, _statuses) in MATRIX.items():
            response = _send(client, method, template.format(**ids))
            if not _no_store(response):
                cached.append(f"{role} {key}: {response.status_code} {response.headers.get('Cache-Control')}")
    assert cached == []


def test_every_path_of_the_urlconf_and_every_admin_page_answers_no_store(demo):
    client = _at_sha("admin")
    paths = list(all_paths())
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        first = model._default_manager.order_by("pk").first()
        paths += [base, base + "add/"]
        if first is not None:
            paths += [f"{base}{first.pk}/change/", f"{base}{first.pk}/history/"]
    cached = [path for path in paths if not _no_store(client.get(path))]
    assert cached == []


def test_the_api_with_a_token_and_the_csv_export_answer_no_store(demo):
    _token, raw = api_token_issue(
        name="PMS",
        prop=Property.objects.get(code="SHA"),
        role=Group.objects.get(name=roles.FRONT_DESK),
        scopes=list(Scope.values),
        created_by=None,
    )
    client = client_for(None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for path in ("/api/v1/guests/", "/api/v1/complaints/", "/api/v1/rooms/", "/api/v1/nothing/"):
        assert _no_store(client.get(path, **auth)), path
    assert _no_store(client.get("/api/v1/guests/", HTTP_AUTHORIZATION="Bearer wrong"))
    csv = _at_sha("grm").get("/complaints/?format=csv")
    assert csv["Content-Type"].startswith("text/csv") and _no_store(csv)


def test_static_assets_may_still_be_cached(demo):
    response = client_for("frontdesk").get("/static/css/app.css")
    assert response.status_code == 200
    assert not _no_store(response)
