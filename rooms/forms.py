from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hotel_crm.inputs import MAX_ID
from hotel_crm.widgets import CountedTextInput
from rooms.models import FloorZone, RoomStatus, RoomType


class RoomBoardFilterForm(forms.Form):
    floor = forms.TypedChoiceField(label=_("Floor"), required=False, coerce=int, empty_value=None)
    room_type = forms.TypedChoiceField(label=_("Type"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    zone = forms.TypedChoiceField(label=_("Zone"), required=False, coerce=int, empty_value=None)

    def __init__(
        self, *args, floors: list[int], room_types: list[RoomType], zones: list[FloorZone], **kwargs
    ):
        super().__init__(*args, **kwargs)
        every: list[tuple[Any, Any]] = [("", _("All"))]
        self._choice_field("floor").choices = every + [(f, str(f)) for f in floors]
        self._choice_field("room_type").choices = every + [(t.pk, t.name) for t in room_types]
        self._choice_field("status").choices = every + list(RoomStatus.choices)
        self._choice_field("zone").choices = every + [(z.pk, z.name) for z in zones]

    def _choice_field(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])


class RoomStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=RoomStatus.choices)
    reason = forms.CharField(
        label=_("Reason (required when out of order)"),
        max_length=200,
        required=False,
        strip=True,
        widget=CountedTextInput,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("status") == RoomStatus.OUT_OF_ORDER and not data.get("reason"):
            self.add_error("reason", _("Say why the room is out of order."))
        return data


class RoomRangeForm(forms.Form):
    room_type = forms.ModelChoiceField(label=_("Room type"), queryset=RoomType.objects.none())
    first_number = forms.IntegerField(label=_("First room number"), min_value=1, max_value=99999)
    last_number = forms.IntegerField(label=_("Last room number"), min_value=1, max_value=99999)
    floor = forms.IntegerField(
        label=_("Floor"),
        required=False,
        min_value=-5,
        max_value=200,
        help_text=_("Leave empty to take it from the number: 2101 is on floor 21."),
    )

    def __init__(self, *args, room_types: QuerySet[RoomType], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["room_type"]).queryset = room_types

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, last = data.get("first_number"), data.get("last_number")
        if first and last and last < first:
            self.add_error("last_number", _("The last room number must not be lower than the first."))
        return data
