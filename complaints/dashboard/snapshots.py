"""The dashboard's figures for standard periods, computed ahead by beat (ADR 0013)."""

import datetime as dt
import json
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints.dashboard.breakdowns import breakdowns, localize_labels, recurring_problems, weekly_trend
from complaints.dashboard.channels import channel_intake_times, localize_channels
from complaints.dashboard.cohorts import return_cohorts
from complaints.dashboard.departments import department_times, localize_departments
from complaints.dashboard.kpis import kpis
from complaints.dashboard.periods import Period, rolling_period
from complaints.models import (
    DashboardSnapshot,
    FiguresDecoder,
    FiguresEncoder,
)
from complaints.selectors.courtesy import courtesy_coverage
from hotel_crm.models import Property


def _coverage(prop: Property, period: Period) -> dict:
    return courtesy_coverage(prop=prop, start=period.start, end=min(period.end, prop.today()))


# Everything on the dashboard that depends on the period, each a fixed number of queries. Issues #20 and
# #23 added who comes back, department work, asking guests and minutes from a guest's message to a case.
PERIOD_FIGURES: dict[str, Callable[[Property, Period], object]] = {
    "kpis": kpis,
    "breakdowns": breakdowns,
    "recurring": recurring_problems,
    "trend": lambda prop, _period: weekly_trend(prop),
    "cohorts": return_cohorts,
    "department_times": department_times,
    "coverage": _coverage,
    "channel_intake": channel_intake_times,
}


def period_figures(prop: Property, period: Period) -> dict:
    """Everything on the dashboard that depends on the period (a fixed number of queries)."""
    return {key: compute(prop, period) for key, compute in PERIOD_FIGURES.items()}


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
    if snapshot is None or not PERIOD_FIGURES.keys() <= snapshot.figures.keys():
        # None fresh enough, or one stored before a figure existed (after an upgrade): compute it now.
        snapshot = snapshot_refresh(prop=prop, days=days, now=now)
        # Read back as a stored one would be (lists for tuples, labels by language): one code path.
        snapshot.figures = json.loads(json.dumps(snapshot.figures, cls=FiguresEncoder), cls=FiguresDecoder)
    figures = snapshot.figures
    for rows in figures["breakdowns"].values():
        for row in rows:
            row["label"] = localize_labels(row["labels"])
    for row in figures["recurring"]:
        row["category"] = localize_labels(row["categories"])
    localize_departments(figures["department_times"])
    localize_channels(figures["channel_intake"])
    return figures, snapshot.computed_at
