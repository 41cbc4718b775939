"""The complaint cycle as data (complaints.workflow): no database, plain functions."""

import pytest

from complaints import workflow
from complaints.workflow import (
    ENDED,
    OPEN,
    TRANSITIONS,
    Action,
    Facts,
    InvalidTransition,
    Status,
    Verdict,
)

S = Status
A = Action

# The cycle of domain.md §2, written out by hand so a change to TRANSITIONS has to be a deliberate one:
# action -> (the steps it may be taken from, the step it leads to; None = stays where it is).
EXPECTED: dict[Action, tuple[set[Status], Status | None]] = {
    A.CONFIRM_RESTATEMENT: ({S.LISTENING}, S.APOLOGISING),
    A.APOLOGISE: ({S.APOLOGISING}, S.RESOLVING),
    A.MAKE_OFFER: ({S.RESOLVING}, None),
    A.ACCEPT_OFFER: ({S.RESOLVING}, S.FOLLOWING_UP),
    A.DECLINE_OFFER: ({S.RESOLVING}, None),
    A.ADD_ACTION: ({S.RESOLVING, S.FOLLOWING_UP}, None),
    A.COMPLETE_ACTION: ({S.RESOLVING, S.FOLLOWING_UP}, None),
    A.REQUEST_VERIFICATION: ({S.FOLLOWING_UP}, S.VERIFYING),
    A.VERIFY: ({S.VERIFYING}, None),  # the verdict decides: see target_after_verdict
    A.WITHDRAW: ({S.LISTENING, S.APOLOGISING, S.RESOLVING, S.FOLLOWING_UP, S.VERIFYING}, S.WITHDRAWN),
    A.REOPEN: ({S.CLOSED, S.WITHDRAWN}, S.RESOLVING),
}

# Facts under which no blocker stands in the way of each action, so only the step decides.
UNBLOCKED: dict[Action, Facts] = {
    A.CONFIRM_RESTATEMENT: Facts(restated_confirmed=True),
    A.ACCEPT_OFFER: Facts(restated_confirmed=True, open_offers=1),
    A.DECLINE_OFFER: Facts(restated_confirmed=True, open_offers=1),
    A.COMPLETE_ACTION: Facts(restated_confirmed=True, accepted_offers=1, open_actions=1),
    A.REQUEST_VERIFICATION: Facts(restated_confirmed=True, accepted_offers=1),
}


def unblocked(action: Action) -> Facts:
    return UNBLOCKED.get(action, Facts(restated_confirmed=True))


def test_the_table_covers_every_action_exactly_as_the_cycle_says():
    # Given the transition table
    # When it is read as (sources, target) per action
    actual = {action: (set(t.sources), t.target) for action, t in TRANSITIONS.items()}
    # Then it is the listen → apologise → resolve → follow up → verify cycle, action for action
    assert actual == EXPECTED
    assert set(TRANSITIONS) == set(Action)


@pytest.mark.parametrize(
    ("status", "action"),
    [(s, a) for s in Status for a in Action if s in EXPECTED[a][0]],
    ids=lambda v: v.value,
)
def test_every_legal_transition_succeeds_from_each_of_its_steps(status, action):
    # Given a case at one of the steps this action may be taken from, and nothing blocking it
    facts = unblocked(action)
    # When the guard is asked
    transition = workflow.assert_can(action, status, facts)
    # Then it allows it and says where the case goes next
    assert transition.action == action
    assert transition.target == EXPECTED[action][1]


@pytest.mark.parametrize(
    ("status", "action"),
    [(s, a) for s in Status for a in Action if s not in EXPECTED[a][0]],
    ids=lambda v: v.value,
)
def test_every_action_is_refused_from_every_other_step(status, action):
    # Given a case at a step this action cannot be taken from, even with nothing else blocking it
    facts = unblocked(action)
    # When the guard is asked
    # Then it refuses, naming the step the case is at
    with pytest.raises(InvalidTransition) as refused:
        workflow.assert_can(action, status, facts)
    assert str(status.label) in str(refused.value)
    # and accepts the plain string value of the status the same way (what the database holds)
    with pytest.raises(InvalidTransition):
        workflow.assert_can(action.value, status.value, facts)


def test_an_ended_case_can_only_be_reopened_and_every_open_case_can_be_withdrawn():
    # Given the open and the ended steps
    # When we list what each allows
    from_ended = {t.action for s in ENDED for t, _ in workflow.available(s)}
    # Then an ended case allows nothing but reopening
    assert from_ended == {A.REOPEN}
    # and a case at any open step can be withdrawn
    for status in OPEN:
        assert A.WITHDRAW in {t.action for t, _ in workflow.available(status)}
    assert set(Status) == OPEN | ENDED
    assert not OPEN & ENDED


def test_restatement_not_confirmed_blocks_moving_on_to_the_apology():
    # Given a case being listened to whose restatement the guest has not confirmed
    # When the clerk tries to move on
    # Then the guard refuses and says why
    with pytest.raises(InvalidTransition, match="restate"):
        workflow.assert_can(A.CONFIRM_RESTATEMENT, S.LISTENING, Facts(restated_confirmed=False))
    # and once the guest confirmed it, it moves on to apologising
    transition = workflow.assert_can(A.CONFIRM_RESTATEMENT, S.LISTENING, Facts(restated_confirmed=True))
    assert transition.target == S.APOLOGISING


@pytest.mark.parametrize("action", [A.ACCEPT_OFFER, A.DECLINE_OFFER])
def test_the_guest_cannot_answer_when_no_offer_is_open(action):
    # Given a case in resolving with no offer waiting for an answer (one was already declined)
    facts = Facts(restated_confirmed=True, open_offers=0)
    # When the guest's answer is recorded
    # Then it is refused
    with pytest.raises(InvalidTransition, match="no open offer"):
        workflow.assert_can(action, S.RESOLVING, facts)


def test_a_second_offer_waits_until_the_guest_answered_the_first():
    # Given a case in resolving with one offer still waiting for the guest
    # When another offer is made
    # Then it is refused
    with pytest.raises(InvalidTransition, match="not answered"):
        workflow.assert_can(A.MAKE_OFFER, S.RESOLVING, Facts(restated_confirmed=True, open_offers=1))
    # and once it is answered, a new one can be made
    assert workflow.assert_can(A.MAKE_OFFER, S.RESOLVING, Facts(restated_confirmed=True, open_offers=0))


@pytest.mark.parametrize("status", [S.RESOLVING, S.FOLLOWING_UP])
def test_completing_an_action_needs_an_open_one(status):
    # Given a case with every follow-up action done
    # When another is marked done
    # Then it is refused
    with pytest.raises(InvalidTransition, match="No follow-up action is open"):
        workflow.assert_can(A.COMPLETE_ACTION, status, Facts(restated_confirmed=True, open_actions=0))


def test_verification_waits_until_every_follow_up_action_is_done():
    # Given a case in follow-up with two actions still open
    facts = Facts(restated_confirmed=True, accepted_offers=1, open_actions=2)
    # When the clerk asks to verify with the guest
    # Then it is refused, saying how many are open
    with pytest.raises(InvalidTransition, match="2 follow-up action"):
        workflow.assert_can(A.REQUEST_VERIFICATION, S.FOLLOWING_UP, facts)
    # and with none open it goes on to verifying
    done = Facts(restated_confirmed=True, accepted_offers=1, open_actions=0)
    assert workflow.assert_can(A.REQUEST_VERIFICATION, S.FOLLOWING_UP, done).target == S.VERIFYING


@pytest.mark.parametrize(
    ("verdict", "target"),
    [
        (Verdict.DISSATISFIED, S.RESOLVING),
        (Verdict.SATISFIED, S.CLOSED),
        (Verdict.VERY_SATISFIED, S.CLOSED),
        ("dissatisfied", S.RESOLVING),
        ("very_satisfied", S.CLOSED),
    ],
)
def test_the_verdict_decides_where_the_case_goes(verdict, target):
    # Given the guest's verdict at step 5
    # When the next step is worked out
    # Then dissatisfied means resolving again, OK and very satisfied close the case
    assert workflow.target_after_verdict(verdict) == target


def test_an_unknown_verdict_is_not_silently_closed():
    # Given a verdict that is not one of the three
    # When the next step is worked out
    # Then it is refused rather than treated as a close
    with pytest.raises(ValueError):
        workflow.target_after_verdict("meh")


@pytest.mark.parametrize(
    ("verdict", "recovered"),
    [
        (Verdict.VERY_SATISFIED, True),
        ("very_satisfied", True),
        (Verdict.SATISFIED, False),
        (Verdict.DISSATISFIED, False),
        ("", False),
        (None, False),
    ],
)
def test_only_a_very_satisfied_guest_counts_as_recovered(verdict, recovered):
    # Given a verdict (or none yet)
    # When we ask whether the guest was recovered
    # Then only "very satisfied" counts; OK is a flaw
    assert workflow.is_recovered(verdict) is recovered


def test_available_lists_the_steps_actions_with_the_reason_each_is_blocked():
    # Given a case in resolving whose first offer is still waiting for the guest
    facts = Facts(restated_confirmed=True, open_offers=1)
    # When the page asks what can be done
    reasons = {t.action: reason for t, reason in workflow.available(S.RESOLVING, facts)}
    # Then it lists exactly the resolving actions
    assert set(reasons) == {a for a, (sources, _) in EXPECTED.items() if S.RESOLVING in sources}
    # with a reason where one is blocked, and None where it can be taken now
    assert "not answered" in reasons[A.MAKE_OFFER]
    assert reasons[A.ACCEPT_OFFER] is None
    assert reasons[A.DECLINE_OFFER] is None
    assert reasons[A.COMPLETE_ACTION] == "No follow-up action is open."
    assert reasons[A.ADD_ACTION] is None
    assert reasons[A.WITHDRAW] is None


def test_available_at_follow_up_says_what_still_stands_in_the_way():
    # Given a case in follow-up with one action still open
    facts = Facts(restated_confirmed=True, accepted_offers=1, open_actions=1)
    # When the page asks what can be done
    reasons = {t.action: reason for t, reason in workflow.available(S.FOLLOWING_UP, facts)}
    # Then verification is listed but blocked with the count, and completing the action is open
    assert "1 follow-up action" in reasons[A.REQUEST_VERIFICATION]
    assert reasons[A.COMPLETE_ACTION] is None
    # and each step's primary button is the step's main action
    primaries = {t.action for t, _ in workflow.available(S.FOLLOWING_UP, facts) if t.primary}
    assert primaries == {A.REQUEST_VERIFICATION}


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_available_agrees_with_the_guard_for_every_step(status):
    # Given nothing blocking at all, for each step
    # When the page's list of actions is built
    listed = {t.action for t, _ in workflow.available(status, Facts(restated_confirmed=True))}
    # Then it lists exactly the actions the guard would accept from that step (buttons and checks agree)
    assert listed == {a for a, (sources, _) in EXPECTED.items() if status in sources}


def test_reopening_needs_its_own_permission():
    # Given the table
    # When we look at who may reopen and who may do the rest
    # Then reopening needs the manager's permission, everything else the ordinary change permission
    assert TRANSITIONS[A.REOPEN].permission == "complaints.reopen_complaint"
    others = {t.permission for a, t in TRANSITIONS.items() if a != A.REOPEN}
    assert others == {"complaints.change_complaint"}
