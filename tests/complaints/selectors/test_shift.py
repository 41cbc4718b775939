"""Arrival briefings and the "my shift" page's items, as each role sees them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from complaints import selectors, services
from complaints.models import ApprovalRequest, AuthorityLimit, Complaint, CourtesyCheck
from complaints.selectors.shift import SHIFT_CAP
from complaints.workflow import Status, Verdict
from guests import services as guest_services
from guests.models import LoyaltyTier, Stay, StayStatus
from hotel_crm import roles
from tests import factories
from tests.complaints.services.cases import act, walk
from tests.complaints.shift_setup import arrival, past_case

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def duty(sha):
    return factories.make_staff("duty", roles_at={sha: roles.DUTY_MANAGER})


def test_a_returning_complainant_is_briefed_with_how_each_case_ended(sha, clerk):
    guest = factories.make_guest("王", "伟", preferences=[("pillow", "Buckwheat pillow")])
    first = past_case(sha, clerk, guest, verdict=Verdict.DISSATISFIED, compensation="300", room_number="2305")
    second = past_case(sha, clerk, guest, verdict=Verdict.SATISFIED, room_number="2407")
    stay = arrival(sha, clerk, guest)
    briefing = selectors.briefings_for(user=clerk, prop=sha, stays=[stay])[stay.pk]
    assert briefing.returning_complainant and briefing.flagged
    assert not briefing.recovered_last_time  # the last one ended only "OK"
    assert [p.complaint for p in briefing.past_cases] == [second, first]
    assert [p.complaint.verdict for p in briefing.past_cases] == [Verdict.SATISFIED, Verdict.DISSATISFIED]
    assert briefing.past_cases[1].compensation_total == Decimal("300")
    assert briefing.compensation_total == Decimal("300")
    assert briefing.avoid == ["2407", "2305"]
    assert [str(p) for p in briefing.preferences] == ["Pillow: Buckwheat pillow"]
    assert briefing.tier == LoyaltyTier.RETURNING  # two checked-out stays


def test_a_guest_recovered_last_time_is_flagged_for_a_warm_welcome(sha, clerk):
    guest = factories.make_guest("陈", "静")
    past_case(sha, clerk, guest, verdict=Verdict.DISSATISFIED, room_number="2101")
    recovered = past_case(sha, clerk, guest, verdict=Verdict.VERY_SATISFIED, room_number="2102")
    Complaint.objects.filter(pk=recovered.pk).update(reported_at=timezone.now())  # the latest
    stay = arrival(sha, clerk, guest)
    briefing = selectors.briefings_for(user=clerk, prop=sha, stays=[stay])[stay.pk]
    assert briefing.recovered_last_time
    assert briefing.avoid == ["2101"]  # a room that ended "very satisfied" is not one to avoid


def test_a_vip_without_past_cases_is_flagged_with_level_and_tier(sha, clerk):
    vip = factories.make_guest("林", "总", vip_level=3)
    plain = factories.make_guest("许", "一")
    stays = [arrival(sha, clerk, vip), arrival(sha, clerk, plain)]
    briefings = selectors.briefings_for(user=clerk, prop=sha, stays=stays)
    assert briefings[stays[0].pk].vip and briefings[stays[0].pk].flagged
    assert not briefings[stays[0].pk].returning_complainant
    assert briefings[stays[0].pk].tier == LoyaltyTier.FIRST_TIME
    assert not briefings[stays[1].pk].flagged


def test_the_briefing_hides_sensitive_cases_from_staff_who_may_not_see_them(sha, clerk, grm):
    security = factories.make_department(sha, "security", categories=["Harassment"])
    security.categories.update(is_sensitive=True)
    guest = factories.make_guest("黄", "蕾")
    past_case(
        sha,
        grm,
        guest,
        verdict=Verdict.DISSATISFIED,
        category=security.categories.get(),
        words="Followed by a man",
    )
    stay = arrival(sha, clerk, guest)
    for_clerk = selectors.briefings_for(user=clerk, prop=sha, stays=[stay])[stay.pk]
    for_grm = selectors.briefings_for(user=grm, prop=sha, stays=[stay])[stay.pk]
    assert for_clerk.past_cases == [] and not for_clerk.flagged
    assert [p.complaint.guest_words for p in for_grm.past_cases] == ["Followed by a man"]


def test_briefings_take_four_queries_however_many_stays(sha, clerk, django_assert_num_queries):
    stays = []
    for n in range(6):
        guest = factories.make_guest("马", f"{n}号", vip_level=n % 2, preferences=[("diet", "Vegetarian")])
        past_case(sha, clerk, guest, verdict=Verdict.SATISFIED, compensation="10")
        stays.append(arrival(sha, clerk, guest))
    stays = list(Stay.objects.filter(pk__in=[s.pk for s in stays]).select_related("guest", "room"))
    with django_assert_num_queries(4 + 2):  # + the access rule's two permission checks
        briefings = selectors.briefings_for(user=clerk, prop=sha, stays=stays)
    assert len(briefings) == 6
    assert all(b.returning_complainant for b in briefings.values())


# --- "my shift" for each role ------------------------------------------------------------------


def _shift_world(sha, clerk, grm):
    """Two cases due this shift (one the clerk's), one overdue, a departing guest with an open case,
    an arrival who complained before, an in-house guest not yet asked and one already asked."""
    other = factories.front_desk_at(sha)
    now = timezone.now()
    end = selectors.shift_now(sha, now).current.end
    mine = factories.log_case(sha, clerk)
    theirs = factories.log_case(sha, other)
    late = factories.log_case(sha, other)
    Complaint.objects.filter(pk=mine.pk).update(step_due_at=end - MINUTE)
    Complaint.objects.filter(pk=theirs.pk).update(step_due_at=now + MINUTE)
    Complaint.objects.filter(pk=late.pk).update(step_due_at=now - 5 * MINUTE)
    today = sha.today()
    leaving = guest_services.stay_create(
        prop=sha,
        guest=factories.make_guest("何", "走"),
        room=factories.make_room(sha),
        actor=clerk,
        arrival=today - dt.timedelta(days=2),
        departure=today + dt.timedelta(days=1),
        check_in=True,
    )
    Stay.objects.filter(pk=leaving.pk).update(departure_date=today)
    departing = factories.log_case(sha, clerk, stay=leaving)
    Complaint.objects.filter(pk=departing.pk).update(step_due_at=end + dt.timedelta(hours=5))
    guest = factories.make_guest("罗", "回")
    past_case(sha, clerk, guest, verdict=Verdict.VERY_SATISFIED)
    coming = arrival(sha, clerk, guest)
    asked = guest_services.stay_create(
        prop=sha,
        guest=factories.make_guest("谢", "问"),
        room=factories.make_room(sha),
        actor=clerk,
        arrival=today,
        departure=today + dt.timedelta(days=1),
        check_in=True,
    )
    CourtesyCheck.objects.create(property=sha, stay=asked, outcome="all_good", checked_by=clerk)
    return {
        "mine": mine,
        "theirs": theirs,
        "late": late,
        "departing": departing,
        "coming": coming,
        "leaving": leaving,
        "asked": asked,
    }


def test_my_shift_for_the_front_desk_puts_my_own_first(sha, clerk, grm):
    w = _shift_world(sha, clerk, grm)
    page = selectors.my_shift(user=clerk, prop=sha)
    assert page.due_cases[:2] == [w["mine"], w["theirs"]]  # mine first although due later
    assert w["late"] in page.overdue_cases and w["late"] not in page.due_cases
    assert page.departures == [w["departing"]]
    assert [b.stay for b in page.arrivals] == [w["coming"]]
    assert page.arrivals[0].recovered_last_time
    assert w["leaving"] in page.not_asked and w["asked"] not in page.not_asked
    assert page.approvals == []  # the front desk has no approvals to give


def test_my_own_due_case_is_listed_even_when_the_team_has_more_due_before_it(sha, clerk):
    """Mine first is decided before the list is cut to its 25: with 26 of the team's due earlier,
    the clerk's own case must still be on the page, at the top."""
    other = factories.front_desk_at(sha)
    now = timezone.now()
    end = selectors.shift_now(sha, now).current.end
    theirs = [factories.log_case(sha, other) for _ in range(SHIFT_CAP + 1)]
    Complaint.objects.filter(pk__in=[c.pk for c in theirs]).update(step_due_at=now + MINUTE)
    mine = factories.log_case(sha, clerk)
    Complaint.objects.filter(pk=mine.pk).update(step_due_at=end - MINUTE)
    page = selectors.my_shift(user=clerk, prop=sha)
    assert page.due_cases[0] == mine and len(page.due_cases) == SHIFT_CAP
    assert "due" in page.more


def test_my_shift_shows_a_manager_the_approvals_within_their_limit(sha, clerk, grm, duty):
    AuthorityLimit.objects.create(
        property=sha, role=Group.objects.get(name=roles.FRONT_DESK), per_case=100, per_day=500
    )
    AuthorityLimit.objects.create(
        property=sha,
        role=Group.objects.get(name=roles.GUEST_RELATIONS_MANAGER),
        per_case=5000,
        per_day=20000,
    )
    case = factories.log_case(sha, clerk)
    walk(case, clerk, Status.RESOLVING)
    act(
        services.offer_make,
        case,
        clerk,
        remedy_type="refund",
        description="Refund one night",
        value=Decimal("900"),
        reason="Noise all night",
    )
    assert ApprovalRequest.objects.count() == 1
    assert [a.offer.complaint for a in selectors.my_shift(user=grm, prop=sha).approvals] == [case]
    assert selectors.my_shift(user=duty, prop=sha).approvals == []  # no authority set for duty managers
    assert selectors.my_shift(user=clerk, prop=sha).approvals == []


def test_my_shift_hides_sensitive_cases_from_the_front_desk(sha, clerk, grm):
    security = factories.make_department(sha, "security", categories=["Harassment"])
    security.categories.update(is_sensitive=True)
    case = factories.log_case(sha, grm, department=security, category=security.categories.get())
    Complaint.objects.filter(pk=case.pk).update(step_due_at=timezone.now() - MINUTE)
    assert case not in selectors.my_shift(user=clerk, prop=sha).overdue_cases
    assert case in selectors.my_shift(user=grm, prop=sha).overdue_cases


def test_my_shift_shows_the_unread_handover_to_the_incoming_staff_and_the_duty_manager(sha, clerk, duty):
    night = factories.front_desk_at(sha)
    handover = services.handover_create(prop=sha, actor=clerk)
    assert selectors.my_shift(user=night, prop=sha).unread_handovers == [handover]
    assert selectors.my_shift(user=duty, prop=sha).unread_handovers == [handover]
    assert selectors.my_shift(user=clerk, prop=sha).unread_handovers == []
    assert selectors.my_shift(user=clerk, prop=sha).last_handover == handover


def test_stays_not_yet_asked_are_in_house_stays_without_a_courtesy_check(sha, clerk):
    today = sha.today()
    stays = [
        guest_services.stay_create(
            prop=sha,
            guest=factories.make_guest(),
            room=factories.make_room(sha),
            actor=clerk,
            arrival=today,
            departure=today + dt.timedelta(days=1),
            check_in=n < 2,
        )
        for n in range(3)
    ]
    CourtesyCheck.objects.create(property=sha, stay=stays[0], outcome="all_good", checked_by=clerk)
    assert list(selectors.stays_not_yet_asked(prop=sha)) == [stays[1]]
    assert stays[2].status == StayStatus.RESERVED
