"""Authority: pending approvals, who may approve, and the spend ledger."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from complaints import authority
from complaints.models import (
    ApprovalRequest,
    AuthorityLimit,
    Offer,
    OfferStatus,
)
from complaints.selectors.access import complaints_visible_to, has_perm_at, staff_of_property
from hotel_crm.models import Property


def requests_visible_to(*, prop: Property, user: User | AnonymousUser) -> QuerySet[ApprovalRequest]:
    """Requests `user` may see: offers on cases they may see, decisions on problems if they see problems.

    The case rule is checked per request (EXISTS on the offer's case), not as `IN (every visible case)`:
    inside the OR below PostgreSQL would hash all the hotel's cases on every call (0.3 s at a million).
    """
    visible = Q(
        Exists(complaints_visible_to(user=user, property=prop).filter(pk=OuterRef("offer__complaint_id")))
    )
    if has_perm_at(user, prop, "complaints.view_problem"):
        visible |= Q(problem__isnull=False)
    return ApprovalRequest.objects.for_property(prop).filter(visible)


def pending_approvals(*, prop: Property, user: User) -> list[ApprovalRequest]:
    """Pending requests at this property (offers and decisions), each marked whether `user` may decide it."""
    requests = list(
        requests_visible_to(prop=prop, user=user)
        .filter(state=ApprovalRequest.State.PENDING)
        .select_related("offer__complaint__guest", "problem__category", "problem__department", "requested_by")
        .order_by("requested_at")[:200]
    )
    limits = authority.limits_for(user, prop)
    decides = has_perm_at(user, prop, "complaints.decide_problem")
    for request in requests:
        mine = request.requested_by_id == user.pk
        if request.offer is not None:
            request.can_decide = not mine and limits.per_case >= request.offer.value
        else:
            request.can_decide = not mine and decides
    return requests


def pending_approval_count(*, prop: Property) -> int:
    return ApprovalRequest.objects.for_property(prop).filter(state=ApprovalRequest.State.PENDING).count()


def spend_ledger(*, prop: Property, months: int = 12) -> dict:
    """Compensation granted (accepted offers) per month and per department, in SQL."""
    accepted = Offer.objects.filter(complaint__property=prop, status=OfferStatus.ACCEPTED)
    since = prop.today() - dt.timedelta(days=31 * months)
    accepted = accepted.filter(business_day__gte=since)
    by_month = list(
        accepted.annotate(month=TruncMonth("business_day"))
        .values("month")
        .annotate(total=Sum("value"), offers=Count("pk"))
        .order_by("-month")
    )
    by_department = list(
        accepted.values("complaint__department__name_en", "complaint__department__name_zh")
        .annotate(total=Sum("value"), offers=Count("pk"))
        .order_by("-total")
    )
    return {
        "by_month": by_month,
        "by_department": by_department,
        "total": sum((row["total"] for row in by_month), start=0),
    }


def approvers_for(
    prop: Property, *, amount_on_case: Decimal, exclude_user_id: int | None = None
) -> QuerySet[User]:
    """Staff of the property whose per-case limit covers the amount (daily limits are checked on approval)."""
    role_ok = AuthorityLimit.objects.for_property(prop).filter(
        role__isnull=False, per_case__gte=amount_on_case
    )
    person_ok = AuthorityLimit.objects.for_property(prop).filter(
        user__isnull=False, per_case__gte=amount_on_case
    )
    person_low = AuthorityLimit.objects.for_property(prop).filter(
        user__isnull=False, per_case__lt=amount_on_case
    )
    staff = (
        staff_of_property(prop=prop)
        .filter(
            Q(memberships__property=prop, memberships__role__in=role_ok.values("role"))
            | Q(pk__in=person_ok.values("user"))
        )
        .exclude(pk__in=person_low.values("user"))
    )
    if exclude_user_id:
        staff = staff.exclude(pk=exclude_user_id)
    return staff.distinct()
