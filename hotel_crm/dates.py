"""Dates and times a hotel reads without doubt: the property's style (day first or ISO), 24-hour times,
and the property's zone beside a time whenever it differs from the reader's own (ADR 0018).

The middleware activates the style for the request (like the time zone); the template filters `day`
and `moment` (hotel_crm.templatetags.dates, built in) and Python code use `format_day`/`format_moment`.
"""

import contextvars
import datetime as dt
import functools
from dataclasses import dataclass

from django.db import models
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext_lazy as _


class DateStyle(models.TextChoices):
    DAY_FIRST = "day_first", _("Day first (7 Dec 2026)")
    ISO = "iso", _("ISO (2026-12-07)")


@dataclass(frozen=True)
class DateSettings:
    style: str = DateStyle.DAY_FIRST
    show_zone: bool = False  # the property's zone differs from the reader's: label every time


_DEFAULT = DateSettings()
_current: contextvars.ContextVar[DateSettings | None] = contextvars.ContextVar(
    "hotel_crm_dates", default=None
)


def activate(settings: DateSettings) -> contextvars.Token:
    return _current.set(settings)


def deactivate(token: contextvars.Token) -> None:
    _current.reset(token)


def current() -> DateSettings:
    return _current.get() or _DEFAULT


def _chinese() -> bool:
    return (translation.get_language() or "").startswith("zh")


def _day_pattern(style: str) -> str:
    if style == DateStyle.ISO:
        return "Y-m-d"
    return "Y年n月j日" if _chinese() else "j M Y"


def format_day(value: dt.date | dt.datetime | None) -> str:
    """A calendar date: 7 Dec 2026 / 2026年12月7日, or 2026-12-07 (ISO style)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return _formatted_day(value, _day_pattern(current().style), translation.get_language())


@functools.lru_cache(maxsize=4096)
def _formatted_day(day: dt.date, pattern: str, language: str | None) -> str:
    """A day in a pattern of date-only parts, in `language` (the active one, part of the key).

    A list of 100 cases shows some 200 dates, most of them a few days apart: formatting each
    translated its month's name again (ADR 0022).
    """
    return dateformat.format(day, pattern)


def zone_label(value: dt.datetime) -> str:
    """The UTC offset of an aware local time, e.g. UTC+8 or UTC+5:30 (zone abbreviations are ambiguous)."""
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_moment(value: dt.datetime | None, *, zone: bool | None = None) -> str:
    """A date and 24-hour time in the property's zone; the zone is shown when it is not the reader's."""
    if value is None or value == "":
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    text = f"{format_day(value)} {value:%H:%M}"
    show = current().show_zone if zone is None else zone
    if show and timezone.is_aware(value):
        text += f" {zone_label(value)}"
    return text


def format_time(value: dt.datetime | dt.time | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
        if current().show_zone:
            return f"{value:%H:%M} {zone_label(value)}"
    return f"{value:%H:%M}"
