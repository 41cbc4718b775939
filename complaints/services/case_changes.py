"""Changes at any step: withdraw, reopen, reassign, correct details, notes, delight, review."""

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from complaints import detail_changes, reminders, selectors
from complaints.case_primitives import (
    FUTURE_SKEW,
    ComplaintError,
    case_check,
    case_event,
    case_lock,
    case_move,
    case_save,
)
from complaints.models import (
    Complaint,
    ComplaintEvent,
    EventKind,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Review,
)
from complaints.workflow import Action, Status


@transaction.atomic
def complaint_withdraw(
    *, complaint: Complaint, actor: User, expected_version: int | None, reason: str
) -> Complaint:
    complaint = case_lock(complaint, expected_version)
    case_check(complaint, Action.WITHDRAW, actor=actor)
    if not reason.strip():
        raise ComplaintError(_("Say why the case is withdrawn."))
    complaint.withdrawn_reason = reason.strip()[:300]
    case_move(
        complaint,
        Status.WITHDRAWN,
        actor,
        EventKind.WITHDRAWN,
        note=complaint.withdrawn_reason,
        fields=("withdrawn_reason",),
    )
    return complaint


@transaction.atomic
def complaint_reopen(
    *, complaint: Complaint, actor: User, expected_version: int | None, reason: str
) -> Complaint:
    """A manager reopens a closed or withdrawn case: it goes back to resolving."""
    complaint = case_lock(complaint, expected_version)
    case_check(complaint, Action.REOPEN, actor=actor)
    if not reason.strip():
        raise ComplaintError(_("Say why the case is reopened."))
    # The old verdict stays on the timeline; the reopened case is no longer recovered (or OK).
    complaint.closed_at = None
    complaint.verdict = ""
    complaint.verdict_source = ""
    complaint.verified_at = None
    case_move(
        complaint,
        Status.RESOLVING,
        actor,
        EventKind.REOPENED,
        note=reason.strip(),
        fields=("closed_at", "verdict", "verdict_source", "verified_at"),
    )
    return complaint


@transaction.atomic
def complaint_assign(
    *, complaint: Complaint, actor: User, expected_version: int | None, assignee: User
) -> Complaint:
    """Hand the case to another staff member of this hotel."""
    complaint = case_lock(complaint, expected_version)
    if not complaint.is_open():
        raise ComplaintError(_("A closed or withdrawn case cannot be reassigned; reopen it first."))
    if not selectors.staff_of_property(prop=complaint.property).filter(pk=assignee.pk).exists():
        raise ComplaintError(_("That person does not work at this hotel."))
    if assignee.pk == complaint.assignee_id:
        return complaint
    previous = complaint.assignee
    complaint.assignee = assignee
    case_save(complaint, "assignee")
    case_event(
        complaint,
        EventKind.REASSIGNED,
        actor,
        note=f"{previous.get_username()} → {assignee.get_username()}",
        data={"from": previous.pk, "to": assignee.pk},
    )
    # The step's reminders follow the case to its new assignee, and so do those of
    # follow-up actions that have no assignee of their own (the case owner answers for them).
    Reminder.objects.filter(
        Q(action__isnull=True) | Q(action__assignee__isnull=True),
        complaint=complaint,
        kind=ReminderKind.DUE,
        recipient=previous,
        status=ReminderStatus.PENDING,
    ).update(recipient=assignee)
    return complaint


EDITABLE_DETAILS = (
    "department",
    "category",
    "severity",
    "area",
    "room",
    "location_detail",
    "occurred_at",
    "people_involved",
    "mood",
    "guest_type",
    "kind",
    "channel",
)


@transaction.atomic
def complaint_update_details(
    *, complaint: Complaint, actor: User, expected_version: int | None, changes: dict[str, Any]
) -> Complaint:
    """Correct what was captured when listening (the three keys, department, severity…); the guest's
    own words stay as first written (add a note instead). Every change is on the timeline."""
    complaint = case_lock(complaint, expected_version)
    if not complaint.is_open():
        raise ComplaintError(_("A closed or withdrawn case cannot be changed; reopen it first."))
    unknown = set(changes) - set(EDITABLE_DETAILS)
    if unknown:
        raise ComplaintError(
            _("These details cannot be changed here: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    department = changes.get("department", complaint.department)
    category = changes.get("category", complaint.category)
    room = changes.get("room", complaint.room)
    if department.property_id != complaint.property_id or (
        room and room.property_id != complaint.property_id
    ):
        raise ComplaintError(_("That belongs to another hotel."))
    if category and category.department_id != department.pk:
        raise ComplaintError(_("That category belongs to another department."))
    severity_changes = changes.get("severity", complaint.severity) != complaint.severity
    allowance_before = reminders.allowance_for(complaint) if severity_changes else None
    occurred = changes.get("occurred_at") or complaint.occurred_at
    if occurred > complaint.reported_at + FUTURE_SKEW:
        raise ComplaintError(_("It cannot have been reported before it happened."))
    diff = []
    for name, value in changes.items():
        old = getattr(complaint, name)
        if name == "occurred_at" and value is None:
            continue
        if old != value:
            diff.append(detail_changes.change(complaint, name, old, value))
            setattr(complaint, name, value)
    if not diff:
        return complaint
    changed = {item["field"] for item in diff}
    case_save(complaint, *changed)
    # Stored as fields and values, not text: each reader sees the labels in their own language.
    case_event(complaint, EventKind.UPDATED, actor, data={"changes": diff})
    if allowance_before is not None:
        reminders.retime(complaint, before=allowance_before)  # critical is due sooner, minor later
    elif "department" in changed:
        reminders.reschedule(complaint)
    return complaint


@transaction.atomic
def complaint_add_note(*, complaint: Complaint, actor: User, note: str) -> ComplaintEvent:
    """A note on the timeline; notes never conflict, so no version check."""
    if not note.strip():
        raise ComplaintError(_("The note is empty."))
    return case_event(complaint, EventKind.NOTE, actor, note=note.strip()[:2000])


@transaction.atomic
def complaint_record_delight(*, complaint: Complaint, actor: User, note: str) -> ComplaintEvent:
    """The sixth touch: a small surprise after the recovery (fruit basket, handwritten card)."""
    if not note.strip():
        raise ComplaintError(_("Describe the surprise."))
    if complaint.status in (Status.LISTENING, Status.APOLOGISING, Status.WITHDRAWN):
        raise ComplaintError(_("A delight gesture comes after the problem is being resolved."))
    return case_event(complaint, EventKind.DELIGHT, actor, note=note.strip()[:500])


@transaction.atomic
def complaint_review(*, complaint: Complaint, reviewer: User, comment: str = "") -> Review:
    """A manager marks the case reviewed; the comment stays on the timeline."""
    review = Review.objects.create(complaint=complaint, reviewer=reviewer, comment=comment.strip()[:1000])
    case_event(complaint, EventKind.REVIEWED, reviewer, note=review.comment)
    return review
