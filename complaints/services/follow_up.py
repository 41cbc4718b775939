"""Steps 4 and 5, follow up and verify: follow-up actions, going back to the guest, the verdict."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import guest_voice, reminders, selectors, workflow
from complaints import system_text as keys
from complaints.action_workflow import ActionState
from complaints.case_primitives import (
    ComplaintError,
    case_check,
    case_event,
    case_lock,
    case_move,
    case_save,
)
from complaints.models import (
    Complaint,
    Department,
    EventKind,
    FollowUpAction,
    VerdictSource,
)
from complaints.services.notifications import notify
from complaints.workflow import Action, Status, Verdict
from hotel_crm import system_text


@transaction.atomic
def action_add(
    *,
    complaint: Complaint,
    actor: User,
    expected_version: int | None,
    description: str,
    due_at: dt.datetime,
    department: Department | None = None,
    assignee: User | None = None,
) -> FollowUpAction:
    """Add something that must happen, with who does it and by when."""
    complaint = case_lock(complaint, expected_version)
    case_check(complaint, Action.ADD_ACTION, actor=actor)
    if not description.strip():
        raise ComplaintError(_("Say what must happen."))
    if department and department.property_id != complaint.property_id:
        raise ComplaintError(_("That department belongs to another hotel."))
    if due_at < timezone.now() - dt.timedelta(minutes=5):
        raise ComplaintError(_("The due time is already past."))
    action = FollowUpAction.objects.create(
        complaint=complaint,
        description=description.strip(),
        department=department,
        assignee=assignee,
        due_at=due_at,
        created_by=actor,
    )
    case_save(complaint)
    case_event(
        complaint,
        EventKind.ACTION_ADDED,
        actor,
        note=action.description,
        data={
            "action": action.pk,
            "due": due_at.isoformat(),
            "department": department.code if department else "",
        },
    )
    reminders.reschedule(complaint)
    if department is not None:
        # New work shows in the supervisors' bell at once (the bell polls; no reload needed).
        supervisors = selectors.staff_who_may_see(
            complaint=complaint, candidates=department.supervisors.filter(is_active=True).exclude(pk=actor.pk)
        )
        notify(
            supervisors,
            prop=complaint.property,
            url=f"/complaints/departments/{department.pk}/",
            text=system_text.message(
                keys.NEW_WORK,
                department=system_text.bilingual(department.name_en, department.name_zh),
                ref=complaint.reference,
                what=action.description,
            ),
        )
    return action


@transaction.atomic
def action_complete(
    *, complaint: Complaint, action_id: int, actor: User, expected_version: int | None, note: str = ""
) -> FollowUpAction:
    """Mark a follow-up action done (check it really happened)."""
    complaint = case_lock(complaint, expected_version)
    case_check(complaint, Action.COMPLETE_ACTION, actor=actor)
    action = FollowUpAction.objects.select_for_update().filter(pk=action_id, complaint=complaint).first()
    if action is None or action.done_at:
        raise ComplaintError(_("That action is already done."))
    action.done_at = timezone.now()
    action.done_by = actor
    action.done_note = note.strip()
    action.state = ActionState.DONE
    action.save(update_fields=["done_at", "done_by", "done_note", "state"])
    case_save(complaint)
    case_event(
        complaint,
        EventKind.ACTION_DONE,
        actor,
        note=action.done_note or action.description,
        data={"action": action.pk},
    )
    if complaint.owner_id != actor.pk:
        notify(
            [complaint.owner],
            prop=complaint.property,
            url=complaint.get_absolute_url(),
            text=system_text.message(keys.ACTION_DONE, ref=complaint.reference, what=action.description),
        )
    reminders.reschedule(complaint)
    return action


@transaction.atomic
def complaint_request_verification(
    *, complaint: Complaint, actor: User, expected_version: int | None
) -> Complaint:
    """Everything promised has happened: go back to the guest."""
    complaint = case_lock(complaint, expected_version)
    case_check(complaint, Action.REQUEST_VERIFICATION, actor=actor)
    data = None
    if not (complaint.guest is not None and complaint.guest.erased_at):
        # The guest's own answer: emailed when there is an address, a QR code on the case page always.
        check = guest_voice.guest_check_create(complaint=complaint, actor=actor)
        data = {"check": check.pk, "text": guest_voice.link_note(check)}
    case_move(complaint, Status.VERIFYING, actor, EventKind.VERIFICATION_REQUESTED, data=data)
    return complaint


@transaction.atomic
def complaint_verify(
    *,
    complaint: Complaint,
    actor: User,
    expected_version: int | None,
    verdict: str,
    note: str = "",
    root_cause: str = "",
    preventive_action: str = "",
) -> Complaint:
    """Record the guest's verdict: dissatisfied goes back to resolving; a repeat needs a diagnosis."""
    complaint = case_lock(complaint, expected_version)
    case_check(complaint, Action.VERIFY, actor=actor)
    if verdict not in Verdict.values:
        raise ComplaintError(_("Choose what the guest said."))
    target = workflow.target_after_verdict(verdict)
    fields = ["verdict", "verified_at"]
    if target == Status.CLOSED and complaint.is_repeat:
        # A reopened repeat keeps the diagnosis it was closed with unless a new one is given.
        root_cause = root_cause.strip() or complaint.root_cause
        preventive_action = preventive_action.strip() or complaint.preventive_action
        if not root_cause or not preventive_action:
            raise ComplaintError(
                _(
                    "This problem has happened before. Record its root cause and what will stop it happening "
                    "again before closing the case."
                )
            )
        complaint.root_cause, complaint.preventive_action = root_cause.strip(), preventive_action.strip()
        fields += ["root_cause", "preventive_action"]
    complaint.verdict = verdict
    complaint.verdict_source = VerdictSource.STAFF
    complaint.verified_at = timezone.now()
    fields.append("verdict_source")
    case_move(
        complaint,
        target,
        actor,
        EventKind.VERIFIED,
        note=note.strip(),
        data={"verdict": verdict},
        fields=fields,
    )
    if "root_cause" in fields:
        case_event(
            complaint,
            EventKind.DIAGNOSED,
            actor,
            note=f"{complaint.root_cause}\n→ {complaint.preventive_action}",
        )
    return complaint
