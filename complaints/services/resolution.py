"""Steps 2 and 3, apologise and resolve: the apology, offers, approvals beyond authority, the answer."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import authority, reminders, selectors
from complaints import system_text as keys
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
    ApprovalRequest,
    Complaint,
    EventKind,
    Offer,
    OfferStatus,
    Remedy,
    RemedyType,
)
from complaints.services import problems
from complaints.services.notifications import notify
from complaints.workflow import Action, Status
from hotel_crm import system_text


@transaction.atomic
def complaint_apologise(
    *,
    complaint: Complaint,
    actor: User,
    expected_version: int | None,
    method: str,
    note: str = "",
    apologised_by: User | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """Record who apologised, how and when, and move on to resolving."""
    complaint = case_lock(complaint, expected_version)
    case_check(complaint, Action.APOLOGISE, actor=actor)
    at = at or timezone.now()
    if at > timezone.now() + FUTURE_SKEW:
        raise ComplaintError(_("The apology cannot be in the future."))
    apologised_by = apologised_by or actor
    complaint.apologised_by = apologised_by
    complaint.apologised_via = method
    complaint.apologised_at = at
    case_move(
        complaint,
        Status.RESOLVING,
        actor,
        EventKind.APOLOGISED,
        note=note.strip(),
        data={"method": method, "by": apologised_by.get_username()},
        fields=("apologised_by", "apologised_via", "apologised_at"),
    )
    return complaint


def _offer_kind(
    *, complaint: Complaint, remedy: Remedy | None, remedy_type: str, description: str, value: Decimal
) -> str:
    """The kind of remedy offered (the catalogue remedy's, if one is chosen); raises if not a valid offer."""
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
    return remedy_type


def _offer_approval_request(
    offer: Offer,
    actor: User,
    *,
    limits: authority.Limits,
    case_total: Decimal,
    day_total: Decimal,
    reason: str,
    data: dict,
) -> None:
    """Ask staff whose limit covers it to approve an offer beyond the actor's authority, on the timeline."""
    complaint, prop, value = offer.complaint, offer.complaint.property, offer.value
    why = (
        system_text.message(keys.OVER_CASE_LIMIT, total=str(case_total), limit=str(limits.per_case))
        if case_total > limits.per_case
        else system_text.message(keys.OVER_DAY_LIMIT, total=str(day_total), limit=str(limits.per_day))
    )
    ApprovalRequest.objects.create(
        property=prop, offer=offer, requested_by=actor, reason=reason.strip()[:300]
    )
    case_event(
        complaint,
        EventKind.APPROVAL_REQUESTED,
        actor,
        data={
            **data,
            "text": system_text.message(
                keys.APPROVAL_LINE,
                description=offer.description,
                value=str(value),
                currency=prop.currency,
                why=why,
            ),
        },
    )
    approvers = selectors.approvers_for(prop, amount_on_case=case_total, exclude_user_id=actor.pk)
    notify(
        selectors.staff_who_may_see(complaint=complaint, candidates=approvers),
        prop=prop,
        url=complaint.get_absolute_url(),
        text=system_text.message(
            keys.APPROVAL_NEEDED,
            ref=complaint.reference,
            what=offer.description,
            value=str(value),
            currency=prop.currency,
        ),
    )


@transaction.atomic
def offer_make(
    *,
    complaint: Complaint,
    actor: User,
    expected_version: int | None,
    remedy_type: str = "",
    description: str,
    value: Decimal = Decimal("0"),
    remedy: Remedy | None = None,
    reason: str = "",
) -> Offer:
    """Offer the guest a solution. Within the clerk's authority it goes to the guest at once;
    beyond it, it becomes an approval request to staff whose limit covers it (权限, by application)."""
    complaint = case_lock(complaint, expected_version)
    case_check(complaint, Action.MAKE_OFFER, actor=actor)
    remedy_type = _offer_kind(
        complaint=complaint, remedy=remedy, remedy_type=remedy_type, description=description, value=value
    )
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
    case_save(complaint)
    data = {"offer": offer.pk, "remedy": remedy_type, "value": str(value)}
    reminders.reschedule(complaint)  # an offer is out: the "make an offer" reminder is done
    if within:
        case_event(complaint, EventKind.OFFERED, actor, note=offer.description, data=data)
        return offer
    _offer_approval_request(
        offer, actor, limits=limits, case_total=case_total, day_total=day_total, reason=reason, data=data
    )
    return offer


@transaction.atomic
def approval_decide(
    *, approval: ApprovalRequest, approver: User, approve: bool, note: str = ""
) -> ApprovalRequest:
    """Approve or decline a request to a superior; the requester is told either way.

    An offer beyond the requester's authority, or a decision asked about a problem (both 权限 gained
    by application): one request, one route (the approvals page), one decision.
    """
    if approval.problem_id is not None:
        return problems.problem_decide(approval=approval, approver=approver, approve=approve, note=note)
    assert approval.offer is not None  # an offer's request, by the table's constraint
    complaint = case_lock(approval.offer.complaint, None)
    approval = (
        ApprovalRequest.objects.select_for_update(of=("self",)).select_related("offer").get(pk=approval.pk)
    )
    if approval.state != ApprovalRequest.State.PENDING:
        raise ComplaintError(_("This request was already decided."))
    offer = approval.offer
    assert offer is not None
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
    case_save(complaint)
    kind = EventKind.APPROVED if approve else EventKind.NOT_APPROVED
    case_event(complaint, kind, approver, note=note.strip() or offer.description, data={"offer": offer.pk})
    reminders.reschedule(complaint)  # not approved: an offer is due again
    text = system_text.message(
        keys.APPROVED if approve else keys.NOT_APPROVED, ref=complaint.reference, what=offer.description
    )
    notify([approval.requested_by], prop=prop, text=text, url=complaint.get_absolute_url())
    return approval


@transaction.atomic
def offer_answer(
    *,
    complaint: Complaint,
    offer_id: int,
    actor: User,
    expected_version: int | None,
    accepted: bool,
    response: str = "",
) -> Offer:
    """Record the guest's answer. Accepted: on to follow-up. Declined: keep offering."""
    complaint = case_lock(complaint, expected_version)
    case_check(complaint, Action.ACCEPT_OFFER if accepted else Action.DECLINE_OFFER, actor=actor)
    offer = Offer.objects.select_for_update().filter(pk=offer_id, complaint=complaint).first()
    if offer is None or offer.status != OfferStatus.PROPOSED:
        raise ComplaintError(_("That offer was already answered."))
    offer.status = OfferStatus.ACCEPTED if accepted else OfferStatus.DECLINED
    offer.decided_at = timezone.now()
    offer.guest_response = response.strip()
    offer.save(update_fields=["status", "decided_at", "guest_response"])
    data = {"offer": offer.pk}
    if accepted:
        case_move(
            complaint, Status.FOLLOWING_UP, actor, EventKind.OFFER_ACCEPTED, note=offer.description, data=data
        )
    else:
        case_save(complaint)
        case_event(
            complaint,
            EventKind.OFFER_DECLINED,
            actor,
            note=offer.guest_response or offer.description,
            data=data,
        )
        reminders.reschedule(complaint)  # keep offering: the next offer is due
    return offer
