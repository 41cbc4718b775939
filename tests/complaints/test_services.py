"""Writes to complaint cases (complaints.services), on the real database."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import (
    Area,
    Complaint,
    ComplaintEvent,
    EventKind,
    FollowUpAction,
    Offer,
    OfferStatus,
    PreventionRule,
)
from complaints.services import ComplaintError, StaleComplaint
from complaints.workflow import Status, Verdict
from guests import services as guest_services
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db

S = Status
K = EventKind
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


# --- fixtures and helpers -------------------------------------------------------------


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


def act(service, case, actor, **kwargs):
    """Call a service the way the case page does: with the version the clerk loaded."""
    case.refresh_from_db()
    return service(complaint=case, actor=actor, expected_version=case.version, **kwargs)


def offer(case, actor, description="Fruit basket", value="0"):
    return act(
        services.offer_make,
        case,
        actor,
        remedy_type="amenity",
        description=description,
        value=Decimal(value),
    )


def answer(case, actor, the_offer, *, accepted, response=""):
    return act(
        services.offer_answer, case, actor, offer_id=the_offer.pk, accepted=accepted, response=response
    )


def walk(case, actor, to: Status) -> Complaint:
    """Take a case along the happy path until it reaches `to`."""
    case.refresh_from_db()
    while case.status != to:
        if case.status == S.LISTENING:
            act(services.complaint_confirm_restatement, case, actor, confirmed=True)
        elif case.status == S.APOLOGISING:
            act(services.complaint_apologise, case, actor, method="in_person")
        elif case.status == S.RESOLVING:
            answer(case, actor, offer(case, actor), accepted=True)
        elif case.status == S.FOLLOWING_UP:
            act(services.complaint_request_verification, case, actor)
        elif case.status == S.VERIFYING:
            act(services.complaint_verify, case, actor, verdict=Verdict.VERY_SATISFIED)
        else:
            raise AssertionError(f"cannot walk from {case.status} to {to}")
        case.refresh_from_db()
    return case


def timeline(case) -> list[tuple[str, str, str]]:
    return list(case.events.order_by("at", "pk").values_list("kind", "from_status", "to_status"))


def status_events(case) -> list[tuple[str, str, str]]:
    return [e for e in timeline(case) if e[2]]


def log_days_ago(prop, actor, days: float, **overrides) -> Complaint:
    reported = timezone.now() - dt.timedelta(days=days)
    return factories.log_case(prop, actor, occurred_at=reported - HOUR, reported_at=reported, **overrides)


# --- Step 1: logging ------------------------------------------------------------------


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


# --- The cycle ------------------------------------------------------------------------


def test_the_happy_path_writes_an_event_for_every_step(sha, clerk, grm, dept, in_house):
    # Given a case logged for an in-house guest
    case = factories.log_case(sha, clerk, department=dept, guest=in_house.guest)
    # When it goes through listen → apologise → resolve → follow up → verify
    act(services.complaint_confirm_restatement, case, clerk, confirmed=True, note="Dust under the bed.")
    act(services.complaint_apologise, case, clerk, method="in_person", apologised_by=grm)
    the_offer = offer(case, clerk, "Room cleaned again and a fruit basket", "120")
    answer(case, clerk, the_offer, accepted=True, response="Fine, thank you.")
    action = act(
        services.action_add,
        case,
        clerk,
        description="Housekeeping supervisor to inspect the room",
        department=dept,
        due_at=timezone.now() + 2 * HOUR,
    )
    act(services.action_complete, case, clerk, action_id=action.pk, note="Inspected, spotless.")
    act(services.complaint_request_verification, case, clerk)
    act(services.complaint_verify, case, grm, verdict=Verdict.VERY_SATISFIED, note="Delighted.")
    # Then the case is closed and the guest recovered
    case.refresh_from_db()
    assert case.status == S.CLOSED and case.closed_at is not None
    assert case.recovered()
    assert case.apologised_by == grm and case.apologised_via == "in_person"
    assert case.verdict == Verdict.VERY_SATISFIED and case.verified_at is not None
    # and every step is on the timeline, in order, with the step it left and the step it reached
    assert timeline(case) == [
        (K.LOGGED, "", S.LISTENING),
        (K.RESTATED, S.LISTENING, S.APOLOGISING),
        (K.APOLOGISED, S.APOLOGISING, S.RESOLVING),
        (K.OFFERED, "", ""),
        (K.OFFER_ACCEPTED, S.RESOLVING, S.FOLLOWING_UP),
        (K.ACTION_ADDED, "", ""),
        (K.ACTION_DONE, "", ""),
        (K.VERIFICATION_REQUESTED, S.FOLLOWING_UP, S.VERIFYING),
        (K.VERIFIED, S.VERIFYING, S.CLOSED),
    ]
    # and every change bumped the version once
    assert case.version == 1 + 8
    the_offer.refresh_from_db()
    assert the_offer.status == OfferStatus.ACCEPTED and the_offer.value == Decimal("120")
    assert the_offer.currency == sha.currency and the_offer.guest_response == "Fine, thank you."


def test_a_step_out_of_order_is_refused_as_a_clerk_readable_error(sha, clerk, dept):
    # Given a case still being listened to
    case = factories.log_case(sha, clerk, department=dept)
    # When someone tries to record the verdict or the apology already
    # Then each is refused with a ComplaintError and nothing changes
    with pytest.raises(ComplaintError, match="not possible"):
        act(services.complaint_verify, case, clerk, verdict=Verdict.VERY_SATISFIED)
    with pytest.raises(ComplaintError, match="not possible"):
        act(services.complaint_apologise, case, clerk, method="phone")
    case.refresh_from_db()
    assert case.status == S.LISTENING and case.verdict == ""
    assert timeline(case) == [(K.LOGGED, "", S.LISTENING)]


def test_declined_offers_keep_the_case_resolving_until_one_is_accepted(sha, clerk, dept):
    # Given a case at step 3
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.RESOLVING)
    # When the first offer is declined
    first = offer(case, clerk, "Breakfast on the house", "180")
    answer(case, clerk, first, accepted=False, response="Not enough.")
    # Then the case is still resolving and the decline is recorded with what the guest said
    case.refresh_from_db()
    assert case.status == S.RESOLVING
    first.refresh_from_db()
    assert first.status == OfferStatus.DECLINED and first.guest_response == "Not enough."
    # When a second offer is made, and a third is tried before the guest answered the second
    second = offer(case, clerk, "Upgrade to a suite", "600")
    with pytest.raises(ComplaintError, match="not answered"):
        offer(case, clerk, "Something else")
    # Then only the second is waiting; and when it is accepted the case moves on to following up
    assert list(case.offers.filter(status=OfferStatus.PROPOSED)) == [second]
    answer(case, clerk, second, accepted=True)
    case.refresh_from_db()
    assert case.status == S.FOLLOWING_UP
    assert [k for k, _, _ in timeline(case)][-4:] == [
        K.OFFERED,
        K.OFFER_DECLINED,
        K.OFFERED,
        K.OFFER_ACCEPTED,
    ]
    assert list(case.offers.values_list("status", flat=True)) == [OfferStatus.DECLINED, OfferStatus.ACCEPTED]


def test_an_offer_cannot_be_answered_twice_nor_on_another_case(sha, clerk, dept):
    # Given two cases at step 3, one with a declined offer and one with an open offer
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.RESOLVING)
    other = walk(factories.log_case(sha, clerk, department=dept), clerk, S.RESOLVING)
    declined = offer(case, clerk)
    answer(case, clerk, declined, accepted=False)
    offer(case, clerk, "Second try")
    elsewhere = offer(other, clerk, "For the other case")
    # When the declined offer is accepted after all, or the other case's offer is answered on this case
    # Then both are refused
    with pytest.raises(ComplaintError, match="already answered"):
        answer(case, clerk, declined, accepted=True)
    with pytest.raises(ComplaintError, match="already answered"):
        answer(case, clerk, elsewhere, accepted=True)
    elsewhere.refresh_from_db()
    assert elsewhere.status == OfferStatus.PROPOSED


@pytest.mark.parametrize(("remedy", "description", "value"), [("bribe", "x", "1"), ("amenity", "  ", "1")])
def test_an_offer_needs_a_known_remedy_and_a_description(sha, clerk, dept, remedy, description, value):
    # Given a case at step 3
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.RESOLVING)
    # When an offer without a known remedy or without a description is made
    # Then it is refused and nothing is recorded
    with pytest.raises(ComplaintError):
        act(
            services.offer_make,
            case,
            clerk,
            remedy_type=remedy,
            description=description,
            value=Decimal(value),
        )
    assert not Offer.objects.exists()


def test_follow_up_actions_block_verification_until_done(sha, clerk, dept):
    # Given a case whose remedy was accepted, with two things that must happen
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.FOLLOWING_UP)
    due = timezone.now() + 4 * HOUR
    fix = act(services.action_add, case, clerk, description="Replace the fan motor", due_at=due)
    check = act(services.action_add, case, clerk, description="Check the room is quiet", due_at=due)
    # When the clerk asks to verify with the guest
    # Then it is refused, saying how many are open
    with pytest.raises(ComplaintError, match="2 follow-up action"):
        act(services.complaint_request_verification, case, clerk)
    # and after one is done, still refused
    act(services.action_complete, case, clerk, action_id=fix.pk, note="Replaced.")
    with pytest.raises(ComplaintError, match="1 follow-up action"):
        act(services.complaint_request_verification, case, clerk)
    # and the done one cannot be done twice
    with pytest.raises(ComplaintError, match="already done"):
        act(services.action_complete, case, clerk, action_id=fix.pk)
    # When the last one is done
    act(services.action_complete, case, clerk, action_id=check.pk)
    act(services.complaint_request_verification, case, clerk)
    # Then the case is at verifying, and who did what is recorded
    case.refresh_from_db()
    assert case.status == S.VERIFYING
    fix.refresh_from_db()
    assert fix.done_by == clerk and fix.done_note == "Replaced." and fix.done_at is not None
    # and with nothing open there is nothing to complete
    assert not FollowUpAction.objects.filter(complaint=case, done_at__isnull=True).exists()


def test_a_follow_up_action_due_in_the_past_or_for_another_hotel_is_refused(sha, hgh, clerk, dept):
    # Given a case at step 4
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.FOLLOWING_UP)
    elsewhere = factories.make_department(hgh, "engineering", categories=[])
    # When an action is added that was due yesterday, or routed to another hotel's department
    # Then both are refused
    with pytest.raises(ComplaintError, match="past"):
        act(services.action_add, case, clerk, description="Fix it", due_at=timezone.now() - DAY)
    with pytest.raises(ComplaintError, match="another hotel"):
        act(
            services.action_add,
            case,
            clerk,
            description="Fix it",
            due_at=timezone.now() + HOUR,
            department=elsewhere,
        )
    assert not FollowUpAction.objects.exists()


def test_dissatisfied_sends_the_case_back_and_a_second_round_can_recover_the_guest(sha, clerk, grm, dept):
    # Given a case at verifying
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.VERIFYING)
    # When the guest says they are still dissatisfied
    act(services.complaint_verify, case, clerk, verdict=Verdict.DISSATISFIED, note="Still dirty.")
    # Then the case is back at resolving, not closed
    case.refresh_from_db()
    assert case.status == S.RESOLVING and case.closed_at is None
    assert case.verdict == Verdict.DISSATISFIED and not case.recovered()
    # When a second offer is accepted, followed up and verified
    answer(case, clerk, offer(case, clerk, "Move to a new room", "0"), accepted=True)
    act(services.complaint_request_verification, case, clerk)
    act(services.complaint_verify, case, grm, verdict=Verdict.VERY_SATISFIED)
    # Then the guest is recovered and the timeline shows both rounds, each step following the last
    case.refresh_from_db()
    assert case.status == S.CLOSED and case.recovered()
    moves = status_events(case)
    assert [(f, t) for _, f, t in moves] == [
        ("", S.LISTENING),
        (S.LISTENING, S.APOLOGISING),
        (S.APOLOGISING, S.RESOLVING),
        (S.RESOLVING, S.FOLLOWING_UP),
        (S.FOLLOWING_UP, S.VERIFYING),
        (S.VERIFYING, S.RESOLVING),
        (S.RESOLVING, S.FOLLOWING_UP),
        (S.FOLLOWING_UP, S.VERIFYING),
        (S.VERIFYING, S.CLOSED),
    ]
    verdicts = list(case.events.filter(kind=K.VERIFIED).values_list("data__verdict", flat=True))
    assert verdicts == [Verdict.DISSATISFIED, Verdict.VERY_SATISFIED]


def test_ok_closes_the_case_but_is_not_a_recovery(sha, clerk, dept):
    # Given a case at verifying
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.VERIFYING)
    # When the guest says it is OK
    act(services.complaint_verify, case, clerk, verdict=Verdict.SATISFIED, note="It's fine.")
    # Then the case is closed, but the guest does not count as recovered
    case.refresh_from_db()
    assert case.status == S.CLOSED and case.closed_at is not None
    assert case.verdict == Verdict.SATISFIED
    assert not case.recovered()


def test_an_unknown_verdict_is_refused(sha, clerk, dept):
    # Given a case at verifying
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.VERIFYING)
    # When a verdict that is not one of the three is recorded
    # Then it is refused and the case is still waiting for the verdict
    with pytest.raises(ComplaintError):
        act(services.complaint_verify, case, clerk, verdict="meh")
    case.refresh_from_db()
    assert case.status == S.VERIFYING and case.verdict == ""


def test_withdrawing_needs_a_reason(sha, clerk, dept):
    # Given an open case
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.RESOLVING)
    # When it is withdrawn without a reason
    # Then it is refused and the case is still open
    with pytest.raises(ComplaintError, match="why"):
        act(services.complaint_withdraw, case, clerk, reason="   ")
    case.refresh_from_db()
    assert case.status == S.RESOLVING
    # When it is withdrawn with a reason
    act(services.complaint_withdraw, case, clerk, reason="The guest found the bag in the car.")
    # Then it is withdrawn, the reason is kept, and it cannot be withdrawn again
    case.refresh_from_db()
    assert case.status == S.WITHDRAWN and case.withdrawn_reason == "The guest found the bag in the car."
    with pytest.raises(ComplaintError, match="not possible"):
        act(services.complaint_withdraw, case, clerk, reason="Again")


@pytest.mark.parametrize("ended", [S.CLOSED, S.WITHDRAWN])
def test_reopening_an_ended_case_goes_back_to_resolving(sha, clerk, grm, dept, ended):
    # Given a closed (or withdrawn) case
    case = factories.log_case(sha, clerk, department=dept)
    if ended == S.CLOSED:
        walk(case, clerk, S.CLOSED)
    else:
        act(services.complaint_withdraw, case, clerk, reason="Guest changed their mind.")
    # When a manager reopens it without a reason, then with one
    with pytest.raises(ComplaintError, match="why"):
        act(services.complaint_reopen, case, grm, reason="")
    act(services.complaint_reopen, case, grm, reason="The guest called back: it happened again.")
    # Then it is back at resolving, no longer closed, and the timeline says who reopened it and why
    case.refresh_from_db()
    assert case.status == S.RESOLVING and case.closed_at is None
    last = case.events.order_by("at", "pk").last()
    assert (last.kind, last.from_status, last.to_status) == (K.REOPENED, ended, S.RESOLVING)
    assert last.actor == grm and "happened again" in last.note


def test_an_open_case_cannot_be_reopened(sha, grm, dept):
    # Given an open case
    case = factories.log_case(sha, grm, department=dept)
    # When it is reopened
    # Then it is refused
    with pytest.raises(ComplaintError, match="not possible"):
        act(services.complaint_reopen, case, grm, reason="Why not")


def test_a_delight_gesture_comes_after_resolving_has_started(sha, clerk, dept):
    # Given a case still being listened to, and one that was closed
    early = factories.log_case(sha, clerk, department=dept)
    done = walk(factories.log_case(sha, clerk, department=dept), clerk, S.CLOSED)
    # When a delight gesture is recorded on each
    # Then it is refused on the first and recorded on the closed one
    with pytest.raises(ComplaintError, match="after"):
        services.complaint_record_delight(complaint=early, actor=clerk, note="Fruit basket")
    services.complaint_record_delight(complaint=done, actor=clerk, note="Handwritten card")
    assert done.events.filter(kind=K.DELIGHT, note="Handwritten card").exists()


# --- Repeats and prevention -----------------------------------------------------------


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
    assert third.events.get(kind=K.REPEAT_FLAGGED).note == third.repeat_reason


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


def _repeat_case_at_verifying(sha, clerk, leak) -> Complaint:
    same = {"department": leak["department"], "category": leak["plumbing"], "room": leak["room"]}
    log_days_ago(sha, clerk, 9, **same)
    log_days_ago(sha, clerk, 8, **same)
    case = factories.log_case(sha, clerk, **same)
    assert case.is_repeat
    return walk(case, clerk, S.VERIFYING)


@pytest.mark.parametrize("verdict", [Verdict.VERY_SATISFIED, Verdict.SATISFIED])
def test_a_repeat_cannot_close_without_root_cause_and_preventive_action(sha, clerk, grm, leak, verdict):
    # Given a repeat case at verifying
    case = _repeat_case_at_verifying(sha, clerk, leak)
    # When the guest is satisfied but no diagnosis is given, or only half of it
    # Then closing is refused and nothing is recorded
    with pytest.raises(ComplaintError, match="root cause"):
        act(services.complaint_verify, case, grm, verdict=verdict)
    with pytest.raises(ComplaintError, match="root cause"):
        act(services.complaint_verify, case, grm, verdict=verdict, root_cause="Worn shower seal")
    case.refresh_from_db()
    assert case.status == S.VERIFYING and case.verdict == ""
    assert not case.events.filter(kind__in=[K.VERIFIED, K.DIAGNOSED]).exists()
    # When the root cause and the preventive action are given
    act(
        services.complaint_verify,
        case,
        grm,
        verdict=verdict,
        root_cause="Worn shower seal",
        preventive_action="Replace seals on the 22nd floor; check them monthly.",
    )
    # Then the case closes with the diagnosis kept, and a DIAGNOSED event follows the verdict
    case.refresh_from_db()
    assert case.status == S.CLOSED
    assert case.root_cause == "Worn shower seal"
    assert case.preventive_action == "Replace seals on the 22nd floor; check them monthly."
    assert timeline(case)[-2:] == [(K.VERIFIED, S.VERIFYING, S.CLOSED), (K.DIAGNOSED, "", "")]
    diagnosis = case.events.get(kind=K.DIAGNOSED)
    assert "Worn shower seal" in diagnosis.note and "monthly" in diagnosis.note and diagnosis.actor == grm


def test_a_dissatisfied_repeat_goes_back_to_resolving_without_a_diagnosis_yet(sha, clerk, leak):
    # Given a repeat case at verifying
    case = _repeat_case_at_verifying(sha, clerk, leak)
    # When the guest is still dissatisfied
    act(services.complaint_verify, case, clerk, verdict=Verdict.DISSATISFIED)
    # Then it goes back to resolving; the diagnosis is asked for only when it closes
    case.refresh_from_db()
    assert case.status == S.RESOLVING
    assert not case.events.filter(kind=K.DIAGNOSED).exists()


# --- Concurrency ----------------------------------------------------------------------


@pytest.fixture
def alice(sha):
    return factories.make_staff(
        "alice", first_name="Alice", last_name="Wong", roles_at={sha: roles.FRONT_DESK}
    )


@pytest.fixture
def bob(sha):
    return factories.make_staff("bob", first_name="Bob", last_name="Chen", roles_at={sha: roles.FRONT_DESK})


def test_two_staff_change_the_same_version_the_first_wins_and_the_second_is_told_who(sha, alice, bob, dept):
    # Given a case at apologising, loaded by Alice and by Bob at the same version
    case = factories.log_case(sha, alice, department=dept, restated_confirmed=True)
    alices_page, bobs_page = Complaint.objects.get(pk=case.pk), Complaint.objects.get(pk=case.pk)
    version = alices_page.version
    # When Alice records the apology, and then Bob, from his stale page, withdraws the case
    services.complaint_apologise(complaint=alices_page, actor=alice, expected_version=version, method="phone")
    with pytest.raises(StaleComplaint) as stale:
        services.complaint_withdraw(
            complaint=bobs_page, actor=bob, expected_version=version, reason="Guest left"
        )
    # Then Bob is told that Alice changed it, and nothing of his was saved
    assert "Alice Wong" in str(stale.value)
    assert "Reload" in str(stale.value)
    case.refresh_from_db()
    assert case.status == S.RESOLVING
    assert case.apologised_by == alice and case.apologised_via == "phone"
    assert case.withdrawn_reason == ""
    assert case.version == version + 1
    assert not case.events.filter(kind=K.WITHDRAWN).exists()


def test_the_same_step_from_two_stale_pages_is_recorded_once(sha, alice, bob, dept):
    # Given a case at resolving with an open offer, loaded by Alice and by Bob
    case = walk(factories.log_case(sha, alice, department=dept), alice, S.RESOLVING)
    the_offer = offer(case, alice)
    pages = Complaint.objects.get(pk=case.pk), Complaint.objects.get(pk=case.pk)
    version = pages[0].version
    # When both record that the guest accepted it
    services.offer_answer(
        complaint=pages[0], offer_id=the_offer.pk, actor=alice, expected_version=version, accepted=True
    )
    with pytest.raises(StaleComplaint):
        services.offer_answer(
            complaint=pages[1], offer_id=the_offer.pk, actor=bob, expected_version=version, accepted=False
        )
    # Then the first answer stands, once
    the_offer.refresh_from_db()
    assert the_offer.status == OfferStatus.ACCEPTED
    assert case.events.filter(kind__in=[K.OFFER_ACCEPTED, K.OFFER_DECLINED]).count() == 1


def test_a_note_added_in_between_does_not_hide_who_changed_the_case(sha, alice, bob, grm, dept):
    # Given Alice and Bob load the same version; Alice records the apology; then a manager adds a note
    case = factories.log_case(sha, alice, department=dept, restated_confirmed=True)
    version = case.version
    services.complaint_apologise(
        complaint=Complaint.objects.get(pk=case.pk), actor=alice, expected_version=version, method="phone"
    )
    services.complaint_add_note(complaint=case, actor=grm, note="Guest is a long-standing member.")
    # When Bob acts on his stale page
    with pytest.raises(StaleComplaint) as stale:
        services.complaint_withdraw(complaint=case, actor=bob, expected_version=version, reason="Guest left")
    # Then he is told Alice changed the case (a note changes nothing he would lose)
    assert "Alice Wong" in str(stale.value)


def test_a_note_never_conflicts(sha, alice, bob, dept):
    # Given a case Bob loaded before Alice changed it
    case = factories.log_case(sha, alice, department=dept, restated_confirmed=True)
    bobs_page = Complaint.objects.get(pk=case.pk)
    act(services.complaint_apologise, case, alice, method="phone")
    # When Bob adds a note from his stale page
    services.complaint_add_note(
        complaint=bobs_page, actor=bob, note="Guest prefers to be called in the evening."
    )
    # Then it is on the timeline and the case's version did not move
    case.refresh_from_db()
    assert case.events.filter(kind=K.NOTE, actor=bob).exists()
    assert case.version == 3


# --- Assignment -----------------------------------------------------------------------


def test_a_case_can_be_handed_to_a_colleague_at_this_hotel(sha, clerk, grm, dept):
    # Given a case assigned to the clerk who logged it
    case = factories.log_case(sha, clerk, department=dept)
    # When it is handed to the guest relations manager
    act(services.complaint_assign, case, clerk, assignee=grm)
    # Then the manager has it, the owner is unchanged, and the hand-over is on the timeline
    case.refresh_from_db()
    assert case.assignee == grm and case.owner == clerk
    event = case.events.get(kind=K.REASSIGNED)
    assert event.data == {"from": clerk.pk, "to": grm.pk} and event.to_status == ""


@pytest.mark.parametrize("who", ["other_hotel", "no_role", "deactivated"])
def test_assigning_to_someone_without_a_role_at_this_hotel_is_refused(sha, hgh, clerk, dept, who):
    # Given a colleague at the other hotel, a user with no role anywhere, and a deactivated clerk here
    person = {
        "other_hotel": lambda: factories.front_desk_at(hgh),
        "no_role": lambda: factories.make_staff(),
        "deactivated": lambda: factories.front_desk_at(sha, is_active=False),
    }[who]()
    case = factories.log_case(sha, clerk, department=dept)
    # When the case is assigned to them
    # Then it is refused and stays with the clerk
    with pytest.raises(ComplaintError, match="does not work at this hotel"):
        act(services.complaint_assign, case, clerk, assignee=person)
    case.refresh_from_db()
    assert case.assignee == clerk and case.version == 1
    assert not case.events.filter(kind=K.REASSIGNED).exists()


# --- Every status change writes exactly one event -------------------------------------


def _with_open_offer(case, actor):
    offer(case, actor)


def _accept_open_offer(case, actor):
    answer(case, actor, case.offers.get(status=OfferStatus.PROPOSED), accepted=True)


STATUS_CHANGES = {
    "confirm_restatement": (
        S.LISTENING,
        None,
        lambda c, a: act(services.complaint_confirm_restatement, c, a, confirmed=True),
        S.APOLOGISING,
    ),
    "apologise": (
        S.APOLOGISING,
        None,
        lambda c, a: act(services.complaint_apologise, c, a, method="letter"),
        S.RESOLVING,
    ),
    "accept_offer": (S.RESOLVING, _with_open_offer, _accept_open_offer, S.FOLLOWING_UP),
    "request_verification": (
        S.FOLLOWING_UP,
        None,
        lambda c, a: act(services.complaint_request_verification, c, a),
        S.VERIFYING,
    ),
    "verify_very_satisfied": (
        S.VERIFYING,
        None,
        lambda c, a: act(services.complaint_verify, c, a, verdict=Verdict.VERY_SATISFIED),
        S.CLOSED,
    ),
    "verify_ok": (
        S.VERIFYING,
        None,
        lambda c, a: act(services.complaint_verify, c, a, verdict=Verdict.SATISFIED),
        S.CLOSED,
    ),
    "verify_dissatisfied": (
        S.VERIFYING,
        None,
        lambda c, a: act(services.complaint_verify, c, a, verdict=Verdict.DISSATISFIED),
        S.RESOLVING,
    ),
    **{
        f"withdraw_from_{start.value}": (
            start,
            None,
            lambda c, a: act(services.complaint_withdraw, c, a, reason="Duplicate of another case"),
            S.WITHDRAWN,
        )
        for start in (S.LISTENING, S.APOLOGISING, S.RESOLVING, S.FOLLOWING_UP, S.VERIFYING)
    },
    "reopen_closed": (
        S.CLOSED,
        None,
        lambda c, a: act(services.complaint_reopen, c, a, reason="Happened again"),
        S.RESOLVING,
    ),
}


@pytest.mark.parametrize("change", list(STATUS_CHANGES))
def test_every_status_change_writes_exactly_one_event_with_matching_from_and_to(sha, grm, dept, change):
    # Given a case at the step this change starts from
    start, setup, perform, target = STATUS_CHANGES[change]
    case = walk(factories.log_case(sha, grm, department=dept), grm, start)
    if setup:
        setup(case, grm)
    before = set(case.events.values_list("pk", flat=True))
    # When the change is made
    perform(case, grm)
    # Then the case is at the target step and exactly one new event records the move, by this actor
    case.refresh_from_db()
    assert case.status == target
    new = list(case.events.exclude(pk__in=before))
    moves = [e for e in new if e.from_status or e.to_status]
    assert [(e.from_status, e.to_status) for e in moves] == [(start, target)]
    assert moves[0].actor == grm
    assert len(new) == 1


NO_STATUS_CHANGE = {
    "make_offer": (S.RESOLVING, lambda c, a: offer(c, a), [K.OFFERED]),
    "decline_offer": (
        S.RESOLVING,
        lambda c, a: answer(c, a, offer(c, a), accepted=False),
        [K.OFFERED, K.OFFER_DECLINED],
    ),
    "add_and_complete_action": (
        S.FOLLOWING_UP,
        lambda c, a: act(
            services.action_complete,
            c,
            a,
            action_id=act(services.action_add, c, a, description="Fix", due_at=timezone.now() + HOUR).pk,
        ),
        [K.ACTION_ADDED, K.ACTION_DONE],
    ),
    "assign": (
        S.VERIFYING,
        lambda c, a: act(services.complaint_assign, c, a, assignee=factories.front_desk_at(c.property)),
        [K.REASSIGNED],
    ),
    "note": (
        S.APOLOGISING,
        lambda c, a: services.complaint_add_note(complaint=c, actor=a, note="Called."),
        [K.NOTE],
    ),
    "delight": (
        S.CLOSED,
        lambda c, a: services.complaint_record_delight(complaint=c, actor=a, note="Fruit basket"),
        [K.DELIGHT],
    ),
}


@pytest.mark.parametrize("change", list(NO_STATUS_CHANGE))
def test_changes_within_a_step_write_their_event_but_no_move(sha, grm, dept, change):
    # Given a case at a step
    start, perform, kinds = NO_STATUS_CHANGE[change]
    case = walk(factories.log_case(sha, grm, department=dept), grm, start)
    before = timeline(case)
    # When something is done within the step
    perform(case, grm)
    # Then its events are on the timeline, without a from/to, and the case has not moved
    case.refresh_from_db()
    assert case.status == start
    assert timeline(case) == [*before, *[(kind, "", "") for kind in kinds]]


# --- Edge cases found in review ----------------------------------------------------------


def test_a_reopened_case_no_longer_counts_as_recovered(sha, clerk, grm, dept):
    case = walk(factories.log_case(sha, clerk), clerk, S.CLOSED)
    assert case.recovered()
    act(services.complaint_reopen, case, grm, reason="Guest wrote again: the noise is back")
    case.refresh_from_db()
    assert (case.status, case.verdict, case.recovered()) == (S.RESOLVING, "", False)
    assert "verified" in [kind for kind, _f, _t in timeline(case)]  # the old verdict stays on the timeline


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


def test_a_closed_case_cannot_be_reassigned(sha, clerk, grm, dept):
    case = walk(factories.log_case(sha, clerk), clerk, S.CLOSED)
    with pytest.raises(services.ComplaintError, match="reopen it first"):
        act(services.complaint_assign, case, clerk, assignee=grm)


def test_occurred_defaults_to_when_it_was_reported(sha, clerk, dept):
    reported = timezone.now() - dt.timedelta(hours=3)
    case = factories.log_case(sha, clerk, reported_at=reported)
    assert case.occurred_at == reported
