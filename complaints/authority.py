"""Authority (权限): how much a staff member may grant on their own, and how much they already have.

Reads only; the services call these under a lock on the staff member's row so
two offers made at the same moment cannot both slip under a daily limit.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Sum

from complaints.models import COMMITTED_OFFER_STATUSES, AuthorityLimit, Complaint, Offer
from hotel_crm.models import Property, StaffMembership, StaffProfile

ZERO = Decimal("0")


@dataclass(frozen=True)
class Limits:
    per_case: Decimal
    per_day: Decimal

    def covers(self, *, case_total: Decimal, day_total: Decimal) -> bool:
        return case_total <= self.per_case and day_total <= self.per_day


NO_AUTHORITY = Limits(ZERO, ZERO)
# A hotel that has not set up any limit yet has not switched the rule on: nothing would ever be
# approved (nobody holds a limit), so every offer is within authority until the first limit is set.
NOT_IN_USE = Limits(Decimal("Infinity"), Decimal("Infinity"))


def _role_ids(user: User, prop: Property) -> list[int]:
    ids = list(StaffMembership.objects.filter(user=user, property=prop).values_list("role_id", flat=True))
    group_role = StaffProfile.objects.filter(user=user).values_list("group_role_id", flat=True).first()
    return ids + ([group_role] if group_role else [])


def limits_for(user: User, prop: Property) -> Limits:
    """A personal limit beats the role's; with several roles, the most generous applies; none means 0.

    Superusers are not exempt: authority is a hotel rule, not a software permission.
    """
    limits = list(AuthorityLimit.objects.for_property(prop))  # a few rows per hotel: roles and overrides
    if not limits:
        return NOT_IN_USE
    personal = next((row for row in limits if row.user_id == user.pk), None)
    if personal:
        return Limits(personal.per_case, personal.per_day)
    role_ids = set(_role_ids(user, prop))
    rows = [row for row in limits if row.role_id in role_ids]
    if not rows:
        return NO_AUTHORITY
    return Limits(max(r.per_case for r in rows), max(r.per_day for r in rows))


def case_total(complaint: Complaint, *, exclude_offer: int | None = None) -> Decimal:
    """Compensation granted or promised on this case so far."""
    offers = Offer.objects.filter(complaint=complaint, status__in=COMMITTED_OFFER_STATUSES)
    if exclude_offer:
        offers = offers.exclude(pk=exclude_offer)
    return offers.aggregate(total=Sum("value"))["total"] or ZERO


def day_total(user: User, prop: Property, day: dt.date) -> Decimal:
    """What `user` has authorised at this property on this business day."""
    return (
        Offer.objects.filter(
            complaint__property=prop,
            authorised_by=user,
            business_day=day,
            status__in=COMMITTED_OFFER_STATUSES,
        ).aggregate(total=Sum("value"))["total"]
        or ZERO
    )
