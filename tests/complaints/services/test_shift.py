"""The duty log, the handover and its reminder, and the check-in alert for flagged guests."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from complaints import reminders, selectors, services
from complaints.models import (
    ApprovalRequest,
    AuthorityLimit,
    Complaint,
    ComplaintEvent,
    DutyLogEntry,
    Handover,
    LogCategory,
    Notification,
    Problem,
    ProblemScope,
    Reminder,
    ReminderKind,
    ReminderStatus,
    ShiftSetting,
)
from complaints.workflow import Status, Verdict
from guests import services as guest_services
from hotel_crm import roles
from hotel_crm.errors import DomainError, StaleRecord
from tests import factories
from tests.complaints.services.cases import act, walk
from tests.complaints.shift_setup import arrival, past_case

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def duty(sha):
    return factories.make_staff("duty", first_name="Dora", roles_at={sha: roles.DUTY_MANAGER})


@pytest.fixture
def night(sha):
    return factories.make_staff("night", first_name="Nick", roles_at={sha: roles.FRONT_DESK})


def evening(sha, hour=21, minute=0) -> dt.datetime:
    """Today at `hour`:`minute` hotel time (the default shifts: the evening shift is 15–23)."""
    return dt.datetime.combine(sha.today(), dt.time(hour, minute), tzinfo=sha.tzinfo)


# --- the duty log ----------------------------------------------------------------------------


def test_a_log_entry_is_append_only_and_a_correction_points_at_it(sha, clerk, dept):
    entry = services.duty_log_write(
        prop=sha, author=clerk, category=LogCategory.ROOM, text="2305 fridge noisy"
    )
    fix = services.duty_log_write(
        prop=sha, author=clerk, category=LogCategory.ROOM, text="It was 2306, not 2305", corrects=entry
    )
    assert fix.corrects == entry
    entry.text = "rewritten"
    with pytest.raises(DomainError):
        entry.save()
    with pytest.raises(DomainError):
        entry.delete()
    assert DutyLogEntry.objects.get(pk=entry.pk).text == "2305 fridge noisy"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "Write what happened"),
        ({"text": "x" * 4001}, "under 4000"),
        ({"category": "party"}, "Choose a category"),
    ],
)
def test_bad_log_entries_are_refused_with_a_message(sha, clerk, kwargs, message):
    data = {"category": LogCategory.GUEST, "text": "ok", **kwargs}
    with pytest.raises(DomainError, match=message):
        services.duty_log_write(prop=sha, author=clerk, **data)
    assert not DutyLogEntry.objects.exists()


def test_a_log_entry_cannot_link_another_hotels_room_or_case(sha, hgh, clerk, grm):
    other_room = factories.make_room(hgh, "101")
    with pytest.raises(DomainError, match="another hotel"):
        services.duty_log_write(prop=sha, author=clerk, category="room", text="x", room=other_room)
    other_case = factories.log_case(hgh, factories.front_desk_at(hgh))
    with pytest.raises(DomainError, match="No such case"):
        services.duty_log_write(prop=sha, author=clerk, category="guest", text="x", complaint=other_case)


def test_an_entry_about_a_sensitive_case_is_sensitive_and_hidden_like_the_case(sha, clerk, grm):
    harassment = factories.make_department(sha, "security", categories=["Harassment"])
    harassment.categories.update(is_sensitive=True)
    case = factories.log_case(sha, grm, department=harassment)
    entry = services.duty_log_write(
        prop=sha,
        author=grm,
        category=LogCategory.SECURITY,
        text="Guest in 2201 felt followed",
        complaint=case,
    )
    plain = services.duty_log_write(
        prop=sha, author=clerk, category=LogCategory.GUEST, text="Late checkout 2101"
    )
    secret = services.duty_log_write(
        prop=sha, author=grm, category=LogCategory.INCIDENT, text="Staff conduct", is_sensitive=True
    )
    # a sensitive note about an ordinary case stays sensitive: the case's readers do not all see it
    ordinary = factories.log_case(sha, clerk, department=factories.make_department(sha, "housekeeping"))
    flagged = services.duty_log_write(
        prop=sha,
        author=grm,
        category=LogCategory.GUEST,
        text="Guest's medical condition",
        complaint=ordinary,
        is_sensitive=True,
    )
    # the clerk assigned to the sensitive case is involved in it, and sees its entry
    involved = factories.front_desk_at(sha)
    Complaint.objects.filter(pk=case.pk).update(assignee=involved)
    assert entry.is_sensitive
    assert set(selectors.log_entries_visible_to(user=clerk, prop=sha)) == {plain}
    assert set(selectors.log_entries_visible_to(user=involved, prop=sha)) == {plain, entry}
    assert set(selectors.log_entries_visible_to(user=grm, prop=sha)) == {plain, entry, secret, flagged}


# --- handovers -------------------------------------------------------------------------------


def test_the_handover_names_what_happened_and_what_falls_due_next(sha, clerk, night, grm, dept):
    # given the shift being handed over now, and an instant inside it and one before it
    now = timezone.now()
    window, incoming = selectors.shift_to_hand_over(sha, now)
    inside, before = window.start + MINUTE, window.start - dt.timedelta(hours=1)
    # a case opened this shift, one opened before and moved on this shift, one closed this shift,
    # one opened and closed before it, and a follow-up action due in the next shift
    opened = factories.log_case(sha, clerk)
    moved = factories.log_case(sha, clerk)
    closed = factories.log_case(sha, clerk)
    untouched = factories.log_case(sha, clerk)
    walk(closed, clerk, Status.CLOSED)
    walk(untouched, clerk, Status.CLOSED)
    act(services.complaint_confirm_restatement, moved, clerk, confirmed=True)
    walk(opened, clerk, Status.FOLLOWING_UP)
    action = act(
        services.action_add,
        opened,
        clerk,
        description="Engineering fixes the AC",
        # early in the incoming shift; within HANDOVER_GRACE after a shift began, the incoming shift
        # is the one in progress, whose start is already past (a due time must not be)
        due_at=max(incoming.start, now) + MINUTE,
    )
    later = act(
        services.action_add, opened, clerk, description="Check again next week", due_at=incoming.end + MINUTE
    )
    # an offer beyond the clerk's authority waits for approval, and a decision waits on a problem
    AuthorityLimit.objects.create(
        property=sha, role=Group.objects.get(name=roles.FRONT_DESK), per_case=100, per_day=500
    )
    refund = factories.log_case(sha, clerk)
    walk(refund, clerk, Status.RESOLVING)
    act(
        services.offer_make,
        refund,
        clerk,
        remedy_type="refund",
        description="Refund one night",
        value=Decimal("900"),
        reason="Noise all night",
    )
    problem = Problem.objects.create(
        property=sha,
        scope=ProblemScope.ROOMS,
        department=dept,
        title="Air conditioning fails",
        raised_at=before,
        last_case_at=before,
    )
    services.problem_request_decision(problem=problem, actor=grm, question="Replace the chiller")
    offer_request = ApprovalRequest.objects.get(offer__complaint=refund)
    decision_request = ApprovalRequest.objects.get(problem=problem)
    Complaint.objects.filter(pk=opened.pk).update(created_at=inside)
    Complaint.objects.exclude(pk=opened.pk).update(created_at=before)
    Complaint.objects.filter(pk=closed.pk).update(closed_at=inside)
    Complaint.objects.filter(pk=untouched.pk).update(closed_at=before)
    ComplaintEvent.objects.exclude(complaint=moved).update(at=before)
    ComplaintEvent.objects.filter(complaint=moved).update(at=inside)
    guest = factories.make_guest("赵", "敏")
    past_case(sha, clerk, guest, verdict=Verdict.DISSATISFIED)
    ComplaintEvent.objects.filter(complaint__guest=guest).update(at=before)
    Complaint.objects.filter(guest=guest).update(created_at=before, closed_at=before)
    stay = arrival(sha, clerk, guest)
    unflagged = arrival(sha, clerk, factories.make_guest("钱", "多"))
    entry = services.duty_log_write(
        prop=sha, author=clerk, category="guest", text="2305 promised a late checkout", now=inside
    )
    old_entry = services.duty_log_write(prop=sha, author=clerk, category="guest", text="old", now=before)
    # when the clerk hands over
    handover = services.handover_create(prop=sha, actor=clerk, notes="Watch 2305", to_user=night, now=now)
    summary = handover.summary
    # then the summary names exactly what happened this shift and what falls due in the next
    assert summary["opened"] == [opened.pk]
    assert summary["moved"] == [moved.pk]
    assert summary["closed"] == [closed.pk]
    assert action.pk in summary["actions_due"] and later.pk not in summary["actions_due"]
    assert stay.pk in summary["stays"] and unflagged.pk not in summary["stays"]
    assert entry.pk in summary["entries"] and old_entry.pk not in summary["entries"]
    assert (handover.shift_code, handover.shift_start) == (window.code, window.start)
    view = selectors.handover_view(handover=handover, user=night)
    assert [b.stay for b in view.arrivals] == [stay]
    assert view.arrivals[0].returning_complainant
    assert view.entries == [entry]
    assert [c.pk for c in view.opened] == [opened.pk]
    assert not handover.is_acknowledged()
    # the approvals waiting are read as on the approvals page: the offer and the problem's decision
    # for the guest relations manager, the offer only for the clerk (who does not see problems)
    assert set(summary["approvals"]) == {offer_request.pk, decision_request.pk}
    by_grm = selectors.handover_view(handover=handover, user=grm)
    assert {r.pk for r in by_grm.approvals} == {offer_request.pk, decision_request.pk}
    assert [r.pk for r in view.approvals] == [offer_request.pk]


def test_a_guest_flagged_only_by_a_sensitive_case_is_in_the_handover_only_for_who_sees_it(
    sha, clerk, night, grm
):
    # given a guest arriving today whose only case here is in a sensitive category
    security = factories.make_department(sha, "security", categories=["Harassment"])
    security.categories.update(is_sensitive=True)
    guest = factories.make_guest("黄", "蕾")
    past_case(sha, grm, guest, category=security.categories.get(), words="Followed by a man")
    stay = arrival(sha, clerk, guest)
    # when the clerk hands over
    handover = services.handover_create(prop=sha, actor=clerk, to_user=night)
    # then the frozen summary names the stay, but only a reader who sees the case is told of it
    assert stay.pk in handover.summary["stays"]
    for_grm = selectors.handover_view(handover=handover, user=grm)
    assert [b.stay for b in for_grm.arrivals] == [stay]
    assert for_grm.arrivals[0].returning_complainant
    assert selectors.handover_view(handover=handover, user=night).arrivals == []


def test_handing_over_twice_in_one_shift_is_refused(sha, clerk):
    services.handover_create(prop=sha, actor=clerk)
    with pytest.raises(DomainError, match="already handed over"):
        services.handover_create(prop=sha, actor=clerk)
    assert Handover.objects.count() == 1


def test_a_handover_to_oneself_or_to_a_stranger_is_refused(sha, hgh, clerk):
    with pytest.raises(DomainError, match="someone else"):
        services.handover_create(prop=sha, actor=clerk, to_user=clerk)
    stranger = factories.front_desk_at(hgh)
    with pytest.raises(DomainError, match="does not work in this hotel"):
        services.handover_create(prop=sha, actor=clerk, to_user=stranger)
    assert not Handover.objects.exists()


def test_a_handover_written_just_after_the_shift_ended_is_for_the_shift_that_ended(sha):
    # 23:10, ten minutes into the night shift: the evening clerk hands over the evening shift
    window, incoming = selectors.shift_to_hand_over(sha, evening(sha, 23, 10))
    assert (window.code, incoming.code) == ("evening", "night")
    window, incoming = selectors.shift_to_hand_over(sha, evening(sha, 22, 50))
    assert (window.code, incoming.code) == ("evening", "night")


def test_acknowledging_marks_it_read_and_calls_off_the_reminders(sha, clerk, night, duty):
    handover = services.handover_create(prop=sha, actor=clerk, to_user=night)
    pending = Reminder.objects.filter(handover=handover, status=ReminderStatus.PENDING)
    assert {r.recipient for r in pending} == {night, duty}
    assert list(selectors.unread_handovers(user=night, prop=sha)) == [handover]
    assert list(selectors.unread_handovers(user=duty, prop=sha)) == [handover]
    assert not selectors.unread_handovers(user=clerk, prop=sha).exists()
    # the writer cannot acknowledge their own handover
    with pytest.raises(DomainError, match="next shift"):
        services.handover_acknowledge(handover=handover, actor=clerk)
    # a stale page is refused
    with pytest.raises(StaleRecord):
        services.handover_acknowledge(handover=handover, actor=night, expected_version=handover.version + 1)
    services.handover_acknowledge(handover=handover, actor=night, expected_version=handover.version)
    handover.refresh_from_db()
    assert handover.acknowledged_by == night and handover.acknowledged_at is not None
    assert not Reminder.objects.filter(handover=handover, status=ReminderStatus.PENDING).exists()
    assert not selectors.unread_handovers(user=night, prop=sha).exists()
    assert not selectors.unread_handovers(user=duty, prop=sha).exists()
    with pytest.raises(DomainError, match="already acknowledged"):
        services.handover_acknowledge(handover=handover, actor=duty)


def test_a_handover_addressed_to_someone_is_not_acknowledged_by_another_clerk(sha, clerk, night, duty):
    other = factories.front_desk_at(sha)
    handover = services.handover_create(prop=sha, actor=clerk, to_user=night)
    assert not selectors.unread_handovers(user=other, prop=sha).exists()
    with pytest.raises(DomainError, match="addressed to someone else"):
        services.handover_acknowledge(handover=handover, actor=other)
    services.handover_acknowledge(handover=handover, actor=duty)  # the duty manager may
    handover.refresh_from_db()
    assert handover.acknowledged_by == duty


def test_an_unacknowledged_handover_raises_a_reminder_after_n_minutes(sha, clerk, night, duty):
    # given the hotel allows 20 minutes
    ShiftSetting.objects.create(property=sha, acknowledge_within_minutes=20)
    now = timezone.now()
    handover = services.handover_create(prop=sha, actor=clerk, to_user=night, now=now)
    # when the dispatcher looks at 19 minutes, nothing is due; at 20 minutes both reminders are
    assert reminders.claim_due(now=now + 19 * MINUTE) == []
    claimed = reminders.claim_due(now=now + 20 * MINUTE)
    assert len(claimed) == 2
    for reminder_id in claimed:
        assert reminders.deliver(reminder_id=reminder_id)
    # then the incoming clerk and the duty manager each have a notification linking to the handover
    notes = Notification.objects.filter(key__startswith="reminder:")
    assert {n.recipient for n in notes} == {night, duty}
    assert all(n.url == f"/complaints/shift/handovers/{handover.pk}/" for n in notes)
    assert all("not acknowledged" in n.text for n in notes)
    assert set(Reminder.objects.filter(handover=handover).values_list("kind", flat=True)) == {
        ReminderKind.HANDOVER
    }


def test_a_reminder_claimed_before_the_acknowledgement_is_not_sent(sha, clerk, night, duty):
    now = timezone.now()
    handover = services.handover_create(prop=sha, actor=clerk, to_user=night, now=now)
    claimed = reminders.claim_due(now=now + 31 * MINUTE)
    assert claimed
    # acknowledged while the rows were claimed (the service cancels claimed rows too)
    services.handover_acknowledge(handover=handover, actor=night)
    assert not any(reminders.deliver(reminder_id=pk) for pk in claimed)
    assert not Notification.objects.exists()


def test_a_hotel_without_a_duty_manager_reminds_its_guest_relations_managers(sha, clerk, grm):
    handover = services.handover_create(prop=sha, actor=clerk)
    assert [r.recipient for r in Reminder.objects.filter(handover=handover)] == [grm]


# --- the check-in alert ----------------------------------------------------------------------


def test_checking_in_a_returning_complainant_at_the_desk_tells_the_grm(sha, clerk, grm):
    guest = factories.make_guest("孙", "丽", salutation="ms")
    past_case(sha, clerk, guest, verdict=Verdict.VERY_SATISFIED)
    stay = arrival(sha, clerk, guest, "2308")
    guest_services.stay_check_in(stay=stay, actor=clerk)
    note = Notification.objects.get(recipient=grm)
    assert "2308" in note.text and "孙丽" in note.text
    assert "recovered last time" in note.text
    assert note.url == f"/guests/{guest.pk}/"
    assert not Notification.objects.filter(recipient=clerk).exists()


def test_checking_in_a_vip_tells_the_grm_and_an_ordinary_guest_does_not(sha, clerk, grm):
    ordinary = arrival(sha, clerk, factories.make_guest("周", "平"))
    guest_services.stay_check_in(stay=ordinary, actor=clerk)
    assert not Notification.objects.exists()
    vip = arrival(sha, clerk, factories.make_guest("吴", "总", vip_level=2))
    guest_services.stay_check_in(stay=vip, actor=clerk)
    assert "VIP 2" in Notification.objects.get(recipient=grm).text


def test_a_check_in_that_fails_leaves_no_notification(sha, clerk, grm):
    guest = factories.make_guest("郑", "浩", vip_level=1)
    stay = arrival(sha, clerk, guest)
    stay.room.status = "out_of_order"
    stay.room.out_of_order_reason = "Leak"
    stay.room.save()
    with pytest.raises(DomainError):
        guest_services.stay_check_in(stay=stay, actor=clerk)
    assert not Notification.objects.exists()
