import datetime as dt
import uuid
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    ApologyMethod,
    Area,
    Category,
    Channel,
    ComplaintKind,
    CourtesyOutcome,
    Department,
    GuestType,
    Mood,
    Remedy,
    RemedyType,
    Severity,
    VerdictSource,
)
from complaints.workflow import Status, Verdict
from hotel_crm.date_window import WindowedDateField, WindowedDateTimeField
from hotel_crm.inputs import MAX_ID
from hotel_crm.models import Property
from hotel_crm.widgets import CountedTextarea, CountedTextInput, FastSelect
from rooms.models import Room

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


def _case_details_choices(form: forms.Form, prop: Property | None) -> None:
    """The property's departments, their categories and its rooms, for the log and details forms."""
    departments = Department.objects.for_property(prop).filter(is_active=True)
    _model_choice(form, "department").queryset = departments
    _model_choice(form, "category").queryset = Category.objects.filter(
        department__in=departments, is_active=True
    ).select_related("department")  # the label shows it: one query, not one per category
    _model_choice(form, "room").queryset = Room.objects.for_property(prop).order_by("floor", "number")


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.department.name} · {obj.name}"


class RemedyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Remedy) -> str:
        return f"{obj.name} · {obj.default_value}"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)


class ComplaintLogForm(forms.Form):
    guest_words = forms.CharField(
        label=_("What the guest said, in their words"),
        max_length=4000,
        widget=CountedTextarea(attrs={"rows": 4}),
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
    area = forms.ChoiceField(widget=FastSelect, label=_("Where"), choices=Area.choices, initial=Area.ROOM)
    room = forms.ModelChoiceField(
        widget=FastSelect, label=_("Room"), queryset=Room.objects.none(), required=False
    )
    location_detail = forms.CharField(
        label=_("Place, in detail"), max_length=200, required=False, widget=CountedTextInput
    )
    occurred_at = WindowedDateTimeField(
        label=_("Happened at"), required=False, widget=DATETIME, past_only=True
    )
    people_involved = forms.CharField(
        label=_("People involved"), max_length=300, required=False, widget=CountedTextInput
    )
    mood = forms.ChoiceField(
        widget=FastSelect, label=_("Guest's mood"), choices=[("", "—"), *Mood.choices], required=False
    )
    guest_type = forms.ChoiceField(
        widget=FastSelect,
        label=_("Kind of guest right now"),
        choices=[("", "—"), *GuestType.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        widget=FastSelect,
        label=_("Kind of complaint"),
        choices=[("", "—"), *ComplaintKind.choices],
        required=False,
    )
    channel = forms.ChoiceField(
        widget=FastSelect, label=_("Channel"), choices=Channel.choices, initial=Channel.IN_PERSON
    )
    complainant_name = forms.CharField(
        label=_("Name (if not a registered guest)"), max_length=120, required=False
    )
    restated_confirmed = forms.BooleanField(
        label=_("I restated the problem and the guest confirmed it"), required=False
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, prop: Property | None, has_guest: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_guest = has_guest
        _case_details_choices(self, prop)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4().hex)
            # "Happened at" defaults to now (the property's time, activated by the middleware).
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_submission_key(self):
        value = self.cleaned_data["submission_key"]
        if not value.isalnum():
            raise forms.ValidationError(_("Reload the form and try again."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.has_guest and not data.get("complainant_name", "").strip():
            self.add_error(
                "complainant_name", _("Choose a guest first, or write the name of the person complaining.")
            )
        category, department = data.get("category"), data.get("department")
        if category and department and category.department_id != department.pk:
            self.add_error("category", _("This category belongs to another department."))
        occurred = data.get("occurred_at")
        if occurred and occurred > timezone.now() + dt.timedelta(minutes=10):
            self.add_error("occurred_at", _("This is in the future."))
        return data


class DetailsForm(VersionedForm):
    """Correct the details captured while listening."""

    department = forms.ModelChoiceField(
        widget=FastSelect, label=_("Department"), queryset=Department.objects.none()
    )
    category = CategoryChoiceField(
        widget=FastSelect, label=_("Category"), queryset=Category.objects.none(), required=False
    )
    severity = forms.ChoiceField(widget=FastSelect, label=_("Severity"), choices=Severity.choices)
    area = forms.ChoiceField(widget=FastSelect, label=_("Where"), choices=Area.choices)
    room = forms.ModelChoiceField(
        widget=FastSelect, label=_("Room"), queryset=Room.objects.none(), required=False
    )
    location_detail = forms.CharField(
        label=_("Place, in detail"), max_length=200, required=False, widget=CountedTextInput
    )
    occurred_at = WindowedDateTimeField(
        label=_("Happened at"), required=False, widget=DATETIME, past_only=True
    )
    people_involved = forms.CharField(
        label=_("People involved"), max_length=300, required=False, widget=CountedTextInput
    )
    mood = forms.ChoiceField(
        widget=FastSelect, label=_("Guest's mood"), choices=[("", "—"), *Mood.choices], required=False
    )
    guest_type = forms.ChoiceField(
        widget=FastSelect,
        label=_("Kind of guest right now"),
        choices=[("", "—"), *GuestType.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        widget=FastSelect,
        label=_("Kind of complaint"),
        choices=[("", "—"), *ComplaintKind.choices],
        required=False,
    )
    channel = forms.ChoiceField(widget=FastSelect, label=_("Channel"), choices=Channel.choices)

    def __init__(self, *args: Any, prop: Property | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _case_details_choices(self, prop)

    @classmethod
    def initial_for(cls, complaint) -> dict:
        initial = {name: getattr(complaint, name) for name in cls.base_fields if name != "version"}
        initial.update(
            department=complaint.department_id,
            category=complaint.category_id,
            room=complaint.room_id,
            version=complaint.version,
            occurred_at=timezone.localtime(complaint.occurred_at),
        )
        return initial


class RestateForm(VersionedForm):
    # The specific refusal, once, instead of "This field is required." (and the step's blocker beside it).
    confirmed = forms.BooleanField(
        label=_("I restated the problem and the guest confirmed it"),
        error_messages={
            "required": _("First restate the problem to the guest and tick that they confirmed it.")
        },
    )
    note = forms.CharField(
        label=_("How I restated it (optional)"), max_length=1000, required=False, widget=CountedTextInput
    )


class ApologyForm(VersionedForm):
    method = forms.ChoiceField(widget=FastSelect, label=_("How"), choices=ApologyMethod.choices)
    note = forms.CharField(
        label=_("Note (optional)"), max_length=1000, required=False, widget=CountedTextInput
    )


class RemedySelect(forms.Select):
    """The one remedy select: catalogue remedies carry their description and value for static/js/app.js."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.option_data: dict[str, tuple[str, str]] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.option_data:
            description, default_value = self.option_data[str(value)]
            option["attrs"] = {
                **option["attrs"],
                "data-description": description,
                "data-value": default_value,
            }
        return option


CATALOGUE_PREFIX = "remedy-"


class OfferForm(VersionedForm):
    # The page shows one select: a catalogue remedy (fills in description and value) or a kind of
    # remedy described by hand. `remedy` (a catalogue id) and `remedy_type` are still accepted as posted
    # fields, so scripts and older clients keep working.
    remedy_choice = forms.ChoiceField(
        widget=RemedySelect(attrs={"data-remedy-select": True}),
        label=_("Remedy"),
        required=False,
        help_text=_("A remedy from the catalogue fills in what it is and its value; change them as needed."),
    )
    remedy = RemedyChoiceField(
        widget=forms.HiddenInput,
        queryset=Remedy.objects.none(),
        required=False,
        label=_("From the catalogue"),
    )
    remedy_type = forms.ChoiceField(
        widget=forms.HiddenInput, label=_("Kind of remedy"), choices=RemedyType.choices, required=False
    )
    description = forms.CharField(label=_("What exactly"), max_length=300, widget=CountedTextInput)
    value = forms.DecimalField(label=_("Value"), min_value=0, max_value=1000000, decimal_places=2, initial=0)
    reason = forms.CharField(
        label=_("Why (if it needs a manager's approval)"),
        max_length=300,
        required=False,
        widget=CountedTextInput,
    )

    def __init__(self, *args: Any, prop: Property | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        remedies = list(Remedy.objects.for_property(prop).filter(is_active=True))
        _model_choice(self, "remedy").queryset = Remedy.objects.for_property(prop).filter(is_active=True)
        self._remedies = {f"{CATALOGUE_PREFIX}{r.pk}": r for r in remedies}
        field = cast(forms.ChoiceField, self.fields["remedy_choice"])
        widget = cast(RemedySelect, field.widget)
        widget.option_data = {key: (r.name, str(r.default_value)) for key, r in self._remedies.items()}
        field.choices = [
            ("", _("— Choose a remedy —")),
            (
                _("From the catalogue"),
                [(key, f"{r.name} · {r.default_value}") for key, r in self._remedies.items()],
            ),
            (_("Another kind (describe it)"), list(RemedyType.choices)),
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        choice = data.get("remedy_choice") or ""
        if choice in self._remedies:
            data["remedy"], data["remedy_type"] = self._remedies[choice], ""
        elif choice:
            data["remedy"], data["remedy_type"] = None, choice
        if not data.get("remedy") and not data.get("remedy_type"):
            self.add_error(
                "remedy_choice" if "remedy_choice" in self.data else "remedy_type",
                _("Choose a remedy from the catalogue or a kind of remedy."),
            )
        return data


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        widget=FastSelect, choices=[("approve", _("Approve")), ("decline", _("Decline"))]
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=CountedTextInput)


class OfferAnswerForm(VersionedForm):
    offer = forms.IntegerField(widget=forms.HiddenInput, max_value=MAX_ID)
    answer = forms.ChoiceField(
        widget=FastSelect, choices=[("accept", _("Accepted")), ("decline", _("Declined"))]
    )
    response = forms.CharField(
        label=_("What the guest said"), max_length=300, required=False, widget=CountedTextInput
    )


class ActionForm(VersionedForm):
    description = forms.CharField(label=_("What must happen"), max_length=300, widget=CountedTextInput)
    department = forms.ModelChoiceField(
        widget=FastSelect, label=_("Department"), queryset=Department.objects.none(), required=False
    )
    due_at = WindowedDateTimeField(label=_("Due"), widget=DATETIME)

    def __init__(self, *args: Any, prop: Property | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "department").queryset = Department.objects.for_property(prop).filter(
            is_active=True
        )
        if not self.is_bound:
            self.initial.setdefault("due_at", timezone.localtime() + dt.timedelta(hours=2))


class ActionDoneForm(VersionedForm):
    action = forms.IntegerField(widget=forms.HiddenInput, max_value=MAX_ID)
    note = forms.CharField(
        label=_("How it was done"), max_length=300, required=False, widget=CountedTextInput
    )


class VerifyForm(VersionedForm):
    verdict = forms.ChoiceField(
        label=_("The guest is now"), choices=Verdict.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("What the guest said"), max_length=1000, required=False, widget=CountedTextInput
    )
    root_cause = forms.CharField(
        label=_("Root cause"), max_length=2000, required=False, widget=CountedTextarea(attrs={"rows": 2})
    )
    preventive_action = forms.CharField(
        label=_("What will stop it happening again"),
        max_length=2000,
        required=False,
        widget=CountedTextarea(attrs={"rows": 2}),
    )


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=CountedTextInput)


class AssignForm(VersionedForm):
    assignee = StaffChoiceField(widget=FastSelect, label=_("Assign to"), queryset=User.objects.none())

    def __init__(self, *args: Any, staff: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "assignee").queryset = staff


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, widget=CountedTextarea(attrs={"rows": 2}))


class GuestLinkForm(forms.Form):
    """Send (or resend) the guest's verification link: no input, the case says everything."""


class GuestAnswerForm(forms.Form):
    """The guest's own answer on the public page (complaints.guest_views)."""

    answer = forms.ChoiceField(
        label=_("How satisfied are you now?"), choices=Verdict.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        max_length=1000,
        required=False,
        widget=CountedTextarea(attrs={"rows": 4}),
    )


class CourtesyForm(forms.Form):
    outcome = forms.ChoiceField(widget=FastSelect, label=_("Outcome"), choices=CourtesyOutcome.choices)
    note = forms.CharField(
        label=_("What the guest said"), max_length=500, required=False, widget=CountedTextInput
    )


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        widget=FastSelect,
        label=_("Step"),
        required=False,
        choices=[("open", _("All open")), *Status.choices, ("all", _("Everything"))],
    )
    department = forms.TypedChoiceField(
        widget=FastSelect, label=_("Department"), required=False, coerce=int, empty_value=None
    )
    severity = forms.ChoiceField(
        widget=FastSelect, label=_("Severity"), required=False, choices=[("", _("Any")), *Severity.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    repeat = forms.BooleanField(label=_("Repeat"), required=False)
    vip = forms.BooleanField(label=_("VIP"), required=False)
    reported_from = WindowedDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reported_to = WindowedDateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    room = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    floor = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=-10, max_value=300)
    verdict = forms.ChoiceField(
        widget=FastSelect,
        label=_("Verdict"),
        required=False,
        choices=[("", _("Any")), ("any", _("Verified")), *Verdict.choices],
    )
    came_back = forms.BooleanField(required=False, widget=forms.HiddenInput)
    verdict_source = forms.ChoiceField(
        required=False, widget=forms.HiddenInput, choices=[("", ""), *VerdictSource.choices]
    )
    guest_answer = forms.ChoiceField(
        required=False, widget=forms.HiddenInput, choices=[("", ""), ("any", "any"), *Verdict.choices]
    )
    departing = forms.BooleanField(label=_("Departing today"), required=False)
    # drill-down from the dashboard's breakdowns (issue #20)
    kind = forms.ChoiceField(
        required=False, widget=forms.HiddenInput, choices=[("", ""), *ComplaintKind.choices]
    )
    mood = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[("", ""), *Mood.choices])
    guest_type = forms.ChoiceField(
        required=False, widget=forms.HiddenInput, choices=[("", ""), *GuestType.choices]
    )
    channel = forms.ChoiceField(
        required=False, widget=forms.HiddenInput, choices=[("", ""), *Channel.choices]
    )
    assignee = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    sort = forms.ChoiceField(
        widget=FastSelect,
        label=_("Sort"),
        required=False,
        choices=[
            ("-reported_at", _("Newest first")),
            ("reported_at", _("Oldest first")),
            ("-severity", _("Most severe first")),
            ("status", _("By step")),
        ],
    )

    def __init__(self, *args: Any, prop: Property | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["department"]).choices = [("", _("Any"))] + [
            (d.pk, d.name) for d in Department.objects.for_property(prop)
        ]


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        widget=FastSelect,
        label=_("Period"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            (7, _("Last 7 days")),
            (30, _("Last 30 days")),
            (90, _("Last 90 days")),
            (365, _("Last year")),
        ],
    )
    start = WindowedDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = WindowedDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and (end < start or (end - start).days > 3660):
            raise forms.ValidationError(_("Choose a period of at most ten years, ending after it starts."))
        return data
