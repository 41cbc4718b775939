"""Shift times as data: which shift an instant falls in, at a property's local time (pure Python, no ORM).

A property lists its shifts by start time only; each shift ends when the next one starts, so the
day is always covered and a night shift (23:00 → 07:00) simply runs across midnight.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from hotel_crm.i18n import localized


@dataclass(frozen=True)
class ShiftSpec:
    """One shift of a property's day: a code, its names and its local start time."""

    code: str
    name_en: str
    name_zh: str
    starts: dt.time

    @property
    def name(self) -> str:
        return localized(self.name_en, self.name_zh)


# Used until a property sets its own shifts in the admin (07–15, 15–23, 23–07).
DEFAULT_SHIFTS = (
    ShiftSpec("morning", "Morning", "早班", dt.time(7, 0)),
    ShiftSpec("evening", "Evening", "中班", dt.time(15, 0)),
    ShiftSpec("night", "Night", "夜班", dt.time(23, 0)),
)
# For makemessages: the default names shown in English.
_NAMES = (_("Morning"), _("Evening"), _("Night"))


@dataclass(frozen=True)
class ShiftWindow:
    """One occurrence of a shift: [start, end) as aware instants."""

    spec: ShiftSpec
    start: dt.datetime
    end: dt.datetime

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def key(self) -> str:
        """Names this occurrence: the shift's code and its local start date (a night shift's evening)."""
        return f"{self.spec.code}@{self.start.date().isoformat()}"

    def contains(self, instant: dt.datetime) -> bool:
        return self.start <= instant < self.end


def _starts_around(specs: tuple[ShiftSpec, ...], tz: zoneinfo.ZoneInfo, day: dt.date):
    """Every shift start from the day before `day` to the day after, in time order (UTC instants)."""
    starts = []
    for offset in (-1, 0, 1, 2):
        local_day = day + dt.timedelta(days=offset)
        for spec in specs:
            local = dt.datetime.combine(local_day, spec.starts, tzinfo=tz)
            starts.append((local.astimezone(dt.UTC), spec))
    starts.sort(key=lambda pair: pair[0])
    return starts


def shift_at(
    specs: tuple[ShiftSpec, ...] | list[ShiftSpec], tz: zoneinfo.ZoneInfo, now: dt.datetime
) -> ShiftWindow:
    """The shift `now` falls in; `specs` must hold at least one shift with distinct start times."""
    if now.tzinfo is None:
        raise ValueError("shift_at needs an aware datetime")
    specs = tuple(specs) or DEFAULT_SHIFTS
    instant = now.astimezone(dt.UTC)
    starts = _starts_around(specs, tz, instant.astimezone(tz).date())
    for n, (start, spec) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else start + dt.timedelta(days=1)
        # Compared in UTC: on a day the clocks go back, two local times can be the same instant.
        if start <= instant < end and end > start:
            return ShiftWindow(spec=spec, start=start.astimezone(tz), end=end.astimezone(tz))
    raise AssertionError("unreachable: the starts cover two days around `now`")


def shift_after(specs, tz: zoneinfo.ZoneInfo, window: ShiftWindow) -> ShiftWindow:
    """The shift that follows `window`."""
    return shift_at(specs, tz, window.end)


def shift_before(specs, tz: zoneinfo.ZoneInfo, window: ShiftWindow) -> ShiftWindow:
    """The shift that came before `window`."""
    return shift_at(specs, tz, window.start - dt.timedelta(microseconds=1))
