"""Fixtures shared by the tests of complaints.services and complaints.case_primitives."""

import datetime as dt

import pytest

from complaints.models import (
    EventKind,
    PreventionRule,
)
from complaints.workflow import Status
from guests import services as guest_services
from hotel_crm import roles
from tests import factories

S = Status
K = EventKind
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def dept(sha):
    return factories.make_department(sha, "housekeeping", categories=["Room not clean", "Missing amenities"])


@pytest.fixture
def in_house(sha, clerk):
    guest = factories.make_guest("王", "芳", vip_level=1)
    room = factories.make_room(sha, "2606")
    today = sha.today()
    return guest_services.stay_create(
        prop=sha, guest=guest, room=room, arrival=today, departure=today + 2 * DAY, actor=clerk, check_in=True
    )


@pytest.fixture
def leak(sha):
    """Engineering, a plumbing category, and the rule: 3 cases in 30 days are a repeat."""
    PreventionRule.objects.create(property=sha, threshold=3, window_days=30)
    engineering = factories.make_department(sha, "engineering", categories=["Plumbing or leak", "Lighting"])
    return {
        "department": engineering,
        "plumbing": engineering.categories.get(name_en="Plumbing or leak"),
        "lighting": engineering.categories.get(name_en="Lighting"),
        "room": factories.make_room(sha, "2215"),
    }


@pytest.fixture
def alice(sha):
    return factories.make_staff(
        "alice", first_name="Alice", last_name="Wong", roles_at={sha: roles.FRONT_DESK}
    )


@pytest.fixture
def bob(sha):
    return factories.make_staff("bob", first_name="Bob", last_name="Chen", roles_at={sha: roles.FRONT_DESK})
