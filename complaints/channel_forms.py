"""Input cleaning for the intake queue, replies to guests and the review import (ADR 0020)."""

import uuid
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.channels.reviews import MAX_FILE_BYTES
from complaints.forms import CategoryChoiceField, VersionedForm
from complaints.models import Area, Category, Department, ReviewSource, Severity
from hotel_crm.models import Property
from hotel_crm.widgets import CountedTextarea, FastSelect


class IntakeCaseForm(VersionedForm):
    """Turn an incoming message into a new case: who (a shown match, confirmed), where, what."""

    guest = forms.TypedChoiceField(label=_("Guest"), coerce=int, required=False, empty_value=None)
    complainant_name = forms.CharField(
        label=_("Name (if not a registered guest)"), max_length=120, required=False
    )
    guest_words = forms.CharField(
        label=_("What the guest said, in their words"),
        max_length=4000,
        widget=CountedTextarea(attrs={"rows": 5}),
    )
    department = forms.ModelChoiceField(
        widget=FastSelect, label=_("Department"), queryset=Department.objects.none()
    )
    category = CategoryChoiceField(
        widget=FastSelect, label=_("Category"), queryset=Category.objects.none(), required=False
    )
    severity = forms.ChoiceField(
        widget=FastSelect, label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    area = forms.ChoiceField(widget=FastSelect, label=_("Where"), choices=Area.choices, initial=Area.OUTSIDE)

    def __init__(self, *args: Any, prop: Property, guests: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.for_property(prop).filter(is_active=True)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = Category.objects.filter(
            department__in=departments, is_active=True
        ).select_related("department")
        cast(forms.TypedChoiceField, self.fields["guest"]).choices = [
            ("", _("Not a registered guest (write the name below)")),
            *guests,
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("guest") and not (data.get("complainant_name") or "").strip():
            self.add_error(
                "complainant_name", _("Confirm a matching guest, or write the name of the person.")
            )
        category, department = data.get("category"), data.get("department")
        if category and department and category.department_id != department.pk:
            self.add_error("category", _("This category belongs to another department."))
        return data


class IntakeAttachForm(VersionedForm):
    reference = forms.CharField(label=_("Case reference"), max_length=30)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply to the guest"), max_length=4000, widget=CountedTextarea(attrs={"rows": 4})
    )
    # One key per rendered form: sent twice, it is still one reply (channels.reply_send).
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4().hex)

    def clean_submission_key(self) -> str:
        value = self.cleaned_data["submission_key"]
        if not value.isalnum():
            raise forms.ValidationError(_("Reload the form and try again."))
        return value


class ReviewUploadForm(forms.Form):
    source = forms.ModelChoiceField(
        widget=FastSelect, label=_("Review site"), queryset=ReviewSource.objects.none()
    )
    file = forms.FileField(label=_("Export (CSV or JSON)"))

    def __init__(self, *args: Any, prop: Property, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["source"]).queryset = ReviewSource.objects.for_property(prop)

    def clean_file(self) -> Any:
        """An export over the limit is refused by its size, before anything reads it into memory."""
        file = self.cleaned_data["file"]
        if file.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB; export fewer reviews at a time."))
        return file


class ReviewMappingForm(VersionedForm):
    """Which column of the site's export holds each of our fields; saved on the source."""

    source = forms.ModelChoiceField(widget=forms.HiddenInput, queryset=ReviewSource.objects.none())
    external_id = forms.CharField(label=_("Column: review id"), max_length=100)
    text = forms.CharField(label=_("Column: review text"), max_length=100)
    rating = forms.CharField(label=_("Column: rating"), max_length=100, required=False)
    author = forms.CharField(label=_("Column: author"), max_length=100, required=False)
    title = forms.CharField(label=_("Column: title"), max_length=100, required=False)
    posted_at = forms.CharField(label=_("Column: date posted"), max_length=100, required=False)

    def __init__(self, *args: Any, prop: Property, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["source"]).queryset = ReviewSource.objects.for_property(prop)


class ReviewImportForm(forms.Form):
    source = forms.ModelChoiceField(widget=forms.HiddenInput, queryset=ReviewSource.objects.none())
    rows = forms.CharField(widget=forms.HiddenInput, max_length=2_000_000)

    def __init__(self, *args: Any, prop: Property, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["source"]).queryset = ReviewSource.objects.for_property(prop)


class PublicReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Public reply"), max_length=4000, widget=CountedTextarea(attrs={"rows": 3})
    )
