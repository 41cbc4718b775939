"""A follow-up action handed to a department, as data: its states and moves. Pure Python, no ORM.

sent → acknowledged (who, when) → started → done, or handed back with a reason (authority gained by
coordination, domain.md §2: the department says it has seen the work before it is counted on).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotel_crm.errors import DomainError


class ActionState(models.TextChoices):
    SENT = "sent", _("Sent, not yet acknowledged")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    STARTED = "started", _("Started")
    DONE = "done", _("Done")
    HANDED_BACK = "handed_back", _("Handed back")


class ActionMove(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    START = "start", _("Start")
    COMPLETE = "complete", _("Done")
    HAND_BACK = "hand_back", _("Hand back")


# move -> (states it may be taken from, state it leads to)
MOVES: dict[ActionMove, tuple[frozenset[ActionState], ActionState]] = {
    ActionMove.ACKNOWLEDGE: (frozenset({ActionState.SENT}), ActionState.ACKNOWLEDGED),
    ActionMove.START: (frozenset({ActionState.SENT, ActionState.ACKNOWLEDGED}), ActionState.STARTED),
    ActionMove.COMPLETE: (
        frozenset({ActionState.SENT, ActionState.ACKNOWLEDGED, ActionState.STARTED}),
        ActionState.DONE,
    ),
    ActionMove.HAND_BACK: (
        frozenset({ActionState.SENT, ActionState.ACKNOWLEDGED, ActionState.STARTED}),
        ActionState.HANDED_BACK,
    ),
}
# Work the department still holds: in its queue, counted as open.
IN_DEPARTMENT = frozenset({ActionState.SENT, ActionState.ACKNOWLEDGED, ActionState.STARTED})


class InvalidActionMove(DomainError):
    """The action cannot take this move now; the message says why."""


def next_state(state: str, move: str) -> ActionState:
    """The state `move` leads to from `state`; raises InvalidActionMove when it is not allowed."""
    if move not in ActionMove.values:
        raise InvalidActionMove(_("Unknown step for this action."))
    allowed_from, target = MOVES[ActionMove(move)]
    if state not in allowed_from:
        raise InvalidActionMove(
            _("This action is already “%(state)s”; it cannot be changed that way.")
            % {"state": ActionState(state).label}
        )
    return target


def available_moves(state: str) -> list[ActionMove]:
    return [move for move, (allowed_from, _target) in MOVES.items() if state in allowed_from]
