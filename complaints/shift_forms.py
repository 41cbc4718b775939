"""Input cleaning for the shift screens: the duty log, its filters and the handover."""

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import LogCategory
from hotel_crm.date_window import WindowedDateField
from hotel_crm.inputs import MAX_ID
from hotel_crm.models import Property
from hotel_crm.widgets import CountedTextarea, FastSelect

# The log's filter accepts a day within this many days of today, either way.
DAY_WINDOW = 366 * 10


class LogEntryForm(forms.Form):
    category = forms.ChoiceField(widget=FastSelect, label=_("Category"), choices=LogCategory.choices)
    text = forms.CharField(
        label=_("What happened"), max_length=4000, widget=CountedTextarea(attrs={"rows": 3})
    )
    case = forms.CharField(label=_("Case reference"), max_length=30, required=False)
    room = forms.CharField(label=_("Room"), max_length=10, required=False)
    stay = forms.CharField(label=_("Confirmation number"), max_length=30, required=False)
    is_sensitive = forms.BooleanField(label=_("Sensitive (guest relations managers only)"), required=False)
    corrects = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID)
    # The guest the entry is about, when written from their profile ("Write in the duty log").
    guest = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID)


class LogFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    category = forms.ChoiceField(
        widget=FastSelect, label=_("Category"), required=False, choices=[("", _("Any")), *LogCategory.choices]
    )
    day = WindowedDateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    shift = forms.ChoiceField(widget=FastSelect, label=_("Shift"), required=False)
    mine = forms.BooleanField(label=_("Mine"), required=False)

    def __init__(
        self, *args: Any, prop: Property, shift_choices: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.prop = prop
        self.fields["shift"].choices = [("", _("Whole day")), *shift_choices]  # type: ignore[attr-defined]

    def clean_day(self) -> dt.date | None:
        day = self.cleaned_data.get("day")
        if day is not None and abs((day - self.prop.today()).days) > DAY_WINDOW:
            raise forms.ValidationError(_("Choose a day within ten years of today."))
        return day


class HandoverForm(forms.Form):
    notes = forms.CharField(
        label=_("Your notes for the next shift"),
        max_length=4000,
        required=False,
        widget=CountedTextarea(attrs={"rows": 4}),
    )
    to_user = forms.TypedChoiceField(
        widget=FastSelect, label=_("Hand over to"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_user"].choices = [("", _("Whoever comes on next")), *staff]  # type: ignore[attr-defined]


class AcknowledgeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
