"""Asking guests proactively (主动询问, 重中之重): who has not been asked, coverage, compliments.

Coverage is counted in guest-nights: a stay in house on the night of day D is one guest-night, and it
is *asked* when someone recorded a courtesy check with that guest during the stay, on day D or
before (the hotel's calendar). So today's asked guest-nights are tonight's guests minus those on
the "not yet asked" list (stays_not_yet_asked, which also holds guests departing today).
Everything is computed in SQL, in a fixed number of queries (ADR 0017).
"""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate

from complaints.models import Compliment, CourtesyCheck
from guests.models import Stay, StayStatus
from hotel_crm.models import Property

# Guest-nights are nights someone stayed: in house, or checked out since.
NIGHT_STATUSES = (StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT)
MAX_COVERAGE_DAYS = 31
STAYS_LIMIT = 10**9


def stays_not_yet_asked(*, prop: Property) -> QuerySet[Stay]:
    """In-house stays at `prop` with no courtesy check yet, longest in house first (guest and room loaded)."""
    return (
        Stay.objects.for_property(prop)
        .filter(status=StayStatus.IN_HOUSE)
        .filter(~Exists(CourtesyCheck.objects.filter(stay=OuterRef("pk"))))
        .select_related("guest", "room")
        .order_by("checked_in_at", "pk")
    )


def latest_checks(*, prop: Property, stay_ids: list[int]) -> dict[int, CourtesyCheck]:
    """The latest courtesy check of each given stay (asked, when, what they heard), in one query."""
    if not stay_ids:
        return {}
    latest = (
        CourtesyCheck.objects.filter(stay=OuterRef("stay")).order_by("-checked_at", "-pk").values("pk")[:1]
    )
    checks = (
        CourtesyCheck.objects.for_property(prop)
        .filter(stay_id__in=stay_ids[:200])
        .filter(pk=Subquery(latest))
        .select_related("checked_by")
    )
    return {check.stay_id: check for check in checks}


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    """The days covered, at most the last MAX_COVERAGE_DAYS of the period."""
    start = max(start, end - dt.timedelta(days=MAX_COVERAGE_DAYS - 1))
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def courtesy_coverage(*, prop: Property, start: dt.date, end: dt.date) -> dict:
    """The share of in-house guest-nights asked, by day and by staff member (two queries).

    Each day's guest-nights and asked guest-nights are conditional counts over the stays of the
    period, each stay carrying the day it was first asked (one indexed probe per stay).
    """
    days = _days(start, end)
    if not days:
        return {"days": [], "staff": [], "nights": 0, "asked": 0, "share": None}
    first, last = days[0], days[-1]
    first_asked = (
        CourtesyCheck.objects.filter(stay=OuterRef("pk"))
        .order_by("checked_at")
        .annotate(day=TruncDate("checked_at", tzinfo=prop.tzinfo))
        .values("day")[:1]
    )
    # Sliced (with a limit no hotel reaches), so Django aggregates over a subquery: the day each stay
    # was first asked is then looked up once per stay, not once per day's count (62 lookups per stay
    # for 31 days, and a plan PostgreSQL's JIT took seconds to compile at a million stays).
    stays = (
        Stay.objects.filter(
            property=prop, status__in=NIGHT_STATUSES, arrival_date__lte=last, departure_date__gt=first
        )
        .annotate(first_asked=Subquery(first_asked))
        .values("pk", "arrival_date", "departure_date", "first_asked")
        .order_by()[:STAYS_LIMIT]
    )
    aggregates = {"stays": Count("pk")}
    for i, day in enumerate(days):
        night = Q(arrival_date__lte=day, departure_date__gt=day)
        aggregates[f"n{i}"] = Count("pk", filter=night)
        aggregates[f"a{i}"] = Count("pk", filter=night & Q(first_asked__lte=day))
    counts = stays.aggregate(**aggregates)
    rows = [
        {
            "day": day,
            "nights": counts[f"n{i}"],
            "asked": counts[f"a{i}"],
            "share": _share(counts[f"a{i}"], counts[f"n{i}"]),
        }
        for i, day in enumerate(days)
    ]
    nights = sum(r["nights"] for r in rows)
    asked = sum(r["asked"] for r in rows)
    return {
        "days": rows,
        "staff": _by_staff(prop, first, last, counts["stays"]),
        "nights": nights,
        "asked": asked,
        "share": _share(asked, nights),
        "stays": counts["stays"],
    }


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _by_staff(prop: Property, first: dt.date, last: dt.date, stays: int) -> list[dict]:
    """Per staff member: courtesy checks made in the days covered and the guests (stays) they asked."""
    since, until = prop.day_bounds(first)[0], prop.day_bounds(last)[1]
    rows = (
        CourtesyCheck.objects.filter(property=prop, checked_at__gte=since, checked_at__lt=until)
        .values("checked_by", "checked_by__username", "checked_by__first_name", "checked_by__last_name")
        .annotate(checks=Count("pk"), guests=Count("stay", distinct=True))
        .order_by("-guests", "checked_by__username")[:50]
    )
    return [
        {
            "user": row["checked_by"],
            "name": f"{row['checked_by__first_name']} {row['checked_by__last_name']}".strip()
            or row["checked_by__username"],
            "checks": row["checks"],
            "guests": row["guests"],
            "share": _share(row["guests"], stays),
        }
        for row in rows
    ]


def compliments_in(*, prop: Property, start: dt.date, end: dt.date) -> QuerySet[Compliment]:
    since, until = prop.day_bounds(start)[0], prop.day_bounds(end)[1]
    return (
        Compliment.objects.for_property(prop)
        .filter(recorded_at__gte=since, recorded_at__lt=until)
        .select_related("praised", "recorded_by", "guest", "stay__room")
        .order_by("-recorded_at", "-pk")
    )


def compliments_per_staff(*, prop: Property, start: dt.date, end: dt.date) -> list[dict]:
    """How often each staff member was praised in the period, most praised first (one query)."""
    rows = (
        compliments_in(prop=prop, start=start, end=end)
        .values("praised", "praised__username", "praised__first_name", "praised__last_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "praised__username")
    )
    return [
        {
            "user": row["praised"],
            "name": f"{row['praised__first_name']} {row['praised__last_name']}".strip()
            or row["praised__username"],
            "count": row["n"],
        }
        for row in rows
    ]
