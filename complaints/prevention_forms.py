"""Input cleaning for prevention: problems, department work, compliments (no business rules here)."""

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.forms import DATETIME, StaffChoiceField, VersionedForm
from hotel_crm.date_window import WindowedDateTimeField
from hotel_crm.inputs import MAX_ID
from hotel_crm.widgets import CountedTextarea, CountedTextInput, FastSelect


class _WithStaff(VersionedForm):
    staff_field = ""

    def __init__(self, *args: Any, staff: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields[self.staff_field]).queryset = (
            staff if staff is not None else User.objects.none()
        )


class ProblemOwnerForm(_WithStaff):
    staff_field = "owner"
    owner = StaffChoiceField(widget=FastSelect, label=_("Owner"), queryset=User.objects.none())


class RootCauseForm(VersionedForm):
    root_cause = forms.CharField(
        label=_("Root cause"), max_length=2000, widget=CountedTextarea(attrs={"rows": 3})
    )


class DecisionRequestForm(forms.Form):
    question = forms.CharField(
        label=_("Decision asked for"),
        max_length=300,
        help_text=_(
            "Something beyond your power, e.g. run the cooling two weeks longer, replace the boiler."
        ),
        widget=CountedTextInput,
    )
    reason = forms.CharField(
        label=_("Why it is needed"), max_length=300, required=False, widget=CountedTextInput
    )


class CorrectiveActionForm(_WithStaff):
    staff_field = "action_owner"
    corrective_action = forms.CharField(
        label=_("Corrective action"), max_length=2000, widget=CountedTextarea(attrs={"rows": 3})
    )
    action_owner = StaffChoiceField(widget=FastSelect, label=_("Who does it"), queryset=User.objects.none())
    due_at = WindowedDateTimeField(label=_("Due"), widget=DATETIME)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("due_at", timezone.localtime() + dt.timedelta(days=7))


class ActionDoneNoteForm(VersionedForm):
    note = forms.CharField(label=_("What was done"), max_length=500, required=False, widget=CountedTextInput)


class CloseForm(VersionedForm):
    """Close the problem: no input, the verification period says whether it may."""


class HandBackForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is handed back"), max_length=300, required=False, widget=CountedTextInput
    )


class ComplimentForm(forms.Form):
    praised = StaffChoiceField(
        widget=FastSelect, label=_("Staff member praised"), queryset=User.objects.none()
    )
    words = forms.CharField(
        label=_("What the guest said"), max_length=500, widget=CountedTextarea(attrs={"rows": 3})
    )
    stay = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)

    def __init__(self, *args: Any, staff: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["praised"]).queryset = (
            staff if staff is not None else User.objects.none()
        )
