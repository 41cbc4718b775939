"""The case page and the guest's cases: what they show, in a fixed number of queries."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from complaints import workflow
from complaints.models import (
    Complaint,
    ComplaintEvent,
    FollowUpAction,
    Offer,
    OfferStatus,
)
from complaints.selectors.access import (
    SENSITIVE_PERMISSION,
    complaints_visible_to,
    has_perm_at,
    sensitive_rule,
)
from hotel_crm.models import Property


def case_facts(
    *, complaint: Complaint, offers: Iterable[Offer], actions: Iterable[FollowUpAction]
) -> workflow.Facts:
    """What the workflow table needs to know about the case, from its offers and follow-up actions.

    The one place Facts are built: the services (with the row locked) and the case page both call it.
    """
    statuses = [offer.status for offer in offers]
    return workflow.Facts(
        restated_confirmed=complaint.restated_confirmed,
        open_offers=statuses.count(OfferStatus.PROPOSED),
        accepted_offers=statuses.count(OfferStatus.ACCEPTED),
        open_actions=sum(action.done_at is None for action in actions),
        pending_approvals=statuses.count(OfferStatus.AWAITING_APPROVAL),
    )


@dataclass
class CasePage:
    complaint: Complaint
    offers: list[Offer]
    actions: list[FollowUpAction]
    events: list[ComplaintEvent]
    facts: workflow.Facts
    other_cases: list[Complaint]
    similar: list[Complaint]
    granted: object = 0


def complaint_for_user(*, user: User | AnonymousUser, prop: Property, pk: int) -> Complaint | None:
    """The case, if `user` may see it at this property (else None: the view answers 404)."""
    complaint = (
        complaints_visible_to(user=user, property=prop)
        .select_related(
            "guest",
            "stay",
            "room__room_type",
            "department",
            "category",
            "owner",
            "assignee",
            "apologised_by",
        )
        .filter(pk=pk)
        .order_by()  # one row by key: no sort
        .first()
    )
    if complaint is not None:
        # The hotel is the one asked for: one join fewer keeps PostgreSQL's planning time down
        # (a 12-table join took longer to plan, 9 ms, than to run, 0.5 ms).
        complaint.property = prop
    return complaint


def case_page(*, complaint: Complaint, user: User | AnonymousUser) -> CasePage:
    """Everything the case page shows to `user`, in a fixed number of queries."""
    offers = list(complaint.offers.select_related("offered_by", "authorised_by", "approval__decided_by"))
    actions = list(complaint.actions.select_related("department", "assignee", "done_by"))
    events = list(complaint.events.select_related("actor"))
    facts = case_facts(complaint=complaint, offers=offers, actions=actions)
    other = []
    if complaint.guest_id:
        # The guest's cases at every hotel (know the guest); sensitive ones only where the user may see them.
        here = has_perm_at(user, complaint.property, SENSITIVE_PERMISSION)
        other = list(
            Complaint.objects.filter(guest_id=complaint.guest_id)
            .filter(
                Q(property=complaint.property) & sensitive_rule(user=user, may_see_sensitive=here)
                | ~Q(property=complaint.property)
                & sensitive_rule(user=user, may_see_sensitive=user.is_superuser)
            )
            .exclude(pk=complaint.pk)
            .select_related("property", "category")
            .order_by("-reported_at")[:10]
        )
    return CasePage(
        complaint=complaint,
        offers=offers,
        actions=actions,
        events=events,
        facts=facts,
        other_cases=other,
        similar=similar_cases(complaint=complaint, user=user),
        granted=granted_on_case(offers=offers),
    )


def similar_cases(
    *, complaint: Complaint, user: User | AnonymousUser, days: int = 90, limit: int = 10
) -> list[Complaint]:
    """Recent cases `user` may see about the same room, category in the same area, or guest."""
    condition = Q(pk__in=[])
    if complaint.room_id:
        condition |= Q(room_id=complaint.room_id)
    if complaint.category_id:
        condition |= Q(category_id=complaint.category_id, area=complaint.area)
    if complaint.guest_id:
        condition |= Q(guest_id=complaint.guest_id)
    since = (complaint.reported_at or timezone.now()) - dt.timedelta(days=days)
    queryset = complaints_visible_to(user=user, property=complaint.property).filter(
        condition, reported_at__gte=since
    )
    if complaint.pk:
        queryset = queryset.exclude(pk=complaint.pk)
    return list(queryset.select_related("room", "category", "guest").order_by("-reported_at")[:limit])


def guest_cases(
    *, user: User | AnonymousUser, guest_id: int, prop: Property, group_wide: bool
) -> list[Complaint]:
    """A guest's cases `user` may see, for the profile: this hotel's (every hotel's if group-wide)."""
    if group_wide:
        # Group-level staff: sensitive cases elsewhere only for superusers or the staff involved.
        here = has_perm_at(user, prop, SENSITIVE_PERMISSION)
        queryset: QuerySet[Complaint] = Complaint.objects.filter(
            Q(property=prop) & sensitive_rule(user=user, may_see_sensitive=here)
            | ~Q(property=prop) & sensitive_rule(user=user, may_see_sensitive=user.is_superuser)
        )
    else:
        queryset = complaints_visible_to(user=user, property=prop)
    queryset = queryset.filter(guest_id=guest_id).select_related("property", "category", "department")
    return list(queryset.order_by("-reported_at")[:50])


def guest_case_counts_elsewhere(*, guest_id: int, prop: Property) -> int:
    return Complaint.objects.filter(guest_id=guest_id).exclude(property=prop).count()


def granted_on_case(*, offers: list[Offer]) -> Decimal | int:
    return sum((o.value for o in offers if o.status == OfferStatus.ACCEPTED), start=0)


def granted_to_guest(*, guest_id: int, prop: Property) -> Decimal | int:
    """Compensation the guest has accepted at this hotel, over their lifetime (one currency per hotel)."""
    offers = Offer.objects.filter(
        complaint__guest_id=guest_id, complaint__property=prop, status=OfferStatus.ACCEPTED
    )
    return offers.aggregate(t=Sum("value"))["t"] or 0
