"""Department work on the dashboard: time to acknowledge and time to done, per department (one query)."""

import datetime as dt

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q

from complaints.action_workflow import ActionState
from complaints.dashboard.periods import Period
from complaints.models import FollowUpAction
from hotel_crm.i18n import localized
from hotel_crm.models import Property


def _hours(value) -> float | None:
    if value is None:
        return None
    if not isinstance(value, dt.timedelta):  # SQLite averages durations as microseconds
        value = dt.timedelta(microseconds=float(value))
    return round(value.total_seconds() / 3600, 1)


def department_times(prop: Property, period: Period) -> list[dict]:
    """Per department, for actions handed to it in the period: how many, how many still not acknowledged,
    handed back, and the average hours to acknowledge and to done."""
    start, end = prop.day_bounds(period.start)[0], prop.day_bounds(period.end)[1]
    to_ack = ExpressionWrapper(F("acknowledged_at") - F("created_at"), output_field=DurationField())
    to_done = ExpressionWrapper(F("done_at") - F("created_at"), output_field=DurationField())
    rows = (
        FollowUpAction.objects.filter(
            complaint__property=prop, department__isnull=False, created_at__gte=start, created_at__lt=end
        )
        .values("department", "department__name_en", "department__name_zh")
        .annotate(
            actions=Count("pk"),
            unacknowledged=Count("pk", filter=Q(state=ActionState.SENT)),
            handed_back=Count("pk", filter=Q(state=ActionState.HANDED_BACK)),
            acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            done=Count("pk", filter=Q(done_at__isnull=False)),
            ack=Avg(to_ack, filter=Q(acknowledged_at__isnull=False)),
            to_done=Avg(to_done, filter=Q(done_at__isnull=False)),
        )
        .order_by("department__name_en")
    )
    return [
        {
            "department": row["department"],
            "name": localized(row["department__name_en"], row["department__name_zh"]),
            # Both names, so a stored snapshot shows the reader's language (`localize_departments`).
            "name_en": row["department__name_en"],
            "name_zh": row["department__name_zh"],
            "actions": row["actions"],
            "unacknowledged": row["unacknowledged"],
            "handed_back": row["handed_back"],
            "acknowledged": row["acknowledged"],
            "done": row["done"],
            "hours_to_acknowledge": _hours(row["ack"]),
            "hours_to_done": _hours(row["to_done"]),
        }
        for row in rows
    ]


def localize_departments(rows: list[dict]) -> list[dict]:
    """Each row's name in the active language (rows read back from a snapshot)."""
    for row in rows:
        row["name"] = localized(row["name_en"], row["name_zh"])
    return rows
