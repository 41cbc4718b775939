import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guests import names
from guests.models import Guest, PreferenceCategory
from guests.phones import InvalidPhone, normalise_phone
from guests.services import GuestData
from hotel_crm.date_window import WindowedDateField, stay_length_check
from hotel_crm.inputs import MAX_ID
from hotel_crm.models import Property
from hotel_crm.widgets import CountedTextarea, FastSelect
from rooms.models import Room, RoomStatus

MAX_PHONES = 5
MAX_TAGS = 20
# Letters of any Latin-based alphabet, with spaces, hyphens, apostrophes and dots between them.
_LATIN_NAME = re.compile(r"^[^\W\d_]+(?:[ '’\-.]+[^\W\d_]+)*\.?$")
_CJK_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·•]+$")

PREFERENCE_FIELDS = {
    PreferenceCategory.ROOM: _("e.g. high floor, away from lift, non-smoking"),
    PreferenceCategory.FLOOR: _("e.g. executive floor, 30+"),
    PreferenceCategory.PILLOW: _("e.g. feather, buckwheat, two extra"),
    PreferenceCategory.BED: _("e.g. king, extra bed, baby cot"),
    PreferenceCategory.ALLERGY: _("e.g. peanuts, feathers, shellfish"),
    PreferenceCategory.DIET: _("e.g. vegetarian, halal, no pork"),
    PreferenceCategory.NEWSPAPER: _("e.g. China Daily, Financial Times"),
    PreferenceCategory.OTHER: _("anything else, comma-separated"),
}


def _pref_field(category: str) -> str:
    return f"pref_{category}"


class GuestForm(forms.ModelForm):
    field_order = [
        "salutation",
        "family_name_cjk",
        "given_name_cjk",
        "family_name_latin",
        "given_name_latin",
        "phones",
        "email",
        "nationality",
        "preferred_language",
        "company",
        "vip_level",
        "marketing_consent",
    ]

    phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        max_length=300,
        widget=CountedTextarea(attrs={"rows": 2}),
        help_text=_("One per line, any format; numbers without a country code are read as Chinese numbers."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, max_value=MAX_ID)
    confirm_not_duplicate = forms.BooleanField(
        label=_("This is a different person: create the profile anyway"), required=False
    )

    class Meta:
        model = Guest
        fields = [
            "salutation",
            "family_name_cjk",
            "given_name_cjk",
            "family_name_latin",
            "given_name_latin",
            "nationality",
            "preferred_language",
            "email",
            "company",
            "vip_level",
            "preference_notes",
            "notes",
            "marketing_consent",
        ]
        widgets = {
            "preference_notes": CountedTextarea(attrs={"rows": 2}),
            "notes": CountedTextarea(attrs={"rows": 3}),
            "nationality": forms.TextInput(attrs={"size": 3, "placeholder": "CN"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for category, hint in PREFERENCE_FIELDS.items():
            self.fields[_pref_field(category)] = forms.CharField(
                label=PreferenceCategory(category).label, required=False, max_length=400, help_text=hint
            )
        self.fields["family_name_cjk"].widget.attrs["lang"] = "zh"
        self.fields["given_name_cjk"].widget.attrs["lang"] = "zh"
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.fields["nationality"].error_messages["max_length"] = _(
            "Use the two-letter country code, e.g. CN, US, GB."
        )

    def preference_fields(self):
        return [self[_pref_field(c)] for c in PREFERENCE_FIELDS]

    def profile_fields(self):
        skip = {"version", "confirm_not_duplicate", *(_pref_field(c) for c in PREFERENCE_FIELDS)}
        return [f for f in self.visible_fields() if f.name not in skip]

    def _clean_cjk(self, name):
        value = self.cleaned_data.get(name, "").strip()
        if value and not _CJK_NAME.match(value):
            raise forms.ValidationError(
                _("Use Chinese characters only here; Latin letters go in the Latin fields.")
            )
        return value

    def _clean_latin(self, name):
        value = " ".join(self.cleaned_data.get(name, "").split())
        if value and (names.has_cjk(value) or not _LATIN_NAME.match(value)):
            raise forms.ValidationError(_("Use letters only (spaces, hyphens and apostrophes are fine)."))
        return value

    def clean_family_name_cjk(self):
        return self._clean_cjk("family_name_cjk")

    def clean_given_name_cjk(self):
        return self._clean_cjk("given_name_cjk")

    def clean_family_name_latin(self):
        return self._clean_latin("family_name_latin")

    def clean_given_name_latin(self):
        return self._clean_latin("given_name_latin")

    def clean_nationality(self):
        return self.cleaned_data.get("nationality", "").strip().upper()

    def clean_phones(self):
        raw = [p.strip() for p in re.split(r"[\n,;]+", self.cleaned_data.get("phones", "")) if p.strip()]
        if len(raw) > MAX_PHONES:
            raise forms.ValidationError(_("At most %(max)d phone numbers.") % {"max": MAX_PHONES})
        numbers, bad = [], []
        for entry in raw:
            try:
                numbers.append(normalise_phone(entry))
            except InvalidPhone:
                bad.append(entry)
        if bad:
            raise forms.ValidationError(
                _(
                    "Not a phone number: %(numbers)s. "
                    "Include the country code for numbers outside China (+44 …)."
                )
                % {"numbers": ", ".join(bad)}
            )
        return list(dict.fromkeys(numbers))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not any(
            data.get(f)
            for f in ("family_name_cjk", "given_name_cjk", "family_name_latin", "given_name_latin")
        ):
            raise forms.ValidationError(
                _("Enter the guest's name, in Chinese characters or Latin letters (or both).")
            )
        preferences: list[tuple[str, str]] = []
        for category in PREFERENCE_FIELDS:
            tags = [
                t.strip() for t in re.split(r"[,，、;\n]+", data.get(_pref_field(category), "")) if t.strip()
            ]
            for tag in tags:
                if len(tag) > 80:
                    self.add_error(_pref_field(category), _("Keep each preference under 80 characters."))
            preferences += [(category, t[:80]) for t in tags]
        if len(preferences) > MAX_TAGS * 4:
            raise forms.ValidationError(_("Too many preferences; use the free-text box for details."))
        self.cleaned_preferences = list(dict.fromkeys(preferences))
        return data

    def to_data(self) -> GuestData:
        d = self.cleaned_data
        fields: dict[str, Any] = {name: d.get(name) for name in self.Meta.fields}
        return GuestData(
            **fields,
            phones=d.get("phones", []),
            preferences=self.cleaned_preferences,
        )

    @classmethod
    def initial_from(cls, data: GuestData, version: int) -> dict:
        initial = {name: getattr(data, name) for name in cls.Meta.fields}
        initial["phones"] = "\n".join(data.phones)
        initial["version"] = version
        for category in PREFERENCE_FIELDS:
            initial[_pref_field(category)] = ", ".join(v for c, v in data.preferences if c == category)
        return initial


class StayForm(forms.Form):
    room = forms.ModelChoiceField(widget=FastSelect, label=_("Room"), queryset=Room.objects.none())
    arrival = WindowedDateField(label=_("Arrival"), widget=forms.DateInput(attrs={"type": "date"}))
    departure = WindowedDateField(label=_("Departure"), widget=forms.DateInput(attrs={"type": "date"}))
    confirmation_number = forms.CharField(
        label=_("Confirmation number"),
        max_length=30,
        required=False,
        help_text=_("From the reservation system; leave empty to generate one."),
    )
    adults = forms.IntegerField(label=_("Adults"), min_value=1, max_value=10, initial=1)
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=CountedTextarea(attrs={"rows": 2})
    )
    check_in_now = forms.BooleanField(label=_("Check in now"), required=False)

    def __init__(self, *args, prop: Property, **kwargs):
        super().__init__(*args, **kwargs)
        rooms = (
            Room.objects.for_property(prop)
            .select_related("room_type")
            .exclude(status=RoomStatus.OUT_OF_ORDER)
        )
        room = cast(forms.ModelChoiceField, self.fields["room"])
        room.queryset = rooms.order_by("floor", "number")
        room.label_from_instance = lambda obj: (  # type: ignore[method-assign]  # Django's documented hook
            f"{obj.number} · {obj.room_type.name} · {obj.get_status_display()}"
        )
        today = prop.today()
        self.fields["arrival"].initial = today
        self.fields["departure"].initial = today + dt.timedelta(days=1)

    def clean_confirmation_number(self):
        value = self.cleaned_data.get("confirmation_number", "").strip().upper()
        if value and not re.fullmatch(r"[A-Z0-9\-]{3,30}", value):
            raise forms.ValidationError(_("Use 3–30 letters, digits or hyphens."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        arrival, departure = data.get("arrival"), data.get("departure")
        if arrival and departure:
            problem = stay_length_check(arrival, departure)
            if problem:
                self.add_error("departure", problem)
        return data


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_(
            "e.g. “Guest's written request of 2026-11-20 (PIPL art. 47)”. Kept with the erasure record."
        ),
        widget=CountedTextarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the guest's personal data will be gone for good.")
    )
