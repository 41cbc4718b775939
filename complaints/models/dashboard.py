"""Dashboard snapshots: the figures of a standard period, computed ahead (ADR 0013)."""

import datetime as dt
import json
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from hotel_crm.models import Property


class FiguresEncoder(DjangoJSONEncoder):
    """JSON for the dashboard's figures that reads back as the same Python types (FiguresDecoder)."""

    def default(self, o):
        if isinstance(o, dt.timedelta):
            return {"__timedelta__": o.total_seconds()}
        if isinstance(o, Decimal):
            return {"__decimal__": str(o)}
        if isinstance(o, dt.date) and not isinstance(o, dt.datetime):
            return {"__date__": o.isoformat()}
        return super().default(o)


class FiguresDecoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, object_hook=self._typed, **kwargs)

    @staticmethod
    def _typed(obj: dict):
        if len(obj) == 1:
            if "__timedelta__" in obj:
                return dt.timedelta(seconds=obj["__timedelta__"])
            if "__decimal__" in obj:
                return Decimal(obj["__decimal__"])
            if "__date__" in obj:
                return dt.date.fromisoformat(obj["__date__"])
        return obj


class DashboardSnapshot(models.Model):
    """The dashboard's figures for a standard period ("last N days"), computed ahead (ADR 0013).

    A cache, not a record: beat rewrites it every few minutes, and the page recomputes it
    when it is older than DASHBOARD_SNAPSHOT_MAX_AGE or when the manager asks.
    """

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="+")
    days = models.PositiveSmallIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    computed_at = models.DateTimeField()
    figures = models.JSONField(encoder=FiguresEncoder, decoder=FiguresDecoder)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["property", "days"], name="one_dashboard_snapshot_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.property_id} last {self.days} days @ {self.computed_at:%Y-%m-%d %H:%M}"
