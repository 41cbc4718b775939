"""Which steps of the cycle a staff member may take on a case now: one answer for the case page,
the services' guard and the REST API.

The step and the facts decide through workflow.TRANSITIONS (`available`, `assert_can`); the
permission is the user's role at the case's hotel, by the one rule `selectors.has_perm_at`
(what `request.user.has_perm` answers in a view, since a case is only ever shown in its hotel).
"""

from django.contrib.auth.models import AnonymousUser, User

from complaints import workflow
from complaints.models import Complaint
from complaints.selectors.access import has_perm_at

CHANGE = "complaints.change_complaint"


def case_may(*, user: User | AnonymousUser, complaint: Complaint, permission: str = CHANGE) -> bool:
    """Whether `user`'s role at the case's hotel grants `permission` (by default: changing the case)."""
    return has_perm_at(user, complaint.property, permission)


def case_actions(
    *, user: User | AnonymousUser, complaint: Complaint, facts: workflow.Facts
) -> list[tuple[workflow.Transition, str | None]]:
    """The workflow actions `user` may take from the case's step, each with why it is blocked (None: now)."""
    return workflow.available(
        complaint.status,
        facts,
        can=lambda permission: case_may(user=user, complaint=complaint, permission=permission),
    )


def case_assert_can(
    *, user: User | AnonymousUser, complaint: Complaint, action: workflow.Action, facts: workflow.Facts
) -> workflow.Transition:
    """The transition for `action` on the case; else PermissionDenied (the role) or InvalidTransition."""
    return workflow.assert_can(
        action,
        complaint.status,
        facts,
        can=lambda permission: case_may(user=user, complaint=complaint, permission=permission),
    )
