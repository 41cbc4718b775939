import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from hotel_crm import roles
from tests import factories

# Under `make test` (pytest-xdist, --dist loadgroup) the tests of a group run one after another in one
# process: the tests that start real Celery workers (so no two of them share the two cores at once), and
# the browser tests (one Chromium for all of them, not one in each process).
XDIST_GROUPS = {"celery_worker": "celery_worker", "e2e": "browser"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        for marker, group in XDIST_GROUPS.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.xdist_group(group))
                break


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request leaves the language it served active on
    its thread (LocaleMiddleware and the staff's own choice activate it; a new request activates its
    own), so without this a Chinese page in one test would make the next test's messages Chinese.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def sha(db):
    return factories.make_property("SHA", name_en="Grand Plaza Hotel Shanghai", name_zh="上海君廷大酒店")


@pytest.fixture
def hgh(db):
    return factories.make_property("HGH", name_en="West Lake Garden Hotel", name_zh="西湖花园酒店")


@pytest.fixture
def login():
    """Return a test client logged in as `user`."""

    def _login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def clerk(sha):
    return factories.front_desk_at(sha, username="clerk")


@pytest.fixture
def grm(sha):
    return factories.make_staff("manager", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
