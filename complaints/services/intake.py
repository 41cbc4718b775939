"""Step 1, listen: log a case and confirm the restatement; courtesy checks that may lead to one."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import reminders, selectors, signals
from complaints.case_primitives import (
    FUTURE_SKEW,
    ComplaintError,
    case_check,
    case_event_row,
    case_lock,
    case_move,
)
from complaints.models import (
    Area,
    Category,
    Complaint,
    ComplaintEvent,
    CourtesyCheck,
    CourtesyOutcome,
    Department,
    EventKind,
)
from complaints.services.problems import problems_detect
from complaints.workflow import Action, Status
from guests import selectors as guest_selectors
from guests.models import Guest, Stay
from hotel_crm import system_text
from hotel_crm.models import Property
from rooms.models import Room


@dataclass
class ComplaintInput:
    """What the clerk captures when logging a case (step 1: listen)."""

    guest_words: str
    department: Department
    severity: str = "medium"
    guest: Guest | None = None
    stay: Stay | None = None
    complainant_name: str = ""
    area: str = Area.ROOM
    room: Room | None = None
    location_detail: str = ""
    occurred_at: dt.datetime | None = None
    reported_at: dt.datetime | None = None
    people_involved: str = ""
    category: Category | None = None
    kind: str = ""
    mood: str = ""
    guest_type: str = ""
    channel: str = "in_person"
    restated_confirmed: bool = False


def _lock_and_read(prop: Property, now: dt.datetime, submission_key: str) -> tuple[str, int | None]:
    """Lock the property's numbering; return the next case reference and the case already logged
    with `submission_key` (a double click), if any. Call inside the logging transaction.
    """
    # Lock the property row so two clerks logging at once get different numbers (and two clicks of
    # one form are told apart here rather than by the unique key). The read is a statement of its
    # own so that, once the lock is granted, it sees the case the other clerk just committed.
    Property.objects.select_for_update().get(pk=prop.pk)
    year = prop.today(now).year
    prefix = f"{prop.code}-{year}-"
    in_property = Complaint.objects.filter(property=prop)
    # Text order finds the highest number up to 99,999 (then "-100000" sorts before "-99999");
    # the property's newest case has the highest number of its year however long the number
    # is, since numbers are given out under this lock in insertion order. Each is one index probe,
    # asked in one query.
    last_by_text, newest, existing = (
        Property.objects.filter(pk=prop.pk)
        .annotate(
            last_by_text=Subquery(
                in_property.filter(reference__startswith=prefix)
                .order_by("-reference")
                .values("reference")[:1]
            ),
            newest=Subquery(in_property.order_by("-pk").values("reference")[:1]),
            existing=(
                Subquery(in_property.filter(submission_key=submission_key).order_by().values("pk")[:1])
                if submission_key
                else Value(None, output_field=IntegerField())
            ),
        )
        .values_list("last_by_text", "newest", "existing")
        .get()
    )
    number = 1 + max(
        (int(ref.rsplit("-", 1)[1]) for ref in (last_by_text, newest) if ref and ref.startswith(prefix)),
        default=0,
    )
    return f"{prefix}{number:05d}", existing


def _validate_input(prop: Property, data: ComplaintInput, now: dt.datetime) -> None:
    if not data.guest_words.strip():
        raise ComplaintError(_("Write down what the guest said, in their own words."))
    if data.department.property_id != prop.pk:
        raise ComplaintError(_("That department belongs to another hotel."))
    if data.category and data.category.department_id != data.department.pk:
        raise ComplaintError(_("That category belongs to another department."))
    if data.room and data.room.property_id != prop.pk:
        raise ComplaintError(_("That room belongs to another hotel."))
    if data.stay and data.stay.property_id != prop.pk:
        raise ComplaintError(_("That stay belongs to another hotel."))
    if data.guest and (data.guest.erased_at or data.guest.merged_into_id):
        raise ComplaintError(_("That guest profile was erased or merged."))
    if data.stay and data.guest and data.stay.guest_id != data.guest.pk:
        raise ComplaintError(_("That stay belongs to another guest."))
    if not data.guest and not data.stay and not data.complainant_name.strip():
        raise ComplaintError(_("Choose the guest, or write the name of the person complaining."))
    if data.occurred_at and data.occurred_at > now + FUTURE_SKEW:
        raise ComplaintError(_("The time it happened cannot be in the future."))
    if data.reported_at and data.reported_at > now + FUTURE_SKEW:
        raise ComplaintError(_("The time it was reported cannot be in the future."))
    if data.occurred_at and data.reported_at and data.occurred_at > data.reported_at:
        raise ComplaintError(_("It cannot have been reported before it happened."))


def _guest_stay_room(prop: Property, data: ComplaintInput) -> tuple[Guest | None, Stay | None, Room | None]:
    """Who and where, filled in from each other: the stay's guest, the guest's stay in house, its room."""
    stay, guest, room = data.stay, data.guest, data.room
    if stay:
        guest = stay.guest
    elif guest:
        stay = guest_selectors.stay_in_house(prop=prop, guest=guest)
    if data.area == Area.ROOM and room is None and stay is not None:
        room = stay.room
    return guest, stay, room


def _new_case(
    *,
    prop: Property,
    actor: User,
    data: ComplaintInput,
    reference: str,
    submission_key: str,
    now: dt.datetime,
) -> Complaint:
    """The case as logged, numbered but not saved yet."""
    guest, stay, room = _guest_stay_room(prop, data)
    return Complaint(
        property=prop,
        reference=reference,
        guest=guest,
        stay=stay,
        complainant_name=data.complainant_name.strip(),
        area=data.area,
        room=room,
        location_detail=data.location_detail.strip(),
        occurred_at=data.occurred_at or data.reported_at or now,
        reported_at=data.reported_at or now,
        people_involved=data.people_involved.strip(),
        department=data.department,
        category=data.category,
        severity=data.severity,
        kind=data.kind,
        mood=data.mood,
        guest_type=data.guest_type,
        guest_words=data.guest_words.strip(),
        channel=data.channel,
        owner=actor,
        assignee=actor,
        submission_key=submission_key,
    )


def _record_logged(
    complaint: Complaint,
    actor: User,
    *,
    repeat_notice: system_text.Message,
    courtesy_check: CourtesyCheck | None,
    now: dt.datetime,
) -> None:
    """The inserted case's timeline, reminders and signals; the courtesy check it came from; step 1 if done.

    What case_event, reminders.reschedule and case_move write for each step, written once: the
    case was inserted (listening) in this transaction, so it has no reminders, offers or actions
    to read, and its timeline rows go in together. Call right after inserting the case.
    """
    restated = complaint.restated_confirmed  # checked by case_check before the insert
    events = [
        case_event_row(
            complaint, EventKind.LOGGED, actor, to_status=Status.LISTENING, note=complaint.guest_words
        )
    ]
    if repeat_notice:
        events.append(
            case_event_row(complaint, EventKind.REPEAT_FLAGGED, actor, data={"text": repeat_notice})
        )
    if restated:
        events.append(
            case_event_row(
                complaint,
                EventKind.RESTATED,
                actor,
                from_status=Status.LISTENING,
                to_status=Status.APOLOGISING,
            )
        )
    ComplaintEvent.objects.bulk_create(events)
    signals.complaint_created.send(sender=Complaint, complaint=complaint, actor=actor)
    if courtesy_check is not None:
        CourtesyCheck.objects.filter(pk=courtesy_check.pk, complaint__isnull=True).update(complaint=complaint)
    fields = ["step_due_at"]
    if restated:  # step 1 done while logging: what case_move saves
        complaint.status = Status.APOLOGISING
        complaint.version += 1
        fields += ["status", "version", "updated_at"]
    # The reminders of the step the case is in now (listening and apologising both wait on the apology).
    complaint.step_due_at = reminders.schedule_logged(complaint, now)
    complaint.save(update_fields=fields)
    if restated:
        signals.complaint_step_changed.send(
            sender=Complaint,
            complaint=complaint,
            actor=actor,
            from_status=Status.LISTENING,
            to_status=Status.APOLOGISING,
        )


def complaint_log(
    *,
    prop: Property,
    actor: User,
    data: ComplaintInput,
    submission_key: str = "",
    courtesy_check: CourtesyCheck | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Log a case (step 1). The same `submission_key` twice (a double click) returns the first case.

    Atomic (`_complaint_log`); the unique submission key's error is caught outside that transaction.
    """
    try:
        return _complaint_log(
            prop=prop,
            actor=actor,
            data=data,
            submission_key=submission_key,
            courtesy_check=courtesy_check,
            now=now or timezone.now(),
        )
    except IntegrityError:
        # Another click's case with this key was committed after the check (the unique key says so):
        # show it. The logging transaction (a savepoint when called inside one) is rolled back as a
        # whole before this read, so the insert needs no savepoint of its own.
        existing = (
            Complaint.objects.filter(property=prop, submission_key=submission_key).first()
            if submission_key
            else None
        )
        if existing is None:
            raise
        return existing


@transaction.atomic
def _complaint_log(
    *,
    prop: Property,
    actor: User,
    data: ComplaintInput,
    submission_key: str,
    courtesy_check: CourtesyCheck | None,
    now: dt.datetime,
) -> Complaint:
    reference, existing = _lock_and_read(prop, now, submission_key)
    if existing is not None:
        return Complaint.objects.get(pk=existing)
    _validate_input(prop, data, now)
    complaint = _new_case(
        prop=prop, actor=actor, data=data, reference=reference, submission_key=submission_key, now=now
    )
    if data.restated_confirmed:
        complaint.restated_confirmed = True
        case_check(complaint, Action.CONFIRM_RESTATEMENT, actor=actor, unsaved=True)
    notice = selectors.repeat_notice(complaint=complaint, now=now)
    if notice:
        complaint.is_repeat, complaint.repeat_notice = True, notice
    complaint.save(force_insert=True)
    _record_logged(complaint, actor, repeat_notice=notice, courtesy_check=courtesy_check, now=now)
    problems_detect(complaint=complaint, actor=actor, now=now)
    return complaint


@transaction.atomic
def complaint_confirm_restatement(
    *, complaint: Complaint, actor: User, expected_version: int | None, confirmed: bool, note: str = ""
) -> Complaint:
    """Step 1 done: the clerk restated the problem and the guest confirmed it."""
    complaint = case_lock(complaint, expected_version)
    complaint.restated_confirmed = bool(confirmed)
    case_check(complaint, Action.CONFIRM_RESTATEMENT, actor=actor)
    case_move(
        complaint,
        Status.APOLOGISING,
        actor,
        EventKind.RESTATED,
        note=note.strip(),
        fields=("restated_confirmed",),
    )
    return complaint


@transaction.atomic
def courtesy_check_log(
    *, prop: Property, stay: Stay, actor: User, outcome: str, note: str = ""
) -> CourtesyCheck:
    """Record a proactive "how is your stay?" and what the guest said."""
    if stay.property_id != prop.pk:
        raise ComplaintError(_("That stay belongs to another hotel."))
    if outcome not in CourtesyOutcome.values:
        raise ComplaintError(_("Choose what the guest said."))
    return CourtesyCheck.objects.create(
        property=prop, stay=stay, outcome=outcome, note=note.strip()[:500], checked_by=actor
    )
