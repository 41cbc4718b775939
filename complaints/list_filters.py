"""What complaints adds to the guests app's lists: the "not yet asked" filter (guests.list_filters)."""

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from complaints.models import CourtesyCheck
from guests import list_filters
from guests.models import Stay


def stays_not_yet_asked(stays: QuerySet[Stay]) -> QuerySet[Stay]:
    """Stays whose guest nobody has asked "how is your stay?" yet (主动询问, the top priority)."""
    return stays.filter(~Exists(CourtesyCheck.objects.filter(stay=OuterRef("pk"))))


def register_stay_filters() -> None:
    list_filters.register(
        list_filters.StayFilter(name="not_asked", label=_("Not yet asked"), apply=stays_not_yet_asked)
    )
