import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from hotel_crm import roles, staff_sessions
from tests import factories

# `make test` runs the suite in processes (pytest-xdist), one test at a time to whichever is free, except
# these groups, each of which runs in one process, one test after another: the tests that start real
# Celery workers (no two of them compete for the two cores), the browser tests (one Chromium for all), and
# a module whose module-scoped data (20,000 guests and cases) costs more to build than its tests take.
# By node id, because the scheduler sees only node ids (pytest-xdist's own `xdist_group` marks are lost
# under pytest 9: it renames node ids, which pytest 9 no longer reads).
XDIST_GROUPS = {
    "tests/complaints/test_reminder_reliability.py::": "celery_worker",
    "tests/complaints/test_reminder_db_faults.py::": "celery_worker",
    "tests/complaints/test_reminder_batches.py::": "celery_worker",
    "tests/hotel_crm/test_tasks.py::test_heartbeat_task_travels_through_the_broker": "celery_worker",
    "tests/complaints/channels/test_celery_paths.py::": "celery_worker",
    "tests/e2e/": "browser",
    "tests/test_query_plans.py::": "query_plans",
}
# Each marker's tests must all be in its group, so a new one cannot slip out of it.
GROUP_OF_MARKER = {"celery_worker": "celery_worker", "e2e": "browser"}


def xdist_group_of(nodeid: str) -> str | None:
    return next((group for prefix, group in XDIST_GROUPS.items() if nodeid.startswith(prefix)), None)


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "load":
        return None  # an explicit --dist (loadfile, loadscope, …) is taken as asked
    from xdist.scheduler import LoadScopeScheduling

    class GroupedLoadScheduling(LoadScopeScheduling):
        """`--dist load`, except that each group of XDIST_GROUPS is one unit of work."""

        def _split_scope(self, nodeid: str) -> str:
            return xdist_group_of(nodeid) or nodeid

    return GroupedLoadScheduling(config, log)


def pytest_collection_modifyitems(items):
    stray = [
        f"{item.nodeid} (marked {marker})"
        for item in items
        for marker, group in GROUP_OF_MARKER.items()
        if item.get_closest_marker(marker) and xdist_group_of(item.nodeid) != group
    ]
    if stray:
        raise pytest.UsageError("Add these tests to XDIST_GROUPS in tests/conftest.py:\n" + "\n".join(stray))


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
def steady_session(monkeypatch):
    """No "last seen" session write during the test: a query-count test whose setup takes over a minute
    (thousands of cases on a busy machine) would otherwise count that once-a-minute write in whichever
    request happens to cross the minute."""
    monkeypatch.setattr(staff_sessions, "SEEN_RESOLUTION_SECONDS", 24 * 3600)


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
