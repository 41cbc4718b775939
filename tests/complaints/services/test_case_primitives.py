"""Lock, check, move, event (complaints.case_primitives) through the step services: one event per change."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import (
    Complaint,
    EventKind,
    OfferStatus,
)
from complaints.services import ComplaintError, StaleComplaint
from complaints.workflow import Status, Verdict
from tests import factories
from tests.complaints.services.cases import act, answer, offer, timeline, walk

pytestmark = pytest.mark.django_db

S = Status
K = EventKind
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


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
