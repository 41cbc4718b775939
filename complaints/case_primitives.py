"""The building blocks every change to a case is made of: lock, check, save, move, event.

Every step service (complaints.services) and the guest's own answer (complaints.guest_voice) use
these, in this order, inside one transaction:

    complaint = case_lock(complaint, expected_version)   # row lock + stale check
    case_check(complaint, Action.X)                       # the workflow table says yes
    ...set fields...
    case_move(complaint, Status.Y, actor, EventKind.Z, fields=(...))   # or case_save + case_event

Everything but case_lock must be called holding the case's row lock (inside the atomic block
that called case_lock), so two clerks can never both move the same case.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import case_permissions, reminders, signals, workflow
from complaints.models import Complaint, ComplaintEvent, EventKind, FollowUpAction, Offer
from complaints.selectors.case_page import case_facts
from complaints.workflow import Action, InvalidTransition, Status
from hotel_crm import dates
from hotel_crm.errors import DomainError, StaleRecord

# A time a clerk types may be this far ahead of the server's clock and still be accepted.
FUTURE_SKEW = dt.timedelta(minutes=10)


class ComplaintError(DomainError):
    """A change that cannot be made; the message is for the clerk."""


class StaleComplaint(ComplaintError, StaleRecord):
    """Someone else changed the case since the page was loaded."""


def case_event_row(
    complaint: Complaint,
    kind: str,
    actor: User | None,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    from_status: str = "",
    to_status: str = "",
) -> ComplaintEvent:
    """One row of the case's timeline, not saved yet: to write several at once (bulk_create)."""
    return ComplaintEvent(
        complaint=complaint,
        kind=kind,
        actor=actor,
        note=note,
        data=data or {},
        from_status=from_status,
        to_status=to_status,
    )


def case_event(
    complaint: Complaint,
    kind: str,
    actor: User | None,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    from_status: str = "",
    to_status: str = "",
) -> ComplaintEvent:
    """Append one row to the case's timeline (the audit trail); writes nothing else.

    Call holding the case's row lock, except for notes and reviews, which never conflict.
    `actor` is None when the guest acted through their own link.
    """
    event = case_event_row(
        complaint, kind, actor, note=note, data=data, from_status=from_status, to_status=to_status
    )
    event.save(force_insert=True)
    return event


def case_lock(complaint: Complaint, expected_version: int | None) -> Complaint:
    """Lock the case row (SELECT ... FOR UPDATE) and return the fresh copy to work on.

    Call inside a transaction. With `expected_version` (the version the clerk's page showed),
    raise StaleComplaint naming who changed the case since; None skips that check (approvals,
    the guest's own answer). Writes nothing.
    """
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if expected_version is not None and locked.version != expected_version:
        # Notes and delight gestures do not bump the version: name who made the change.
        last = (
            ComplaintEvent.objects.filter(complaint=locked)
            .exclude(kind__in=[EventKind.NOTE, EventKind.DELIGHT])
            .select_related("actor")
            .order_by("-at", "-pk")
            .first()
        )
        if last is None:
            who = _("someone")
        elif last.actor is None:  # the guest answered through their link
            who = _("the guest")
        else:
            who = last.actor.get_full_name() or last.actor.get_username()
        when = dates.format_moment(last.at) if last else ""
        raise StaleComplaint(
            _(
                "This case was just changed by %(who)s (%(when)s). Reload the page to see the change; "
                "what you entered here was not saved."
            )
            % {"who": who, "when": when}
        )
    return locked


def case_check(
    complaint: Complaint, action: Action, *, actor: User | None, unsaved: bool = False
) -> workflow.Transition:
    """Check the case may take `action` now: the workflow table, its facts and the actor's role.

    Call holding the case's row lock, after setting any field the facts read (restated_confirmed);
    or, with `unsaved`, on a case being logged and not inserted yet, which has no offers and no
    actions. A staff `actor` needs the transition's permission in their role at the case's hotel,
    else PermissionDenied; `actor=None` is the guest answering through their own link. The case page
    offers exactly what this accepts (complaints.case_permissions). Raise ComplaintError with the
    table's reason otherwise. Reads offers and actions (unless `unsaved`); writes nothing.
    """
    if unsaved:
        assert complaint.pk is None, "a saved case has offers and actions to read"
        offers: Iterable[Offer] = ()
        actions: Iterable[FollowUpAction] = ()
    else:
        offers = complaint.offers.only("pk", "complaint_id", "status")
        actions = complaint.actions.filter(done_at__isnull=True).only("pk", "complaint_id", "done_at")
    facts = case_facts(complaint=complaint, offers=offers, actions=actions)
    try:
        if actor is None:
            return workflow.assert_can(action, complaint.status, facts)
        return case_permissions.case_assert_can(user=actor, complaint=complaint, action=action, facts=facts)
    except InvalidTransition as error:
        raise ComplaintError(str(error)) from error


def case_save(complaint: Complaint, *fields: str) -> None:
    """Save `fields` and bump the case's version (so open pages see it changed); no event.

    Call holding the case's row lock.
    """
    complaint.version += 1
    complaint.save(update_fields=[*fields, "version", "updated_at"])


def case_move(
    complaint: Complaint,
    target: Status,
    actor: User | None,
    kind: str,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    fields: Sequence[str] = (),
) -> None:
    """Move the case to `target`: save it with `fields`, add the `kind` event, reschedule its reminders
    and send complaint_step_changed (and complaint_closed when closing, which also sets closed_at).

    Call holding the case's row lock, after case_check said yes.
    """
    source = complaint.status
    complaint.status = target
    if target == Status.CLOSED:
        complaint.closed_at = timezone.now()
        fields = (*fields, "closed_at")
    case_save(complaint, "status", *fields)
    case_event(complaint, kind, actor, note=note, data=data, from_status=source, to_status=target)
    reminders.reschedule(complaint)
    signals.complaint_step_changed.send(
        sender=Complaint, complaint=complaint, actor=actor, from_status=source, to_status=target
    )
    if target == Status.CLOSED:
        signals.complaint_closed.send(sender=Complaint, complaint=complaint, actor=actor)
