"""The period a dashboard figure covers, and the cases reported in it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    QuerySet,
)

from complaints.models import (
    Complaint,
)
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


def rolling_period(prop: Property, days: int, now: dt.datetime | None = None) -> Period:
    """The last `days` days, today included, in the hotel's calendar."""
    today = prop.today(now)
    return Period(today - dt.timedelta(days=days - 1), today)
