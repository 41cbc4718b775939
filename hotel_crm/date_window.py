"""The window every date a person or a system types must fall in (issue #18, ADR 0015).

A date far from today is a typo or an attack, never a hotel's business: year 1 or 9999 also broke
the time-zone shift to UTC (Python's OverflowError) and PostgreSQL ("timestamp too small"), a 500.
Every date and date-time input of the forms, the list filters, the query parameters and the API
uses these fields, which refuse values outside [today - DATE_WINDOW_PAST_DAYS, today +
DATE_WINDOW_FUTURE_DAYS] with a clear message; a stay is at most STAY_MAX_NIGHTS long.
tests/test_date_window.py finds every date field and fails on one that does not.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hotel_crm import dates

# Clocks of phones and terminals drift: "now" on another device may be a few minutes ahead of ours.
FUTURE_SKEW = dt.timedelta(minutes=10)


def date_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day accepted, around today in the current (property's) time zone."""
    today = today or timezone.localdate()
    return (
        today - dt.timedelta(days=settings.DATE_WINDOW_PAST_DAYS),
        today + dt.timedelta(days=settings.DATE_WINDOW_FUTURE_DAYS),
    )


def window_message(first: dt.date, last: dt.date) -> str:
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": dates.format_day(first),
        "last": dates.format_day(last),
    }


def date_window_check(value: dt.date | dt.datetime | None) -> None:
    """Raise ValidationError unless `value` (a date or an aware/naive date-time) falls in the window."""
    if value is None:
        return
    if isinstance(value, dt.datetime):
        try:
            day = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        except OverflowError:  # the shift to the local zone left the calendar: year 1 or 9999
            day = dt.date.min if value.year < 5000 else dt.date.max
    else:
        day = value
    first, last = date_window()
    if not first <= day <= last:
        raise ValidationError(window_message(first, last), code="date_window")


def stay_length_check(arrival: dt.date, departure: dt.date) -> str | None:
    """The reason a stay's dates cannot be right, or None."""
    if departure <= arrival:
        return _("The departure date must be after the arrival date.")
    if (departure - arrival).days > settings.STAY_MAX_NIGHTS:
        return ngettext(
            "A stay can be at most %(nights)d night.",
            "A stay can be at most %(nights)d nights.",
            settings.STAY_MAX_NIGHTS,
        ) % {"nights": settings.STAY_MAX_NIGHTS}
    return None


class WindowedDateField(forms.DateField):
    """A date inside the window (date_window)."""

    def validate(self, value):
        super().validate(value)
        date_window_check(value)


class WindowedDateTimeField(forms.DateTimeField):
    """A date-time inside the window; the shift to the current time zone cannot crash.

    `past_only`: a moment that has happened (when a problem occurred) may not be in the future either.
    """

    def __init__(self, *args, past_only: bool = False, **kwargs):
        self.past_only = past_only
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def validate(self, value):
        super().validate(value)
        if self.past_only and value is not None and value > timezone.now() + FUTURE_SKEW:
            raise ValidationError(_("This is in the future."), code="future")
        date_window_check(value)
