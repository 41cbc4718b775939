"""The guest relations manager's review: KPIs over a period against the previous one, in SQL.

Every figure comes with the list filters that reproduce exactly the cases
behind it (drill-down). The number of queries is fixed: no per-case loops.
"""

from complaints.dashboard.breakdowns import (
    breakdowns,
    guest_unhappy_answers,
    now_tiles,
    recurring_problems,
    weekly_trend,
)
from complaints.dashboard.channels import channel_intake_times
from complaints.dashboard.cohorts import BENCHMARK, cohort_guests, return_cohorts
from complaints.dashboard.departments import department_times
from complaints.dashboard.kpis import kpi_table, kpis
from complaints.dashboard.periods import Period, cases_in, rolling_period
from complaints.dashboard.snapshots import (
    period_figures,
    snapshot_figures,
    snapshot_refresh,
    snapshots_refresh,
)

__all__ = [
    "BENCHMARK",
    "Period",
    "breakdowns",
    "cases_in",
    "channel_intake_times",
    "cohort_guests",
    "department_times",
    "guest_unhappy_answers",
    "kpi_table",
    "kpis",
    "now_tiles",
    "period_figures",
    "recurring_problems",
    "return_cohorts",
    "rolling_period",
    "snapshot_figures",
    "snapshot_refresh",
    "snapshots_refresh",
    "weekly_trend",
]
