"""The guest relations manager's review: KPIs over a period against the previous one, in SQL.

Every figure comes with the list filters that reproduce exactly the cases
behind it (drill-down). The number of queries is fixed: no per-case loops.
"""

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
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
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import (
    ApprovalRequest,
    Complaint,
    DashboardSnapshot,
    FiguresDecoder,
    FiguresEncoder,
    FollowUpAction,
    GuestCheck,
    Offer,
    OfferStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    VerdictSource,
)
from complaints.selectors import complaints_visible_to, latest_guest_answer
from complaints.workflow import OPEN, Status, Verdict
from guests.models import Guest, Stay, StayStatus
from hotel_crm.i18n import localized
from hotel_crm.models import Property


@dataclass(frozen=True)
class Period:
    start: dt.date  # inclusive, the property's local dates
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def query(self) -> dict:
        return {"reported_from": self.start.isoformat(), "reported_to": self.end.isoformat()}


def cases_in(prop: Property, period: Period) -> QuerySet[Complaint]:
    start = prop.day_bounds(period.start)[0]
    end = prop.day_bounds(period.end)[1]
    return Complaint.objects.for_property(prop).filter(reported_at__gte=start, reported_at__lt=end)


@dataclass
class Figure:
    value: object
    previous: object = None
    filters: dict = field(default_factory=dict)  # drill-down: the case list's query parameters

    @property
    def change(self):
        if isinstance(self.value, int | float | Decimal) and isinstance(self.previous, int | float | Decimal):
            return self.value - self.previous
        return None


def _share(part: int, whole: int) -> float | None:
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
        "recovery_rate": _share(counts["recovered"], counts["verified"]),
        "ok_share": _share(counts["ok"], counts["verified"]),
        "staff_recovery_rate": _share(counts["staff_recovered"], counts["staff_verified"]),
        "staff_ok_share": _share(counts["staff_ok"], counts["staff_verified"]),
        "guest_recovery_rate": _share(guest["guest_recovered"], guest["guest_answered"]),
        "guest_ok_share": _share(guest["guest_ok"], guest["guest_answered"]),
        "came_back": came_back,
        "came_back_share": _share(came_back, counts["complainants"]),
        "granted": granted,
        "service_level": _share(goal_counts["met"], decided),
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


def guest_unhappy_answers(*, user, prop: Property, period: Period, limit: int = 20) -> list[GuestCheck]:
    """Guests who answered "OK" or "dissatisfied" themselves in the period, newest first (one query).

    Answers about a case `user` may not see (a sensitive category, ADR 0009) are left out.
    """
    start = prop.day_bounds(period.start)[0]
    end = prop.day_bounds(period.end)[1]
    visible = Q(complaint__isnull=True) | Q(complaint__in=complaints_visible_to(user=user, property=prop))
    return list(
        GuestCheck.objects.for_property(prop)
        .filter(visible)
        .filter(used_at__gte=start, used_at__lt=end, answer__in=[Verdict.SATISFIED, Verdict.DISSATISFIED])
        .select_related("complaint__guest", "complaint__assignee")
        .order_by("-used_at", "-pk")[:limit]
    )


def _in_every_language(label) -> dict[str, str]:
    """A label in each of the site's languages, so figures computed once serve every reader."""
    labels = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels[code] = str(label())
    return labels


def _localize(labels: dict[str, str]) -> str:
    return labels.get(translation.get_language() or "", labels.get(settings.LANGUAGE_CODE, ""))


def breakdowns(prop: Property, period: Period) -> dict:
    """Cases by department, category, room, floor and severity, each row with its drill-down."""
    cases = cases_in(prop, period)
    base = {**period.query(), "status": "all"}

    def rows(group_by: list[str], key: str, label):
        out = []
        grouped = cases.exclude(**{f"{group_by[0]}__isnull": True}).values(*group_by)
        for row in grouped.annotate(n=Count("pk")).order_by("-n")[:20]:
            if row[group_by[0]] is None:
                continue
            labels = _in_every_language(lambda: label(row))  # noqa: B023 (called at once)
            out.append(
                {
                    "label": _localize(labels),
                    "labels": labels,
                    "count": row["n"],
                    "filters": {**base, key: row[group_by[0]]},
                }
            )
        return out

    return {
        "department": rows(
            ["department", "department__name_en", "department__name_zh"],
            "department",
            lambda r: localized(r["department__name_en"], r["department__name_zh"]),
        ),
        "category": rows(
            ["category", "category__name_en", "category__name_zh"],
            "category",
            lambda r: localized(r["category__name_en"], r["category__name_zh"]),
        ),
        "room": rows(["room", "room__number"], "room", lambda r: r["room__number"]),
        "floor": rows(["room__floor"], "floor", lambda r: str(r["room__floor"])),
        "severity": rows(
            ["severity"],
            "severity",
            lambda r: dict(Complaint._meta.get_field("severity").choices)[r["severity"]],
        ),
    }


def recurring_problems(prop: Property, period: Period, limit: int = 10) -> list[dict]:
    """The prevention list: the same category in the same room, most frequent first."""
    base = {**period.query(), "status": "all"}
    rows = (
        cases_in(prop, period)
        .filter(room__isnull=False, category__isnull=False)
        .values("room", "room__number", "category", "category__name_en", "category__name_zh")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("-n", "room__number")[:limit]
    )
    return [
        {
            "room": r["room__number"],
            "category": localized(r["category__name_en"], r["category__name_zh"]),
            "categories": _in_every_language(
                lambda r=r: localized(r["category__name_en"], r["category__name_zh"])
            ),
            "count": r["n"],
            "filters": {**base, "room": r["room"], "category": r["category"]},
        }
        for r in rows
    ]


def weekly_trend(prop: Property, weeks: int = 12) -> list[dict]:
    """Cases and recoveries per week, for the chart."""
    end = prop.today()
    period = Period(end - dt.timedelta(weeks=weeks) + dt.timedelta(days=1), end)
    rows = (
        cases_in(prop, period)
        .annotate(week=TruncWeek("reported_at", tzinfo=prop.tzinfo))
        .values("week")
        .annotate(n=Count("pk"), recovered=Count("pk", filter=Q(verdict=Verdict.VERY_SATISFIED)))
        .order_by("week")
    )
    return [
        {
            "week": r["week"].date() if hasattr(r["week"], "date") else r["week"],
            "count": r["n"],
            "recovered": r["recovered"],
        }
        for r in rows
    ]


def now_tiles(prop: Property) -> dict:
    """What needs attention right now, with drill-downs."""
    now = timezone.now()
    today = prop.today(now)
    cases = Complaint.objects.for_property(prop).filter(status__in=[s.value for s in OPEN])
    by_step = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
    # Hashed subqueries over the few VIP guests, departing stays and overdue actions, not one
    # probe per open case: the counts come from the open-case index alone (ADR 0013).
    vip_guests = Guest.objects.filter(vip_level__gt=0).values("pk")
    departing_stays = Stay.objects.filter(
        property=prop, departure_date=today, status=StayStatus.IN_HOUSE
    ).values("pk")
    counts = cases.aggregate(
        open=Count("pk"),
        vip=Count("pk", filter=Q(guest_id__in=vip_guests)),
        repeat=Count("pk", filter=Q(is_repeat=True)),
        departing=Count("pk", filter=Q(stay_id__in=departing_stays)),
    )
    overdue_actions = FollowUpAction.objects.filter(done_at__isnull=True, due_at__lt=now).values(
        "complaint_id"
    )
    counts["overdue"] = cases.filter(Q(step_due_at__lt=now) | Q(pk__in=overdue_actions)).count()
    counts["approvals"] = ApprovalRequest.objects.for_property(prop).filter(state="pending").count()
    counts["by_step"] = [(s.value, s.label, by_step.get(s.value, 0)) for s in Status if s in OPEN]
    return counts


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


# --- Snapshots of the standard periods (ADR 0013) ---------------------------------------------
#
# The period figures (KPIs, breakdowns, recurring problems, the weekly trend) read every case of
# the period and the one before: seconds at a million cases. For the standard "last N days"
# periods beat computes them ahead (`dashboard_snapshots_refresh`) and the page reads one row;
# a custom period, a missing or stale snapshot, or the manager's "recompute" computes them live.


def period_figures(prop: Property, period: Period) -> dict:
    """Everything on the dashboard that depends on the period (a fixed number of queries)."""
    return {
        "kpis": kpis(prop, period),
        "breakdowns": breakdowns(prop, period),
        "recurring": recurring_problems(prop, period),
        "trend": weekly_trend(prop),
    }


def rolling_period(prop: Property, days: int, now: dt.datetime | None = None) -> Period:
    """The last `days` days, today included, in the hotel's calendar."""
    today = prop.today(now)
    return Period(today - dt.timedelta(days=days - 1), today)


@transaction.atomic
def snapshot_refresh(*, prop: Property, days: int, now: dt.datetime | None = None) -> DashboardSnapshot:
    """Compute the last `days` days' figures and store them as the property's snapshot (idempotent)."""
    now = now or timezone.now()
    period = rolling_period(prop, days, now)
    snapshot, _created = DashboardSnapshot.objects.update_or_create(
        property=prop,
        days=days,
        defaults={
            "period_start": period.start,
            "period_end": period.end,
            "computed_at": now,
            "figures": period_figures(prop, period),
        },
    )
    return snapshot


def snapshots_refresh(now: dt.datetime | None = None) -> int:
    """Beat: refresh every active property's snapshots of DASHBOARD_SNAPSHOT_DAYS."""
    refreshed = 0
    for prop in Property.objects.active():
        for days in settings.DASHBOARD_SNAPSHOT_DAYS:
            snapshot_refresh(prop=prop, days=days, now=now)
            refreshed += 1
    return refreshed


def snapshot_figures(prop: Property, days: int) -> tuple[dict, dt.datetime]:
    """The last `days` days' figures from a fresh snapshot (one query), else computed now and stored.

    Returns the figures and the time they were computed, with labels in the active language.
    """
    now = timezone.now()
    period = rolling_period(prop, days, now)
    snapshot = DashboardSnapshot.objects.filter(
        property=prop,
        days=days,
        period_start=period.start,
        period_end=period.end,
        computed_at__gt=now - dt.timedelta(seconds=settings.DASHBOARD_SNAPSHOT_MAX_AGE),
    ).first()
    if snapshot is None:
        snapshot = snapshot_refresh(prop=prop, days=days, now=now)
        # Read back as a stored one would be (lists for tuples, labels by language): one code path.
        snapshot.figures = json.loads(json.dumps(snapshot.figures, cls=FiguresEncoder), cls=FiguresDecoder)
    figures = snapshot.figures
    for rows in figures["breakdowns"].values():
        for row in rows:
            row["label"] = _localize(row["labels"])
    for row in figures["recurring"]:
        row["category"] = _localize(row["categories"])
    return figures, snapshot.computed_at
