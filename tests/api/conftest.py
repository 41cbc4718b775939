import pytest
from django.contrib.auth.models import Group
from django.test import Client

from api.models import Scope
from api.services import api_token_issue
from hotel_crm import roles
from tests import factories


class ApiClient:
    """A JSON client holding one token."""

    def __init__(self, raw: str, token=None):
        self.client = Client()
        self.raw = raw
        self.token = token

    def _call(self, method, path, data=None, headers=None, **params):
        kwargs = {"headers": {"Authorization": f"Bearer {self.raw}", **(headers or {})}}
        if method == "get":
            return self.client.get(path, data or params, **kwargs)
        return getattr(self.client, method)(path, data or {}, content_type="application/json", **kwargs)

    def get(self, path, data=None, **kw):
        return self._call("get", path, data, **kw)

    def post(self, path, data=None, **kw):
        return self._call("post", path, data, **kw)

    def put(self, path, data=None, **kw):
        return self._call("put", path, data, **kw)

    def patch(self, path, data=None, **kw):
        return self._call("patch", path, data, **kw)


@pytest.fixture
def make_token(sha):
    def _make(scopes=tuple(Scope.values), prop=None, role=roles.FRONT_DESK, name="PMS", **kwargs):
        token, raw = api_token_issue(
            name=name,
            prop=prop or sha,
            role=Group.objects.get(name=role),
            scopes=list(scopes),
            created_by=None,
            **kwargs,
        )
        return ApiClient(raw, token)

    return _make


@pytest.fixture
def api(make_token):
    """A client with every scope at SHA, acting as Front Desk."""
    return make_token()


@pytest.fixture
def room(sha):
    return factories.make_room(sha, "2101")


@pytest.fixture
def department(sha):
    return factories.make_department(sha, "housekeeping")
