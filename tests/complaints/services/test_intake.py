"""Step 1, logging a case, and the repeat flag set then (complaints.services.intake)."""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from complaints import services
from complaints.models import (
    Area,
    Category,
    Complaint,
    ComplaintEvent,
    EventKind,
    PreventionRule,
    Reminder,
)
from complaints.services import ComplaintError, intake
from complaints.workflow import Status
from guests import services as guest_services
from hotel_crm import roles
from hotel_crm.api.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from tests import factories
from tests.complaints.services.cases import act, log_days_ago, timeline

pytestmark = pytest.mark.django_db

S = Status
K = EventKind
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def test_logging_a_guests_complaint_fills_stay_and_room_from_the_in_house_stay(sha, clerk, dept, in_house):
    # Given a guest staying in room 2606
    # When the clerk logs their complaint naming only the guest
    case = factories.log_case(sha, clerk, department=dept, guest=in_house.guest)
    # Then the case is tied to their current stay and room, at step 1, owned by and assigned to the clerk
    assert case.stay == in_house
    assert case.room.number == "2606"
    assert case.status == S.LISTENING
    assert case.owner == clerk and case.assignee == clerk
    assert case.reference.startswith(f"SHA-{sha.today().year}-")
    assert timeline(case) == [(K.LOGGED, "", S.LISTENING)]


def test_a_complaint_about_a_public_area_keeps_the_stay_but_not_the_room(sha, clerk, in_house):
    # Given an in-house guest complaining about the restaurant
    fnb = factories.make_department(sha, "fnb", categories=["Slow service"])
    # When the case is logged
    case = factories.log_case(sha, clerk, department=fnb, guest=in_house.guest, area=Area.RESTAURANT)
    # Then it knows the stay but is not filed against their room
    assert case.stay == in_house
    assert case.room is None


def test_a_guest_who_is_not_in_house_is_logged_without_a_stay(sha, clerk, dept, in_house):
    # Given the guest's stay has been checked out
    guest_services.stay_check_out(stay=in_house, actor=clerk)
    # When they complain afterwards (by phone, say)
    case = factories.log_case(sha, clerk, department=dept, guest=in_house.guest, channel="phone")
    # Then no stay and no room is guessed for them
    assert case.guest == in_house.guest
    assert case.stay is None and case.room is None


def test_a_walk_in_without_a_guest_profile_needs_a_name(sha, clerk, dept):
    # Given a complaint with neither a guest profile nor a name
    # When it is logged
    # Then it is refused with a message for the clerk, and nothing is saved
    with pytest.raises(ComplaintError, match="name of the person"):
        factories.log_case(sha, clerk, department=dept, complainant_name="   ")
    assert not Complaint.objects.exists()
    # and with a name it is logged
    case = factories.log_case(sha, clerk, department=dept, complainant_name=" Mr Zhou, table 12 ")
    assert case.complainant() == "Mr Zhou, table 12"


def test_what_the_guest_said_must_be_written_down(sha, clerk, dept):
    # Given a complaint with blank words
    # When it is logged
    # Then it is refused
    with pytest.raises(ComplaintError, match="own words"):
        factories.log_case(sha, clerk, department=dept, guest_words="  \n ")
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("foreign", ["department", "category", "room", "stay"])
def test_a_department_category_room_or_stay_of_another_hotel_is_refused(
    sha, hgh, clerk, dept, in_house, foreign
):
    # Given a department, category, room and stay that belong to the other hotel
    other_dept = factories.make_department(hgh, "housekeeping", categories=["Room not clean"])
    other_room = factories.make_room(hgh, "301")
    other_stay = guest_services.stay_create(
        prop=hgh,
        guest=factories.make_guest(),
        room=other_room,
        arrival=hgh.today(),
        departure=hgh.today() + DAY,
        actor=clerk,
    )
    overrides = {
        "department": {"department": other_dept, "category": other_dept.categories.get()},
        "category": {"department": dept, "category": other_dept.categories.get()},
        "room": {"department": dept, "room": other_room},
        "stay": {"department": dept, "stay": other_stay},
    }[foreign]
    # When a case at this hotel is logged with one of them
    # Then it is refused and nothing is saved
    with pytest.raises(ComplaintError, match="another"):
        factories.log_case(sha, clerk, **overrides)
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()


@pytest.mark.parametrize("field", ["occurred_at", "reported_at"])
def test_times_in_the_future_are_refused(sha, clerk, dept, field):
    # Given a time an hour from now
    later = timezone.now() + HOUR
    # When a case is logged as having happened (or been reported) then
    # Then it is refused
    with pytest.raises(ComplaintError, match="future"):
        factories.log_case(sha, clerk, department=dept, **{field: later})
    assert not Complaint.objects.exists()


def test_a_case_cannot_be_reported_before_it_happened(sha, clerk, dept):
    # Given a report time earlier than the time it happened
    now = timezone.now()
    # When the case is logged
    # Then it is refused
    with pytest.raises(ComplaintError, match="before it happened"):
        factories.log_case(sha, clerk, department=dept, occurred_at=now - HOUR, reported_at=now - 2 * HOUR)


def test_reference_numbers_run_per_property_and_local_year(sha, hgh, clerk):
    # Given cases logged at two hotels in 2026, and one just after midnight on New Year's Day in Shanghai
    in_2026 = dt.datetime(2026, 3, 14, 2, 30, tzinfo=dt.UTC)
    new_year = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)  # 00:30 on 1 January 2027 in Shanghai
    hgh_clerk = factories.front_desk_at(hgh)
    # When they are logged
    sha_refs = [factories.log_case(sha, clerk, now=in_2026).reference for _ in range(3)]
    hgh_ref = factories.log_case(hgh, hgh_clerk, now=in_2026).reference
    next_year = factories.log_case(sha, clerk, now=new_year).reference
    after = factories.log_case(sha, clerk, now=in_2026 + HOUR).reference
    # Then each hotel counts from 1 each (local) year, without gaps
    assert sha_refs == ["SHA-2026-00001", "SHA-2026-00002", "SHA-2026-00003"]
    assert hgh_ref == "HGH-2026-00001"
    assert next_year == "SHA-2027-00001"
    assert after == "SHA-2026-00004"


def test_reference_numbers_go_on_past_99999_in_a_year(sha, clerk):
    # Given a hotel whose cases this year reached 100,000 (text order puts "-100000" before "-99999")
    when = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
    for reference in ["SHA-2026-99999", "SHA-2026-100000"]:
        case = factories.log_case(sha, clerk, now=when)
        Complaint.objects.filter(pk=case.pk).update(reference=reference)
    # When the next case is logged
    case = factories.log_case(sha, clerk, now=when)
    # Then it gets the next number, not a duplicate of 100000
    assert case.reference == "SHA-2026-100001"


def test_the_same_submission_key_twice_returns_the_same_case(sha, clerk, dept, in_house):
    # Given a case logged with a submission key (the form's hidden token)
    first = factories.log_case(sha, clerk, department=dept, guest=in_house.guest, submission_key="k-123")
    # When the same form is submitted again (a double click)
    again = factories.log_case(sha, clerk, department=dept, guest=in_house.guest, submission_key="k-123")
    # Then the first case comes back, and there is one row with one "logged" event
    assert again.pk == first.pk
    assert Complaint.objects.count() == 1
    assert ComplaintEvent.objects.filter(kind=K.LOGGED).count() == 1
    # while another key is another case
    other = factories.log_case(sha, clerk, department=dept, guest=in_house.guest, submission_key="k-124")
    assert other.pk != first.pk


def test_logging_with_the_restatement_confirmed_goes_straight_to_apologising(sha, clerk, dept):
    # Given the clerk ticked "the guest confirmed my restatement" on the log form
    # When the case is logged
    case = factories.log_case(sha, clerk, department=dept, restated_confirmed=True)
    # Then it is at step 2, and the timeline shows both moves
    assert case.status == S.APOLOGISING and case.restated_confirmed
    assert timeline(case) == [(K.LOGGED, "", S.LISTENING), (K.RESTATED, S.LISTENING, S.APOLOGISING)]


def _written(case):
    """What logging wrote for a case: its row, timeline, reminders and webhook deliveries."""
    case.refresh_from_db()
    reminders = Reminder.objects.filter(complaint=case).order_by("kind", "recipient_id", "subject")
    deliveries = WebhookDelivery.objects.filter(payload__data__id=case.pk).order_by("pk")
    return {
        "case": (case.status, case.restated_confirmed, case.version, case.step_due_at, case.is_repeat),
        "timeline": [
            (e.kind, e.actor_id, e.from_status, e.to_status, e.note, e.data)
            for e in ComplaintEvent.objects.filter(complaint=case).order_by("at", "pk")
        ],
        "reminders": [(r.kind, r.subject, r.recipient_id, r.due_at, r.status) for r in reminders],
        "webhooks": [
            (d.event, {k: v for k, v in d.payload["data"].items() if k not in ("id", "reference")})
            for d in deliveries
        ],
    }


@pytest.mark.parametrize("sensitive", [False, True])
def test_confirming_the_restatement_while_logging_writes_what_confirming_it_afterwards_does(
    sha, clerk, dept, in_house, sensitive
):
    # Given managers and a director to escalate to, and a webhook subscriber to every case event
    factories.make_staff("grm1", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
    factories.make_staff("duty1", roles_at={sha: roles.DUTY_MANAGER})
    factories.make_staff("director", group_role=roles.GROUP_DIRECTOR)
    WebhookSubscription.objects.create(
        property=sha, url="https://example.com/hook", secret="s", events=list(WebhookEvent.values)
    )
    category = dept.categories.first()
    if sensitive:  # escalations then go only to those who may see the case (ADR 0009)
        Category.objects.filter(pk=category.pk).update(is_sensitive=True)
        category.refresh_from_db()
    now = timezone.now()
    same = {"department": dept, "category": category, "guest": in_house.guest, "now": now}
    # When one case is logged with the restatement confirmed on the form
    at_once = factories.log_case(sha, clerk, restated_confirmed=True, **same)
    # and another is logged, then its restatement confirmed on the case page
    in_two = factories.log_case(sha, clerk, **same)
    act(services.complaint_confirm_restatement, in_two, clerk, confirmed=True)
    # Then both wrote the same: the case, its timeline, its reminders and escalations, its webhooks
    written = _written(at_once)
    assert written == _written(in_two)
    assert written["case"][:3] == (S.APOLOGISING, True, 2)
    assert [kind for kind, *_ in written["webhooks"]] == [
        WebhookEvent.COMPLAINT_CREATED,
        WebhookEvent.COMPLAINT_STEP_CHANGED,
    ]
    assert written["webhooks"][0][1]["status"] == S.LISTENING and written["webhooks"][0][1]["version"] == 1
    # (the group director may not see a sensitive case, so its second escalation has no one to reach)
    expected = {"due", "escalation"} if sensitive else {"due", "escalation", "escalation_2"}
    assert {kind for kind, *_ in written["reminders"]} == expected


def test_a_click_that_loses_the_race_gets_the_case_of_the_click_that_won(sha, clerk, dept, monkeypatch):
    # Given the first click's case, committed just after the second click looked for it
    first = factories.log_case(sha, clerk, department=dept, submission_key="k-race")
    real = intake._lock_and_read
    monkeypatch.setattr(intake, "_lock_and_read", lambda *args: (real(*args)[0], None))
    # When the second click inserts its case and meets the unique submission key
    again = factories.log_case(sha, clerk, department=dept, submission_key="k-race", restated_confirmed=True)
    # Then it answers with the first case, and nothing of its own attempt is left
    assert again.pk == first.pk
    assert Complaint.objects.count() == 1
    assert ComplaintEvent.objects.count() == 1
    assert not Reminder.objects.exclude(complaint=first).exists()
    # and without a submission key, such an error is not swallowed
    monkeypatch.setattr(Complaint, "save", _raise_integrity_error)
    with pytest.raises(IntegrityError):
        factories.log_case(sha, clerk, department=dept)


def _raise_integrity_error(*args, **kwargs):
    raise IntegrityError("simulated")


@pytest.mark.django_db(transaction=True)
def test_the_race_is_answered_outside_any_transaction_too(sha, clerk, dept, monkeypatch):
    # Given logging is the outermost transaction (a web request: there is no savepoint to fall back to)
    first = factories.log_case(sha, clerk, department=dept, submission_key="k-race")
    real = intake._lock_and_read
    monkeypatch.setattr(intake, "_lock_and_read", lambda *args: (real(*args)[0], None))
    # When the losing click's insert fails on the unique key
    again = factories.log_case(sha, clerk, department=dept, submission_key="k-race")
    # Then its transaction was rolled back as a whole, and the winner's case is read afterwards
    assert again.pk == first.pk
    assert Complaint.objects.count() == 1 and ComplaintEvent.objects.count() == 1


def test_an_unconfirmed_restatement_keeps_the_case_at_listening(sha, clerk, dept):
    # Given a case being listened to
    case = factories.log_case(sha, clerk, department=dept)
    # When the clerk tries to move on without the guest confirming the restatement
    # Then it is refused and the case stays where it was
    with pytest.raises(ComplaintError, match="restate"):
        act(services.complaint_confirm_restatement, case, clerk, confirmed=False)
    case.refresh_from_db()
    assert case.status == S.LISTENING and not case.restated_confirmed
    assert case.version == 1


def test_the_nth_case_about_the_same_room_and_fault_within_m_days_is_flagged(sha, clerk, leak):
    # Given two cases about the leak in room 2215 in the last 30 days
    same = {"department": leak["department"], "category": leak["plumbing"], "room": leak["room"]}
    first = log_days_ago(sha, clerk, 20, **same)
    second = log_days_ago(sha, clerk, 5, **same)
    # When a third is logged
    third = factories.log_case(sha, clerk, **same)
    # Then the third is a repeat, saying why, with an event on its timeline; the first two were not
    assert not first.is_repeat and not second.is_repeat
    assert third.is_repeat
    assert (
        "3 cases" in third.repeat_reason
        and "2215" in third.repeat_reason
        and "30 days" in third.repeat_reason
    )
    assert timeline(third) == [(K.LOGGED, "", S.LISTENING), (K.REPEAT_FLAGGED, "", "")]
    assert third.events.get(kind=K.REPEAT_FLAGGED).text == third.repeat_reason


@pytest.mark.parametrize("threshold", [2, 4])
def test_the_rule_is_n_minus_one_earlier_cases(sha, clerk, leak, threshold):
    # Given the hotel's rule is N cases in 30 days, and N-2 earlier cases about the same fault
    PreventionRule.objects.filter(property=sha).update(threshold=threshold)
    same = {"department": leak["department"], "category": leak["plumbing"], "room": leak["room"]}
    for days in range(threshold - 2):
        log_days_ago(sha, clerk, days + 1, **same)
    # When case N-1 is logged, then case N
    almost = factories.log_case(sha, clerk, **same)
    nth = factories.log_case(sha, clerk, **same)
    # Then only case N is a repeat
    assert not almost.is_repeat
    assert nth.is_repeat and f"{threshold} cases" in nth.repeat_reason


def test_without_a_rule_the_default_is_three_in_thirty_days(sha, clerk):
    # Given a hotel that never set its own rule, and two earlier cases about the same room and fault
    dept = factories.make_department(sha, "engineering", categories=["Lighting"])
    room = factories.make_room(sha, "1101")
    log_days_ago(sha, clerk, 29, department=dept, room=room)
    log_days_ago(sha, clerk, 1, department=dept, room=room)
    # When a third is logged
    case = factories.log_case(sha, clerk, department=dept, room=room)
    # Then it is a repeat
    assert case.is_repeat and "30 days" in case.repeat_reason


@pytest.mark.parametrize("different", ["outside_window", "category", "room"])
def test_cases_outside_the_window_or_about_another_fault_or_room_do_not_count(sha, clerk, leak, different):
    # Given two earlier cases, one of which is too old, or about another fault, or about another room
    same = {"department": leak["department"], "category": leak["plumbing"], "room": leak["room"]}
    log_days_ago(sha, clerk, 5, **same)
    if different == "outside_window":
        log_days_ago(sha, clerk, 31, **same)
    elif different == "category":
        log_days_ago(sha, clerk, 3, **{**same, "category": leak["lighting"]})
    else:
        log_days_ago(sha, clerk, 3, **{**same, "room": factories.make_room(sha, "2216")})
    # When a case about the leak in 2215 is logged
    case = factories.log_case(sha, clerk, **same)
    # Then it is not a repeat and no repeat event is written
    assert not case.is_repeat and case.repeat_reason == ""
    assert not case.events.filter(kind=K.REPEAT_FLAGGED).exists()


def test_the_same_fault_in_the_same_public_area_counts_too(sha, clerk):
    # Given two recent complaints about slow service in the restaurant, from people not staying here
    PreventionRule.objects.create(property=sha, threshold=3, window_days=30)
    fnb = factories.make_department(sha, "fnb", categories=["Slow service"])
    restaurant = {"department": fnb, "area": Area.RESTAURANT}
    log_days_ago(sha, clerk, 10, **restaurant, complainant_name="Mr Zhou")
    log_days_ago(sha, clerk, 2, **restaurant, complainant_name="Ms Li")
    # When the same fault is reported at the bar, and then in the restaurant again
    bar = factories.log_case(sha, clerk, department=fnb, area=Area.BAR)
    third = factories.log_case(sha, clerk, **restaurant)
    # Then the bar case stands alone, while the third restaurant case is a repeat naming the place
    assert not bar.is_repeat
    assert third.is_repeat and "Restaurant" in third.repeat_reason
    assert third.room is None


def test_withdrawn_cases_do_not_make_a_repeat(sha, clerk, dept):
    room = factories.make_room(sha, "2215")
    for _ in range(2):
        earlier = log_days_ago(sha, clerk, 2, area="room", room=room)
        act(services.complaint_withdraw, earlier, clerk, reason="Logged by mistake")
    assert not factories.log_case(sha, clerk, area="room", room=room).is_repeat


def test_a_stay_of_another_guest_is_refused(sha, clerk, dept, in_house):
    stranger = factories.make_guest("李", "四")
    with pytest.raises(services.ComplaintError, match="another guest"):
        factories.log_case(sha, clerk, stay=in_house, guest=stranger)


def test_occurred_defaults_to_when_it_was_reported(sha, clerk, dept):
    reported = timezone.now() - dt.timedelta(hours=3)
    case = factories.log_case(sha, clerk, reported_at=reported)
    assert case.occurred_at == reported
