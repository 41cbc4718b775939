"""Who comes back (domain.md §1, §6): three cohorts side by side, not one figure over all complainants.

- recovered: guests whose every case reported in the period ended "very satisfied";
- not recovered: guests with a case in the period that did not (OK, dissatisfied, or not verified);
- never complained: guests whose stay at the hotel ended in the period and who never logged a case here.

A guest *came back* when they have a later stay (reserved, in house or checked out) arriving after
their first case of the period (complainants) or on or after the departure that put them in the
cohort (the others). Withdrawn cases are left out: there was no fault after all. The source's
benchmark is 75% for recovered guests. Three queries, whatever the number of guests.
"""

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate

from complaints.dashboard.periods import Period, cases_in
from complaints.models import Complaint
from complaints.workflow import Status, Verdict
from guests.models import Guest, Stay, StayStatus
from hotel_crm.models import Property

BENCHMARK = 75.0
RETURN_STATUSES = (StayStatus.RESERVED, StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT)


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _complainants(prop: Property, period: Period) -> QuerySet[Guest]:
    """Guests with a (not withdrawn) case in the period, each marked recovered or not, and came back."""
    cases = cases_in(prop, period).exclude(status=Status.WITHDRAWN)
    mine = cases.filter(guest=OuterRef("pk"))
    first_day = Subquery(
        mine.order_by("reported_at")
        .annotate(day=TruncDate("reported_at", tzinfo=prop.tzinfo))
        .values("day")[:1]
    )
    return (
        Guest.objects.filter(pk__in=cases.filter(guest__isnull=False).values("guest"))
        .annotate(
            first_day=first_day,
            unrecovered=Exists(mine.exclude(verdict=Verdict.VERY_SATISFIED)),
        )
        .annotate(
            came_back=Exists(
                Stay.objects.filter(
                    guest=OuterRef("pk"), status__in=RETURN_STATUSES, arrival_date__gt=OuterRef("first_day")
                )
            )
        )
    )


def cohort_guests(prop: Property, period: Period, cohort: str) -> QuerySet[Guest]:
    """The guests of one cohort ("recovered", "not_recovered", "never"), with `came_back` annotated."""
    if cohort == "never":
        return _never_complained(prop, period)
    return _complainants(prop, period).filter(Q(unrecovered=(cohort == "not_recovered")))


def _never_complained(prop: Property, period: Period) -> QuerySet[Guest]:
    ended = Stay.objects.filter(
        property=prop,
        status=StayStatus.CHECKED_OUT,
        departure_date__gte=period.start,
        departure_date__lte=period.end,
    )
    first_departure = Subquery(
        ended.filter(guest=OuterRef("pk"))
        .order_by()
        .values("guest")
        .annotate(d=Min("departure_date"))
        .values("d")[:1]
    )
    return (
        Guest.objects.filter(pk__in=ended.values("guest"))
        .exclude(Exists(Complaint.objects.filter(property=prop, guest=OuterRef("pk"))))
        .annotate(left_on=first_departure)
        .annotate(
            came_back=Exists(
                Stay.objects.filter(
                    guest=OuterRef("pk"), status__in=RETURN_STATUSES, arrival_date__gte=OuterRef("left_on")
                )
            )
        )
    )


def return_cohorts(prop: Property, period: Period) -> dict:
    """The return rate of the three cohorts, with guests and returns per cohort (three queries)."""
    complainants = _complainants(prop, period).aggregate(
        recovered=Count("pk", filter=Q(unrecovered=False)),
        recovered_back=Count("pk", filter=Q(unrecovered=False, came_back=True)),
        not_recovered=Count("pk", filter=Q(unrecovered=True)),
        not_recovered_back=Count("pk", filter=Q(unrecovered=True, came_back=True)),
    )
    never = _never_complained(prop, period).aggregate(
        guests=Count("pk"), back=Count("pk", filter=Q(came_back=True))
    )
    rows = [
        ("recovered", complainants["recovered"], complainants["recovered_back"]),
        ("not_recovered", complainants["not_recovered"], complainants["not_recovered_back"]),
        ("never", never["guests"], never["back"]),
    ]
    return {
        "benchmark": BENCHMARK,
        "rows": [
            {"cohort": key, "guests": guests, "came_back": back, "rate": _share(back, guests)}
            for key, guests, back in rows
        ],
    }
