"""The complaint cycle as data: steps, the transition table, and its guard. Pure Python, no ORM.

listen → apologise → resolve → follow up → verify (domain.md §2). The services
check every change with `assert_can` and the case page builds its forms from
`available`, both through complaints.case_permissions with the same `can`
(the user's role at the case's hotel), so the two can never disagree.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotel_crm.errors import DomainError


class Status(models.TextChoices):
    LISTENING = "listening", _("1 · Listening")
    APOLOGISING = "apologising", _("2 · Apologising")
    RESOLVING = "resolving", _("3 · Resolving")
    FOLLOWING_UP = "following_up", _("4 · Following up")
    VERIFYING = "verifying", _("5 · Verifying")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN = frozenset(
    {Status.LISTENING, Status.APOLOGISING, Status.RESOLVING, Status.FOLLOWING_UP, Status.VERIFYING}
)
ENDED = frozenset({Status.CLOSED, Status.WITHDRAWN})


class Action(models.TextChoices):
    CONFIRM_RESTATEMENT = "confirm_restatement", _("Guest confirmed my restatement")
    APOLOGISE = "apologise", _("Record the apology")
    MAKE_OFFER = "make_offer", _("Offer a solution")
    ACCEPT_OFFER = "accept_offer", _("Guest accepts the offer")
    DECLINE_OFFER = "decline_offer", _("Guest declines the offer")
    ADD_ACTION = "add_action", _("Add a follow-up action")
    COMPLETE_ACTION = "complete_action", _("Mark an action done")
    REQUEST_VERIFICATION = "request_verification", _("Everything is done: verify with the guest")
    VERIFY = "verify", _("Record the guest's verdict")
    WITHDRAW = "withdraw", _("Withdraw the case")
    REOPEN = "reopen", _("Reopen")


class Verdict(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("OK (satisfied)")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class InvalidTransition(DomainError):
    """The case cannot take this action now; the message says why, for the clerk."""


@dataclass(frozen=True)
class Facts:
    """What the guards need to know about a case."""

    restated_confirmed: bool = False
    open_offers: int = 0
    accepted_offers: int = 0
    open_actions: int = 0
    pending_approvals: int = 0


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status | None  # None: stays where it is
    permission: str = "complaints.change_complaint"
    primary: bool = False  # the step's main button


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in [
        Transition(
            Action.CONFIRM_RESTATEMENT, frozenset({Status.LISTENING}), Status.APOLOGISING, primary=True
        ),
        Transition(Action.APOLOGISE, frozenset({Status.APOLOGISING}), Status.RESOLVING, primary=True),
        Transition(Action.MAKE_OFFER, frozenset({Status.RESOLVING}), None, primary=True),
        Transition(Action.ACCEPT_OFFER, frozenset({Status.RESOLVING}), Status.FOLLOWING_UP),
        Transition(Action.DECLINE_OFFER, frozenset({Status.RESOLVING}), None),
        Transition(Action.ADD_ACTION, frozenset({Status.RESOLVING, Status.FOLLOWING_UP}), None),
        Transition(Action.COMPLETE_ACTION, frozenset({Status.RESOLVING, Status.FOLLOWING_UP}), None),
        Transition(
            Action.REQUEST_VERIFICATION, frozenset({Status.FOLLOWING_UP}), Status.VERIFYING, primary=True
        ),
        # The verdict decides the target: closed, or back to resolving when dissatisfied.
        Transition(Action.VERIFY, frozenset({Status.VERIFYING}), None, primary=True),
        Transition(Action.WITHDRAW, OPEN, Status.WITHDRAWN),
        Transition(Action.REOPEN, ENDED, Status.RESOLVING, permission="complaints.reopen_complaint"),
    ]
}


def _blocker(action: Action, facts: Facts) -> str | None:
    """Why a transition allowed from this step still cannot happen, or None."""
    if action == Action.CONFIRM_RESTATEMENT and not facts.restated_confirmed:
        return str(_("First restate the problem to the guest and tick that they confirmed it."))
    if action in (Action.ACCEPT_OFFER, Action.DECLINE_OFFER) and not facts.open_offers:
        if facts.pending_approvals:
            return str(
                _("The offer is waiting for a manager's approval; tell the guest only once it is approved.")
            )
        return str(_("There is no open offer to answer."))
    if action == Action.MAKE_OFFER and facts.open_offers:
        return str(_("The guest has not answered the last offer yet."))
    if action == Action.MAKE_OFFER and facts.pending_approvals:
        return str(_("The last offer is waiting for a manager's approval."))
    if action == Action.COMPLETE_ACTION and not facts.open_actions:
        return str(_("No follow-up action is open."))
    if action == Action.REQUEST_VERIFICATION and facts.open_actions:
        return str(
            _("%(n)d follow-up action(s) still open: make sure what was promised has happened first.")
            % {"n": facts.open_actions}
        )
    return None


def _anyone(permission: str) -> bool:
    return True


def assert_can(
    action: Action, status: Status | str, facts: Facts = Facts(), can: Callable[[str], bool] = _anyone
) -> Transition:
    """Return the transition for `action` from `status`, or raise why not.

    PermissionDenied when `can(transition.permission)` is false (the role), else InvalidTransition
    with the reason (the step or the facts). Without `can`, only the table and the facts are asked.
    """
    transition = TRANSITIONS[Action(action)]
    if not can(transition.permission):
        raise PermissionDenied(_("Your role at this hotel does not allow this."))
    if Status(status) not in transition.sources:
        raise InvalidTransition(
            _("“%(action)s” is not possible while the case is at “%(status)s”.")
            % {"action": transition.action.label, "status": Status(status).label}
        )
    reason = _blocker(transition.action, facts)
    if reason:
        raise InvalidTransition(reason)
    return transition


def target_after_verdict(verdict: Verdict | str) -> Status:
    """Very satisfied and OK close the case (OK stays visible as a flaw); dissatisfied means resolve again."""
    return Status.RESOLVING if Verdict(verdict) == Verdict.DISSATISFIED else Status.CLOSED


def target_after_guest_answer(verdict: Verdict | str) -> Status:
    """The guest's own answer through their link: only very satisfied closes; OK reopens like dissatisfied.

    Staff hear polite answers face to face; an "OK" the guest gives on their own is the flaw
    domain.md warns about, so the case goes back to resolving.
    """
    return Status.CLOSED if Verdict(verdict) == Verdict.VERY_SATISFIED else Status.RESOLVING


def available(
    status: Status | str, facts: Facts = Facts(), can: Callable[[str], bool] = _anyone
) -> list[tuple[Transition, str | None]]:
    """Every action from this step that `can` permits, with why it is blocked (None: it can be taken now).

    In table order; exactly the actions `assert_can` with the same `can` does not refuse
    with PermissionDenied or a "not possible at this step" InvalidTransition.
    """
    return [
        (t, _blocker(t.action, facts))
        for t in TRANSITIONS.values()
        if Status(status) in t.sources and can(t.permission)
    ]


def is_recovered(verdict: str | None) -> bool:
    """Only a very satisfied guest counts as recovered; OK is a flaw."""
    return verdict == Verdict.VERY_SATISFIED
