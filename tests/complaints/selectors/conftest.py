"""Fixtures shared by the tests of complaints.selectors."""

import datetime as dt

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Area, PreventionRule
from complaints.workflow import Status, Verdict
from tests import factories
from tests.complaints.selectors.cases import accept_an_offer, act, to_resolving

S = Status
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def board(sha, hgh, clerk, grm):
    """Four cases at SHA in different steps, departments, severities; and one at HGH.

    a: housekeeping, low, listening, 3 days ago, the clerk's
    b: engineering, critical, VIP guest, resolving, an open action due in an hour, the manager's
    c: engineering, high, a repeat of d, following up, its action done, 1 day ago
    d: engineering, closed, 5 days ago (same room and fault as c)
    """
    PreventionRule.objects.create(property=sha, threshold=2, window_days=30)
    housekeeping = factories.make_department(sha, "housekeeping", categories=["Room not clean"])
    engineering = factories.make_department(sha, "engineering", categories=["Air conditioning"])
    room = factories.make_room(sha, "1808")
    now = timezone.now()

    def log(days_ago, department, **overrides):
        reported = now - dt.timedelta(days=days_ago)
        return factories.log_case(
            sha, clerk, department=department, occurred_at=reported - HOUR, reported_at=reported, **overrides
        )

    d = log(5, engineering, room=room)
    to_resolving(d, clerk)
    accept_an_offer(d, clerk)
    act(services.complaint_request_verification, d, clerk)
    act(services.complaint_verify, d, clerk, verdict=Verdict.SATISFIED)

    a = log(3, housekeeping, severity="low")

    vip = factories.make_guest("赵", "敏", vip_level=2)
    b = log(2, engineering, severity="critical", guest=vip, area=Area.LOBBY)
    to_resolving(b, clerk)
    act(services.action_add, b, clerk, description="Fix the lobby door", due_at=now + HOUR)
    act(services.complaint_assign, b, clerk, assignee=grm)

    c = log(1, engineering, severity="high", room=room)
    to_resolving(c, clerk)
    accept_an_offer(c, clerk)
    done = act(services.action_add, c, clerk, description="Service the AC", due_at=now + HOUR)
    act(services.action_complete, c, clerk, action_id=done.pk)

    hgh_clerk = factories.front_desk_at(hgh)
    hgh_engineering = factories.make_department(hgh, "engineering", categories=["Air conditioning"])
    elsewhere = factories.log_case(hgh, hgh_clerk, department=hgh_engineering, severity="critical")

    cases = {"a": a, "b": b, "c": c, "d": d}
    for case in cases.values():
        case.refresh_from_db()
    assert (a.status, b.status, c.status, d.status) == (S.LISTENING, S.RESOLVING, S.FOLLOWING_UP, S.CLOSED)
    assert c.is_repeat and not d.is_repeat
    return {
        **cases,
        "housekeeping": housekeeping,
        "engineering": engineering,
        "elsewhere": elsewhere,
        "hgh_engineering": hgh_engineering,
        "hgh_clerk": hgh_clerk,
        "now": now,
    }
