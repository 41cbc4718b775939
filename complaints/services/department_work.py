"""A follow-up action from the department's side: acknowledged (who, when), started, or handed back.

Done is complaints.services.action_complete (the case's own step). These moves do not bump the case's
version: the clerk's open case page stays valid while the department works.
"""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import action_workflow, reminders, selectors
from complaints import system_text as keys
from complaints.action_workflow import ActionMove, ActionState, InvalidActionMove
from complaints.case_primitives import ComplaintError, case_event, case_lock
from complaints.models import EventKind, FollowUpAction
from complaints.services.notifications import notify
from hotel_crm import system_text
from hotel_crm.models import Property

CHANGE_PERMISSION = "complaints.change_complaint"


@transaction.atomic
def action_move(
    *,
    prop: Property,
    action_id: int,
    actor: User,
    move: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> FollowUpAction:
    """Acknowledge, start or hand back an action handed to a department at `prop`."""
    now = now or timezone.now()
    if move == ActionMove.COMPLETE:
        raise ComplaintError(_("Mark the action done with its own button."))
    action = (
        FollowUpAction.objects.filter(
            pk=action_id,
            complaint__in=selectors.complaints_visible_to(user=actor, property=prop),
            department__isnull=False,
        )
        .select_related("complaint", "department")
        .first()
    )
    if action is None:
        raise ComplaintError(_("No such action in this hotel's department queues."))
    if not selectors.has_perm_at(actor, prop, CHANGE_PERMISSION):
        raise ComplaintError(_("Your role here cannot take on department work."))
    complaint = case_lock(action.complaint, None)  # the reminders are planned holding the case's lock
    action = (
        FollowUpAction.objects.select_for_update(of=("self",)).select_related("department").get(pk=action.pk)
    )
    if action.done_at is not None:
        raise ComplaintError(_("That action is already done."))
    try:
        target = action_workflow.next_state(action.state, move)
    except InvalidActionMove as error:
        raise ComplaintError(str(error)) from error
    fields = ["state"]
    if target in (ActionState.ACKNOWLEDGED, ActionState.STARTED) and action.acknowledged_at is None:
        # Starting straight away acknowledges too: who saw it and when is what the manager reads.
        action.acknowledged_at, action.acknowledged_by = now, actor
        fields += ["acknowledged_at", "acknowledged_by"]
    if target == ActionState.STARTED:
        action.started_at = now
        fields.append("started_at")
    if target == ActionState.HANDED_BACK:
        if not reason.strip():
            raise ComplaintError(_("Say why the department hands this back."))
        action.handed_back_at, action.handed_back_by = now, actor
        action.handed_back_reason = reason.strip()[:300]
        fields += ["handed_back_at", "handed_back_by", "handed_back_reason"]
    action.state = target
    action.save(update_fields=fields)
    kind = {
        ActionState.ACKNOWLEDGED: EventKind.ACTION_ACKNOWLEDGED,
        ActionState.STARTED: EventKind.ACTION_STARTED,
        ActionState.HANDED_BACK: EventKind.ACTION_HANDED_BACK,
    }[target]
    assert action.department is not None
    case_event(
        complaint,
        kind,
        actor,
        note=action.handed_back_reason if target == ActionState.HANDED_BACK else action.description,
        data={"action": action.pk, "department": action.department.code},
    )
    if target == ActionState.HANDED_BACK:
        notify(
            {complaint.owner_id: complaint.owner, complaint.assignee_id: complaint.assignee}.values(),
            prop=prop,
            url=complaint.get_absolute_url(),
            text=system_text.message(
                keys.HANDED_BACK,
                department=system_text.bilingual(action.department.name_en, action.department.name_zh),
                ref=complaint.reference,
                what=action.description,
                why=action.handed_back_reason,
            ),
        )
    reminders.reschedule(complaint, now)  # acknowledged: the escalation for it is cancelled
    return action
