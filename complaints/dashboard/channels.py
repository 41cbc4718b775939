"""The channel KPI (ADR 0020): how long from a guest's message arriving to a case logged from it."""

import statistics

from django.db.models import Count

from complaints.dashboard.periods import Period
from complaints.models import Channel, IncomingMessage, IncomingStatus
from hotel_crm.models import Property


def _label(channel: str) -> str:
    return str(dict(Channel.choices).get(channel, channel))


def localize_channels(rows: list[dict]) -> list[dict]:
    """Each row's channel name in the active language (rows read back from a snapshot)."""
    for row in rows:
        row["label"] = _label(row["channel"])
    return rows


def channel_intake_times(prop: Property, period: Period) -> list[dict]:
    """Per channel, for messages received in the period: how many, how many became cases, and the minutes
    from message received to case logged (median, mean). Two queries whatever the number of rows."""
    start, end = prop.day_bounds(period.start)[0], prop.day_bounds(period.end)[1]
    messages = IncomingMessage.objects.for_property(prop).filter(received_at__gte=start, received_at__lt=end)
    received = dict(messages.values_list("channel").annotate(n=Count("pk")).order_by())
    waits: dict[str, list[float]] = {}
    logged = messages.filter(status=IncomingStatus.CASE_CREATED, handled_at__isnull=False).values_list(
        "channel", "received_at", "handled_at"
    )
    for channel, received_at, handled_at in logged.iterator():
        if handled_at is None:  # excluded by the filter; for the type checker
            continue
        waits.setdefault(channel, []).append(max((handled_at - received_at).total_seconds(), 0) / 60)
    rows = []
    for channel in sorted(set(received) | set(waits)):
        minutes = waits.get(channel, [])
        rows.append(
            {
                "channel": channel,
                "label": _label(channel),
                "received": received.get(channel, 0),
                "cases": len(minutes),
                "median_minutes": round(statistics.median(minutes), 1) if minutes else None,
                "mean_minutes": round(statistics.fmean(minutes), 1) if minutes else None,
            }
        )
    return rows
