"""Every write to a complaint case. Status changes only here, checked against workflow.TRANSITIONS."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from complaints import authority, case_permissions, reminders, selectors, signals, workflow
from complaints.models import (
    ApprovalRequest,
    Area,
    Category,
    Complaint,
    ComplaintEvent,
    CourtesyCheck,
    CourtesyOutcome,
    Department,
    EventKind,
    FollowUpAction,
    Notification,
    Offer,
    OfferStatus,
    Remedy,
    RemedyType,
    Reminder,
    ReminderKind,
    ReminderStatus,
    VerdictSource,
)
from complaints.workflow import Action, InvalidTransition, Status, Verdict
from guests.models import Guest, Stay, StayStatus
from hotel_crm.models import Property
from rooms.models import Room

FUTURE_SKEW = dt.timedelta(minutes=10)


class ComplaintError(Exception):
    """A change that cannot be made; the message is for the clerk."""


class StaleComplaint(ComplaintError):
    """Someone else changed the case since the page was loaded."""


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


# --- helpers ---------------------------------------------------------------------------


def _event(
    complaint: Complaint, kind: str, actor, *, note: str = "", data=None, from_status="", to_status=""
):
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor,
        note=note,
        data=data or {},
        from_status=from_status,
        to_status=to_status,
    )


def _lock(complaint: Complaint, expected_version: int | None) -> Complaint:
    """Lock the case row; refuse if it changed since the clerk loaded it."""
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
        when = date_format(timezone.localtime(last.at), "SHORT_DATETIME_FORMAT") if last else ""
        raise StaleComplaint(
            _(
                "This case was just changed by %(who)s (%(when)s). Reload the page to see the change; "
                "what you entered here was not saved."
            )
            % {"who": who, "when": when}
        )
    return locked


def _facts(complaint: Complaint) -> workflow.Facts:
    offers = Offer.objects.filter(complaint=complaint).aggregate(
        open=Count("pk", filter=Q(status=OfferStatus.PROPOSED)),
        accepted=Count("pk", filter=Q(status=OfferStatus.ACCEPTED)),
        pending=Count("pk", filter=Q(status=OfferStatus.AWAITING_APPROVAL)),
    )
    open_actions = FollowUpAction.objects.filter(complaint=complaint, done_at__isnull=True).count()
    return workflow.Facts(
        restated_confirmed=complaint.restated_confirmed,
        open_offers=offers["open"],
        accepted_offers=offers["accepted"],
        open_actions=open_actions,
        pending_approvals=offers["pending"],
    )


def _check(complaint: Complaint, action: Action, actor=None) -> workflow.Transition:
    """The guard of every step: the case page offers exactly what this accepts (case_permissions).

    A staff actor needs the transition's permission in their role at the case's hotel, else
    PermissionDenied; no actor is the guest answering through their own link (guest_voice).
    """
    facts = _facts(complaint)
    try:
        if actor is None:
            return workflow.assert_can(action, complaint.status, facts)
        return case_permissions.case_assert_can(user=actor, complaint=complaint, action=action, facts=facts)
    except InvalidTransition as error:
        raise ComplaintError(str(error)) from error


def _save(complaint: Complaint, *fields: str) -> None:
    complaint.version += 1
    complaint.save(update_fields=[*fields, "version", "updated_at"])


def _move(
    complaint: Complaint, target: Status, actor, kind: str, *, note: str = "", data=None, fields=()
) -> None:
    source = complaint.status
    complaint.status = target
    if target == Status.CLOSED:
        complaint.closed_at = timezone.now()
        fields = (*fields, "closed_at")
    _save(complaint, "status", *fields)
    _event(complaint, kind, actor, note=note, data=data, from_status=source, to_status=target)
    reminders.reschedule(complaint)
    signals.complaint_step_changed.send(
        sender=Complaint, complaint=complaint, actor=actor, from_status=source, to_status=target
    )
    if target == Status.CLOSED:
        signals.complaint_closed.send(sender=Complaint, complaint=complaint, actor=actor)


def _next_reference(prop: Property, now: dt.datetime) -> str:
    # Lock the property row so two clerks logging at once get different numbers.
    Property.objects.select_for_update().get(pk=prop.pk)
    year = prop.today(now).year
    prefix = f"{prop.code}-{year}-"
    # Text order finds the highest number up to 99,999 (then "-100000" sorts before "-99999");
    # the property's newest case has the highest number of its year however long the number
    # is, since numbers are given out under this lock in insertion order. Both are one index probe.
    last_by_text = (
        Complaint.objects.filter(property=prop, reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    newest = (
        Complaint.objects.filter(property=prop).order_by("-pk").values_list("reference", flat=True).first()
    )
    number = 1 + max(
        (int(ref.rsplit("-", 1)[1]) for ref in (last_by_text, newest) if ref and ref.startswith(prefix)),
        default=0,
    )
    return f"{prefix}{number:05d}"


# --- step 1: listen --------------------------------------------------------------------


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


@transaction.atomic
def complaint_log(
    *,
    prop: Property,
    actor: AbstractBaseUser,
    data: ComplaintInput,
    submission_key: str = "",
    courtesy_check: CourtesyCheck | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Log a case (step 1). The same `submission_key` twice (a double click) returns the first case."""
    now = now or timezone.now()
    if submission_key:
        existing = Complaint.objects.filter(property=prop, submission_key=submission_key).first()
        if existing:
            return existing
    _validate_input(prop, data, now)
    stay, guest, room = data.stay, data.guest, data.room
    if stay:
        guest = stay.guest
    elif guest:
        stay = Stay.objects.for_property(prop).filter(guest=guest, status=StayStatus.IN_HOUSE).first()
    if data.area == Area.ROOM and room is None and stay is not None:
        room = stay.room
    complaint = Complaint(
        property=prop,
        reference=_next_reference(prop, now),
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
    rule = selectors.prevention_rule(prop=prop)
    reason = selectors.repeat_reason(complaint=complaint, rule=rule, now=now)
    if reason:
        complaint.is_repeat, complaint.repeat_reason = True, reason
    try:
        with transaction.atomic():
            complaint.save()
    except IntegrityError:
        if submission_key:  # the other click won the race: show its case
            return Complaint.objects.get(property=prop, submission_key=submission_key)
        raise
    _event(complaint, EventKind.LOGGED, actor, to_status=Status.LISTENING, note=complaint.guest_words)
    reminders.reschedule(complaint, now)
    signals.complaint_created.send(sender=Complaint, complaint=complaint, actor=actor)
    if reason:
        _event(complaint, EventKind.REPEAT_FLAGGED, actor, note=reason)
    if courtesy_check is not None:
        CourtesyCheck.objects.filter(pk=courtesy_check.pk, complaint__isnull=True).update(complaint=complaint)
    if data.restated_confirmed:
        complaint.restated_confirmed = True
        _check(complaint, Action.CONFIRM_RESTATEMENT, actor)
        _move(complaint, Status.APOLOGISING, actor, EventKind.RESTATED, fields=("restated_confirmed",))
    return complaint


@transaction.atomic
def complaint_confirm_restatement(
    *, complaint: Complaint, actor, expected_version: int | None, confirmed: bool, note: str = ""
) -> Complaint:
    """Step 1 done: the clerk restated the problem and the guest confirmed it."""
    complaint = _lock(complaint, expected_version)
    complaint.restated_confirmed = bool(confirmed)
    _check(complaint, Action.CONFIRM_RESTATEMENT, actor)
    _move(
        complaint,
        Status.APOLOGISING,
        actor,
        EventKind.RESTATED,
        note=note.strip(),
        fields=("restated_confirmed",),
    )
    return complaint


# --- step 2: apologise -------------------------------------------------------------------


@transaction.atomic
def complaint_apologise(
    *,
    complaint: Complaint,
    actor,
    expected_version: int | None,
    method: str,
    note: str = "",
    apologised_by: AbstractBaseUser | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """Record who apologised, how and when, and move on to resolving."""
    complaint = _lock(complaint, expected_version)
    _check(complaint, Action.APOLOGISE, actor)
    at = at or timezone.now()
    if at > timezone.now() + FUTURE_SKEW:
        raise ComplaintError(_("The apology cannot be in the future."))
    complaint.apologised_by = apologised_by or actor
    complaint.apologised_via = method
    complaint.apologised_at = at
    _move(
        complaint,
        Status.RESOLVING,
        actor,
        EventKind.APOLOGISED,
        note=note.strip(),
        data={"method": method, "by": complaint.apologised_by.get_username()},
        fields=("apologised_by", "apologised_via", "apologised_at"),
    )
    return complaint


# --- step 3: resolve ---------------------------------------------------------------------


@transaction.atomic
def offer_make(
    *,
    complaint: Complaint,
    actor,
    expected_version: int | None,
    remedy_type: str = "",
    description: str,
    value: Decimal = Decimal("0"),
    remedy: Remedy | None = None,
    reason: str = "",
) -> Offer:
    """Offer the guest a solution. Within the clerk's authority it goes to the guest at once;
    beyond it, it becomes an approval request to staff whose limit covers it (权限, by application)."""
    complaint = _lock(complaint, expected_version)
    _check(complaint, Action.MAKE_OFFER, actor)
    if remedy is not None:
        if remedy.property_id != complaint.property_id or not remedy.is_active:
            raise ComplaintError(_("That remedy is not in this hotel's catalogue."))
        remedy_type = remedy.kind
    if remedy_type not in RemedyType.values:
        raise ComplaintError(_("Choose a kind of remedy."))
    if not description.strip():
        raise ComplaintError(_("Say what exactly is offered."))
    if value < 0:
        raise ComplaintError(_("The value cannot be negative."))
    prop = complaint.property
    # Serialise this person's offers: two made at the same moment cannot both fit under the daily limit.
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    day = prop.today()
    limits = authority.limits_for(actor, prop)
    case_total = authority.case_total(complaint) + value
    day_total = authority.day_total(actor, prop, day) + value
    within = value == 0 or limits.covers(case_total=case_total, day_total=day_total)
    offer = Offer.objects.create(
        complaint=complaint,
        remedy_type=remedy_type,
        remedy=remedy,
        description=description.strip(),
        value=value,
        currency=prop.currency,
        offered_by=actor,
        status=OfferStatus.PROPOSED if within else OfferStatus.AWAITING_APPROVAL,
        authorised_by=actor if within else None,
        business_day=day if within else None,
    )
    _save(complaint)
    data = {"offer": offer.pk, "remedy": remedy_type, "value": str(value)}
    reminders.reschedule(complaint)  # an offer is out: the "make an offer" reminder is done
    if within:
        _event(complaint, EventKind.OFFERED, actor, note=offer.description, data=data)
        return offer
    why = (
        _("over the limit on one case (%(total)s of %(limit)s)")
        % {"total": case_total, "limit": limits.per_case}
        if case_total > limits.per_case
        else _("over today's limit (%(total)s of %(limit)s)") % {"total": day_total, "limit": limits.per_day}
    )
    ApprovalRequest.objects.create(
        property=prop, offer=offer, requested_by=actor, reason=reason.strip()[:300]
    )
    _event(
        complaint,
        EventKind.APPROVAL_REQUESTED,
        actor,
        note=f"{offer.description} · {value} {prop.currency} · {why}",
        data=data,
    )
    approvers = authority.approvers_for(prop, amount_on_case=case_total, exclude_user_id=actor.pk)
    notify(
        selectors.staff_who_may_see(complaint=complaint, candidates=approvers),
        prop=prop,
        url=f"/complaints/{complaint.pk}/",
        text=_("Approval needed on %(ref)s: %(what)s (%(value)s %(currency)s).")
        % {"ref": complaint.reference, "what": offer.description, "value": value, "currency": prop.currency},
    )
    return offer


@transaction.atomic
def approval_decide(*, approval: ApprovalRequest, approver, approve: bool, note: str = "") -> ApprovalRequest:
    """Approve or decline an offer beyond the requester's authority; the requester is told either way."""
    complaint = _lock(approval.offer.complaint, None)
    approval = ApprovalRequest.objects.select_for_update().select_related("offer").get(pk=approval.pk)
    if approval.state != ApprovalRequest.State.PENDING:
        raise ComplaintError(_("This request was already decided."))
    offer = approval.offer
    prop = complaint.property
    if approver.pk == approval.requested_by_id:
        raise ComplaintError(_("You cannot approve your own request."))
    get_user_model().objects.select_for_update().filter(pk=approver.pk).first()
    day = prop.today()
    if approve:
        limits = authority.limits_for(approver, prop)
        case_total = authority.case_total(complaint, exclude_offer=offer.pk) + offer.value
        day_total = authority.day_total(approver, prop, day) + offer.value
        if not limits.covers(case_total=case_total, day_total=day_total):
            raise ComplaintError(
                _("This is beyond your own authority too; it needs someone with a higher limit.")
            )
        offer.status, offer.authorised_by, offer.business_day = OfferStatus.PROPOSED, approver, day
        approval.state = ApprovalRequest.State.APPROVED
    else:
        if not note.strip():
            raise ComplaintError(
                _("Say why the offer is not approved, so the clerk can offer something else.")
            )
        offer.status = OfferStatus.NOT_APPROVED
        approval.state = ApprovalRequest.State.DECLINED
    offer.save(update_fields=["status", "authorised_by", "business_day"])
    approval.decided_by, approval.decided_at, approval.decision_note = (
        approver,
        timezone.now(),
        note.strip()[:300],
    )
    approval.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    _save(complaint)
    kind = EventKind.APPROVED if approve else EventKind.NOT_APPROVED
    _event(complaint, kind, approver, note=note.strip() or offer.description, data={"offer": offer.pk})
    reminders.reschedule(complaint)  # not approved: an offer is due again
    text = (
        _("Approved on %(ref)s: %(what)s. You may now offer it to the guest.")
        if approve
        else _("Not approved on %(ref)s: %(what)s. Offer something else.")
    ) % {"ref": complaint.reference, "what": offer.description}
    notify([approval.requested_by], prop=prop, text=text, url=f"/complaints/{complaint.pk}/")
    return approval


def notify(recipients, *, prop: Property, text: str, url: str = "") -> None:
    """In-app notifications (the bell)."""
    Notification.objects.bulk_create(
        Notification(recipient=user, property=prop, text=text[:300], url=url) for user in recipients
    )


def notifications_mark_read(*, user, prop: Property, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, property=prop, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def offer_answer(
    *,
    complaint: Complaint,
    offer_id: int,
    actor,
    expected_version: int | None,
    accepted: bool,
    response: str = "",
) -> Offer:
    """Record the guest's answer. Accepted: on to follow-up. Declined: keep offering."""
    complaint = _lock(complaint, expected_version)
    _check(complaint, Action.ACCEPT_OFFER if accepted else Action.DECLINE_OFFER, actor)
    offer = Offer.objects.select_for_update().filter(pk=offer_id, complaint=complaint).first()
    if offer is None or offer.status != OfferStatus.PROPOSED:
        raise ComplaintError(_("That offer was already answered."))
    offer.status = OfferStatus.ACCEPTED if accepted else OfferStatus.DECLINED
    offer.decided_at = timezone.now()
    offer.guest_response = response.strip()
    offer.save(update_fields=["status", "decided_at", "guest_response"])
    data = {"offer": offer.pk}
    if accepted:
        _move(
            complaint, Status.FOLLOWING_UP, actor, EventKind.OFFER_ACCEPTED, note=offer.description, data=data
        )
    else:
        _save(complaint)
        _event(
            complaint,
            EventKind.OFFER_DECLINED,
            actor,
            note=offer.guest_response or offer.description,
            data=data,
        )
        reminders.reschedule(complaint)  # keep offering: the next offer is due
    return offer


# --- step 4: follow up -------------------------------------------------------------------


@transaction.atomic
def action_add(
    *,
    complaint: Complaint,
    actor,
    expected_version: int | None,
    description: str,
    due_at: dt.datetime,
    department: Department | None = None,
    assignee: AbstractBaseUser | None = None,
) -> FollowUpAction:
    """Add something that must happen, with who does it and by when."""
    complaint = _lock(complaint, expected_version)
    _check(complaint, Action.ADD_ACTION, actor)
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
    _save(complaint)
    _event(
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
    return action


@transaction.atomic
def action_complete(
    *, complaint: Complaint, action_id: int, actor, expected_version: int | None, note: str = ""
) -> FollowUpAction:
    """Mark a follow-up action done (check it really happened)."""
    complaint = _lock(complaint, expected_version)
    _check(complaint, Action.COMPLETE_ACTION, actor)
    action = FollowUpAction.objects.select_for_update().filter(pk=action_id, complaint=complaint).first()
    if action is None or action.done_at:
        raise ComplaintError(_("That action is already done."))
    action.done_at = timezone.now()
    action.done_by = actor
    action.done_note = note.strip()
    action.save(update_fields=["done_at", "done_by", "done_note"])
    _save(complaint)
    _event(
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
            url=f"/complaints/{complaint.pk}/",
            text=_("Done on %(ref)s: %(what)s") % {"ref": complaint.reference, "what": action.description},
        )
    reminders.reschedule(complaint)
    return action


@transaction.atomic
def complaint_request_verification(*, complaint: Complaint, actor, expected_version: int | None) -> Complaint:
    """Everything promised has happened: go back to the guest."""
    complaint = _lock(complaint, expected_version)
    _check(complaint, Action.REQUEST_VERIFICATION, actor)
    note, data = "", None
    if not (complaint.guest_id and complaint.guest.erased_at):
        from complaints import guest_voice  # it builds on this module

        # The guest's own answer: emailed when there is an address, a QR code on the case page always.
        check = guest_voice.guest_check_create(complaint=complaint, actor=actor)
        note, data = guest_voice.link_note(check), {"check": check.pk}
    _move(complaint, Status.VERIFYING, actor, EventKind.VERIFICATION_REQUESTED, note=note, data=data)
    return complaint


# --- step 5: verify ----------------------------------------------------------------------


@transaction.atomic
def complaint_verify(
    *,
    complaint: Complaint,
    actor,
    expected_version: int | None,
    verdict: str,
    note: str = "",
    root_cause: str = "",
    preventive_action: str = "",
) -> Complaint:
    """Record the guest's verdict: dissatisfied goes back to resolving; a repeat needs a diagnosis."""
    complaint = _lock(complaint, expected_version)
    _check(complaint, Action.VERIFY, actor)
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
    _move(
        complaint,
        target,
        actor,
        EventKind.VERIFIED,
        note=note.strip(),
        data={"verdict": verdict},
        fields=fields,
    )
    if "root_cause" in fields:
        _event(
            complaint,
            EventKind.DIAGNOSED,
            actor,
            note=f"{complaint.root_cause}\n→ {complaint.preventive_action}",
        )
    return complaint


# --- any time ---------------------------------------------------------------------------


@transaction.atomic
def complaint_withdraw(
    *, complaint: Complaint, actor, expected_version: int | None, reason: str
) -> Complaint:
    complaint = _lock(complaint, expected_version)
    _check(complaint, Action.WITHDRAW, actor)
    if not reason.strip():
        raise ComplaintError(_("Say why the case is withdrawn."))
    complaint.withdrawn_reason = reason.strip()[:300]
    _move(
        complaint,
        Status.WITHDRAWN,
        actor,
        EventKind.WITHDRAWN,
        note=complaint.withdrawn_reason,
        fields=("withdrawn_reason",),
    )
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, actor, expected_version: int | None, reason: str) -> Complaint:
    """A manager reopens a closed or withdrawn case: it goes back to resolving."""
    complaint = _lock(complaint, expected_version)
    _check(complaint, Action.REOPEN, actor)
    if not reason.strip():
        raise ComplaintError(_("Say why the case is reopened."))
    # The old verdict stays on the timeline; the reopened case is no longer recovered (or OK).
    complaint.closed_at = None
    complaint.verdict = ""
    complaint.verdict_source = ""
    complaint.verified_at = None
    _move(
        complaint,
        Status.RESOLVING,
        actor,
        EventKind.REOPENED,
        note=reason.strip(),
        fields=("closed_at", "verdict", "verdict_source", "verified_at"),
    )
    return complaint


@transaction.atomic
def complaint_assign(*, complaint: Complaint, actor, expected_version: int | None, assignee) -> Complaint:
    """Hand the case to another staff member of this hotel."""
    complaint = _lock(complaint, expected_version)
    if not complaint.is_open():
        raise ComplaintError(_("A closed or withdrawn case cannot be reassigned; reopen it first."))
    if not selectors.staff_of_property(prop=complaint.property).filter(pk=assignee.pk).exists():
        raise ComplaintError(_("That person does not work at this hotel."))
    if assignee.pk == complaint.assignee_id:
        return complaint
    previous = complaint.assignee
    complaint.assignee = assignee
    _save(complaint, "assignee")
    _event(
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
    *, complaint: Complaint, actor, expected_version: int | None, changes: dict
) -> Complaint:
    """Correct what was captured when listening (the three keys, department, severity…); the guest's
    own words stay as first written (add a note instead). Every change is on the timeline."""
    complaint = _lock(complaint, expected_version)
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
    occurred = changes.get("occurred_at") or complaint.occurred_at
    if occurred > complaint.reported_at + FUTURE_SKEW:
        raise ComplaintError(_("It cannot have been reported before it happened."))
    diff = {}
    for name, value in changes.items():
        old = getattr(complaint, name)
        if name == "occurred_at" and value is None:
            continue
        if old != value:
            diff[name] = (str(old) if old is not None else "", str(value) if value is not None else "")
            setattr(complaint, name, value)
    if not diff:
        return complaint
    _save(complaint, *diff.keys())
    _event(
        complaint,
        EventKind.UPDATED,
        actor,
        note="; ".join(f"{k}: {a} → {b}" for k, (a, b) in diff.items()),
        data={k: list(v) for k, v in diff.items()},
    )
    if {"severity", "department"} & diff.keys():
        reminders.reschedule(complaint)
    return complaint


@transaction.atomic
def complaint_add_note(*, complaint: Complaint, actor, note: str) -> ComplaintEvent:
    """A note on the timeline; notes never conflict, so no version check."""
    if not note.strip():
        raise ComplaintError(_("The note is empty."))
    return _event(complaint, EventKind.NOTE, actor, note=note.strip()[:2000])


@transaction.atomic
def complaint_record_delight(*, complaint: Complaint, actor, note: str) -> ComplaintEvent:
    """The sixth touch: a small surprise after the recovery (fruit basket, handwritten card)."""
    if not note.strip():
        raise ComplaintError(_("Describe the surprise."))
    if complaint.status in (Status.LISTENING, Status.APOLOGISING, Status.WITHDRAWN):
        raise ComplaintError(_("A delight gesture comes after the problem is being resolved."))
    return _event(complaint, EventKind.DELIGHT, actor, note=note.strip()[:500])


@transaction.atomic
def courtesy_check_log(*, prop: Property, stay: Stay, actor, outcome: str, note: str = "") -> CourtesyCheck:
    """Record a proactive "how is your stay?" and what the guest said."""
    if stay.property_id != prop.pk:
        raise ComplaintError(_("That stay belongs to another hotel."))
    if outcome not in CourtesyOutcome.values:
        raise ComplaintError(_("Choose what the guest said."))
    return CourtesyCheck.objects.create(
        property=prop, stay=stay, outcome=outcome, note=note.strip()[:500], checked_by=actor
    )


@transaction.atomic
def complaint_review(*, complaint: Complaint, reviewer, comment: str = ""):
    """A manager marks the case reviewed; the comment stays on the timeline."""
    from complaints.models import Review

    review = Review.objects.create(complaint=complaint, reviewer=reviewer, comment=comment.strip()[:1000])
    _event(complaint, EventKind.REVIEWED, reviewer, note=review.comment)
    return review
