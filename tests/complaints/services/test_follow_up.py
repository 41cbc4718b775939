"""Steps 4 and 5: follow-up actions and the verdict (complaints.services.follow_up)."""

import datetime as dt

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import (
    Complaint,
    EventKind,
    FollowUpAction,
)
from complaints.services import ComplaintError
from complaints.workflow import Status, Verdict
from tests import factories
from tests.complaints.services.cases import act, answer, log_days_ago, offer, status_events, timeline, walk

pytestmark = pytest.mark.django_db

S = Status
K = EventKind
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


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
