"""Courtesy checks (主动询问客人的满意度): who has not been asked yet how their stay is going."""

from django.db.models import Exists, OuterRef, QuerySet

from complaints.models import CourtesyCheck
from guests.models import Stay, StayStatus
from hotel_crm.models import Property


def stays_not_yet_asked(*, prop: Property) -> QuerySet[Stay]:
    """In-house stays at `prop` with no courtesy check yet, longest in house first (guest and room loaded)."""
    return (
        Stay.objects.for_property(prop)
        .filter(status=StayStatus.IN_HOUSE)
        .filter(~Exists(CourtesyCheck.objects.filter(stay=OuterRef("pk"))))
        .select_related("guest", "room")
        .order_by("checked_in_at", "pk")
    )
