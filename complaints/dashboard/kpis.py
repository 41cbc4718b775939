"""The KPI table: a period against the one before it, in a fixed number of queries."""

import datetime as dt
import math
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.dashboard.periods import Period, cases_in
from complaints.models import (
    Offer,
    OfferStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    VerdictSource,
)
from complaints.selectors import latest_guest_answer
from complaints.workflow import Status, Verdict
from guests.models import Stay, StayStatus
from hotel_crm.models import Property


def share(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole`, one decimal; None when there is no whole."""
    return round(100.0 * part / whole, 1) if whole else None


def _percentile(queryset: QuerySet, expression, fraction: float, count: int) -> dt.timedelta | None:
    """The value at `fraction` of the sorted durations (nearest rank), fetched as one row."""
    if not count:
        return None
    index = max(0, min(count - 1, math.ceil(fraction * count) - 1))
    row = (
        queryset.annotate(duration=expression)
        .order_by("duration")
        .values_list("duration", flat=True)[index : index + 1]
    )
    values = list(row)
    return values[0] if values else None


class _NearestRank(Aggregate):
    """PostgreSQL's percentile_disc: the value at `fraction` of the sorted values (nearest rank)."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression, fraction: float):
        super().__init__(expression, fraction=float(fraction))


def _timing(queryset: QuerySet, start_field: str, end_field: str) -> dict:
    expression = ExpressionWrapper(F(end_field) - F(start_field), output_field=DurationField())
    done = queryset.filter(**{f"{end_field}__isnull": False})
    if connection.vendor == "postgresql":
        # One pass over the period's cases instead of a count and two sorts.
        return done.aggregate(
            count=Count("pk"), median=_NearestRank(expression, 0.5), p90=_NearestRank(expression, 0.9)
        )
    count = done.count()
    return {
        "count": count,
        "median": _percentile(done, expression, 0.5, count),
        "p90": _percentile(done, expression, 0.9, count),
    }


def _first_accepted(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(
        accepted_at=Min("offers__decided_at", filter=Q(offers__status=OfferStatus.ACCEPTED))
    )


STAFF_VERDICT = ~Q(verdict_source=VerdictSource.GUEST)


def _verdict_counts(cases: QuerySet) -> dict:
    return cases.aggregate(
        total=Count("pk"),
        verified=Count("pk", filter=~Q(verdict="")),
        recovered=Count("pk", filter=Q(verdict=Verdict.VERY_SATISFIED)),
        ok=Count("pk", filter=Q(verdict=Verdict.SATISFIED)),
        dissatisfied=Count("pk", filter=Q(verdict=Verdict.DISSATISFIED)),
        complainants=Count("guest", distinct=True),
        # Verdicts recorded by staff (older ones have no source: staff recorded every one of them).
        staff_verified=Count("pk", filter=~Q(verdict="") & STAFF_VERDICT),
        staff_recovered=Count("pk", filter=Q(verdict=Verdict.VERY_SATISFIED) & STAFF_VERDICT),
        staff_ok=Count("pk", filter=Q(verdict=Verdict.SATISFIED) & STAFF_VERDICT),
    )


def _guest_answers(cases: QuerySet) -> dict:
    """What guests said themselves, through their link or the post-stay check: their last word per case."""
    return cases.annotate(answer=latest_guest_answer()).aggregate(
        guest_answered=Count("pk", filter=Q(answer__isnull=False)),
        guest_recovered=Count("pk", filter=Q(answer=Verdict.VERY_SATISFIED)),
        guest_ok=Count("pk", filter=Q(answer=Verdict.SATISFIED)),
        guest_dissatisfied=Count("pk", filter=Q(answer=Verdict.DISSATISFIED)),
    )


def _came_back(prop: Property, cases: QuerySet) -> int:
    """Guests with a case in the period who have a later stay."""
    later_stay = Stay.objects.filter(
        guest=OuterRef("guest"),
        arrival_date__gt=OuterRef("reported_day"),
        status__in=[StayStatus.RESERVED, StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT],
    )
    return (
        cases.filter(guest__isnull=False)
        .annotate(reported_day=TruncDate("reported_at", tzinfo=prop.tzinfo))
        .filter(Exists(later_stay))
        .values("guest")
        .distinct()
        .count()
    )


def _granted(cases: QuerySet) -> Decimal:
    accepted = Offer.objects.filter(complaint__in=cases, status=OfferStatus.ACCEPTED)
    return accepted.aggregate(total=Sum("value"))["total"] or Decimal("0")


def _goal_counts(cases: QuerySet, now: dt.datetime) -> dict:
    """Step goals met (the step was done before its reminder fired, so it was cancelled) and missed."""
    # A withdrawn case's cancelled reminders were not goals met: leave withdrawn cases out.
    goals = Reminder.objects.filter(
        complaint__in=cases.exclude(status=Status.WITHDRAWN), kind=ReminderKind.DUE
    )
    return goals.aggregate(
        met=Count("pk", filter=Q(status=ReminderStatus.CANCELLED)),
        missed=Count(
            "pk",
            filter=Q(status__in=[ReminderStatus.SENT, ReminderStatus.CLAIMED])
            | Q(status=ReminderStatus.PENDING, due_at__lt=now),
        ),
    )


def _figures(prop: Property, period: Period, now: dt.datetime) -> dict:
    """One period's column of the KPI table."""
    cases = cases_in(prop, period)
    counts = _verdict_counts(cases)
    guest = _guest_answers(cases)
    came_back = _came_back(prop, cases)
    granted = _granted(cases)
    goal_counts = _goal_counts(cases, now)
    decided = goal_counts["met"] + goal_counts["missed"]
    return {
        **counts,
        **guest,
        "recovery_rate": share(counts["recovered"], counts["verified"]),
        "ok_share": share(counts["ok"], counts["verified"]),
        "staff_recovery_rate": share(counts["staff_recovered"], counts["staff_verified"]),
        "staff_ok_share": share(counts["staff_ok"], counts["staff_verified"]),
        "guest_recovery_rate": share(guest["guest_recovered"], guest["guest_answered"]),
        "guest_ok_share": share(guest["guest_ok"], guest["guest_answered"]),
        "came_back": came_back,
        "came_back_share": share(came_back, counts["complainants"]),
        "granted": granted,
        "service_level": share(goal_counts["met"], decided),
        "goals_met": goal_counts["met"],
        "goals": decided,
        "apologise": _timing(cases, "reported_at", "apologised_at"),
        "resolution": _timing(_first_accepted(cases), "reported_at", "accepted_at"),
        "verification": _timing(cases, "reported_at", "verified_at"),
    }


def _drill(base: dict) -> dict:
    """The case-list filters behind each figure (a table: one row per figure)."""
    every = {**base, "status": "all"}
    return {
        "total": every,
        "verified": {**every, "verdict": "any"},
        "recovered": {**every, "verdict": Verdict.VERY_SATISFIED},
        "ok": {**every, "verdict": Verdict.SATISFIED},
        "dissatisfied": {**every, "verdict": Verdict.DISSATISFIED},
        "came_back": {**every, "came_back": "on"},
        "staff_verified": {**every, "verdict": "any", "verdict_source": "staff"},
        "staff_recovered": {**every, "verdict": Verdict.VERY_SATISFIED, "verdict_source": "staff"},
        "staff_ok": {**every, "verdict": Verdict.SATISFIED, "verdict_source": "staff"},
        "guest_answered": {**every, "guest_answer": "any"},
        "guest_recovered": {**every, "guest_answer": Verdict.VERY_SATISFIED},
        "guest_ok": {**every, "guest_answer": Verdict.SATISFIED},
        "guest_dissatisfied": {**every, "guest_answer": Verdict.DISSATISFIED},
    }


def kpis(prop: Property, period: Period) -> dict:
    """The KPI table for a period and the one before it (a fixed number of queries)."""
    now = timezone.now()
    current, previous = _figures(prop, period, now), _figures(prop, period.previous(), now)
    return {"current": current, "previous": previous, "drill": _drill(period.query())}


def kpi_table(kpis: dict) -> list[tuple[str, object, object]]:
    """The KPI table as rows (for the page's CSV export)."""
    cur, prev = kpis["current"], kpis["previous"]

    def hours(value):
        return round(value.total_seconds() / 3600, 2) if value is not None else ""

    rows = [
        (_("Cases"), cur["total"], prev["total"]),
        (_("Verified"), cur["verified"], prev["verified"]),
        (_("Recovery rate (very satisfied), %"), cur["recovery_rate"], prev["recovery_rate"]),
        (_("Only OK (a flaw), %"), cur["ok_share"], prev["ok_share"]),
        (
            _("Recovery rate, verdicts recorded by staff, %"),
            cur["staff_recovery_rate"],
            prev["staff_recovery_rate"],
        ),
        (_("Only OK, verdicts recorded by staff, %"), cur["staff_ok_share"], prev["staff_ok_share"]),
        (
            _("Recovery rate, the guests' own answers, %"),
            cur["guest_recovery_rate"],
            prev["guest_recovery_rate"],
        ),
        (_("Only OK, the guests' own answers, %"), cur["guest_ok_share"], prev["guest_ok_share"]),
        (_("Customer service level, %"), cur["service_level"], prev["service_level"]),
        (_("Compensation granted"), cur["granted"], prev["granted"]),
        (_("Complainants who came back, %"), cur["came_back_share"], prev["came_back_share"]),
    ]
    for key, label in (
        ("apologise", _("Time to apologise")),
        ("resolution", _("Time to an accepted resolution")),
        ("verification", _("Time to verification")),
    ):
        rows.append(
            (f"{label} — {_('median, hours')}", hours(cur[key]["median"]), hours(prev[key]["median"]))
        )
        rows.append((f"{label} — {_('p90, hours')}", hours(cur[key]["p90"]), hours(prev[key]["p90"])))
    return [(label, "" if a is None else a, "" if b is None else b) for label, a, b in rows]
