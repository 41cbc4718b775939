"""hotel_crm.widgets.FastSelect writes exactly the HTML of Django's template-rendered Select."""

import pytest
from django import forms

from hotel_crm.widgets import FastSelect

CASES = [
    # escaping, a selected value, a bare boolean attribute, a False one left out
    (
        [("", "---------"), (1, "A & B"), (2, '<x> "q"')],
        2,
        {"id": "id_x", "required": True, "disabled": False, "class": "a b"},
    ),
    # option groups
    ([("Housekeeping", [(1, "Room not clean"), (2, "Missing amenities")]), (3, "Other")], 1, None),
    # no options
    ([], None, {}),
    # several values, a quote in an attribute, Chinese labels
    ([(1, "房间不干净"), (2, "空调")], [1, 2], {"data-x": 'a"b'}),
]


@pytest.mark.parametrize(("choices", "value", "attrs"), CASES)
def test_fast_select_renders_the_same_html_as_djangos_select(choices, value, attrs):
    expected = forms.Select(choices=choices).render("field", value, attrs)
    assert FastSelect(choices=choices).render("field", value, attrs) == expected


def test_a_form_field_with_fast_select_renders_like_the_default_one():
    class Default(forms.Form):
        room = forms.ChoiceField(choices=[(str(n), f"Room {n}") for n in range(200)], required=False)

    class Fast(forms.Form):
        room = forms.ChoiceField(
            widget=FastSelect, choices=[(str(n), f"Room {n}") for n in range(200)], required=False
        )

    assert str(Fast(initial={"room": "42"})["room"]) == str(Default(initial={"room": "42"})["room"])
    assert 'value="42" selected' in str(Fast(initial={"room": "42"})["room"])


def test_a_model_choice_select_renders_like_the_default_one(sha):
    from rooms.models import Room
    from tests import factories

    rooms = [factories.make_room(sha, f"26{n:02d}") for n in range(1, 6)]

    def field(widget):
        class RoomForm(forms.Form):
            room = forms.ModelChoiceField(
                widget=widget, queryset=Room.objects.order_by("number"), required=False
            )

        return str(RoomForm(initial={"room": rooms[2].pk})["room"])

    fast, default = field(FastSelect), field(forms.Select)
    assert fast == default
    assert f'<option value="{rooms[2].pk}" selected>' in fast
