"""hotel_crm.form_renderer writes exactly the HTML of Django's input and label templates."""

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from hotel_crm.form_renderer import FastFormRenderer


class Everything(forms.Form):
    text = forms.CharField(max_length=30, label='Name & "title" <b>')
    hidden = forms.CharField(widget=forms.HiddenInput)
    ticked = forms.BooleanField(required=False, label=gettext_lazy("Overdue"))
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    moment = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    count = forms.IntegerField(min_value=-3, max_value=300, label="")
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "off", "data-x": "a'b\"c"}))
    link = forms.URLField(required=False, widget=forms.URLInput(attrs={"disabled": True, "readonly": False}))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    word = forms.CharField(
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Find")}), label_suffix=""
    )
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search"}))


VALUES = [
    {},  # unbound: no values
    {
        "text": 'A & B <script>"x"</script>',
        "hidden": "7",
        "ticked": "on",
        "day": "2026-03-11",
        "moment": "2026-03-11T09:30",
        "count": "0",
        "email": "a@example.com",
        "link": "https://example.com/?a=1&b=2",
        "secret": "p<w>",
        "word": "王芳",
        "time": "09:30",
        "search": "'quoted'",
    },
]


def _html(form_class, renderer, data, initial=None, auto_id="id_%s"):
    form = form_class(data or None, initial=initial, renderer=renderer, auto_id=auto_id)
    form.is_valid() if data else None
    return [(str(bf), bf.label_tag(), bf.legend_tag(), str(bf.errors)) for bf in form]


@pytest.mark.parametrize("data", VALUES)
@pytest.mark.parametrize("auto_id", ["id_%s", "", "f-%s"])
def test_every_input_and_label_is_djangos_html(data, auto_id):
    assert _html(Everything, FastFormRenderer(), data, auto_id=auto_id) == _html(
        Everything, DjangoTemplates(), data, auto_id=auto_id
    )


def test_initial_values_of_other_types_are_written_as_django_writes_them():
    initial = {
        "text": mark_safe("<em>kept</em>"),
        "hidden": 42,
        "ticked": True,
        "day": dt.date(2026, 3, 11),
        "moment": dt.datetime(2026, 3, 11, 9, 30),
        "count": 1234567,
        "word": ("a", 1),
    }
    fast = _html(Everything, FastFormRenderer(), None, initial=initial)
    assert fast == _html(Everything, DjangoTemplates(), None, initial=initial)
    assert 'value="<em>kept</em>"' in fast[0][0]  # a safe value stays as it is, as in the template


def test_the_apps_forms_render_the_same(sha):
    from django.http import QueryDict

    from complaints import forms as complaint_forms

    bound = QueryDict("status=open&overdue=on&reported_from=2026-01-01&category=x&room=3&sort=bad")
    for data in (None, bound):
        fast = complaint_forms.ListFilterForm(data, prop=sha, renderer=FastFormRenderer())
        slow = complaint_forms.ListFilterForm(data, prop=sha, renderer=DjangoTemplates())
        assert [(str(f), f.label_tag()) for f in fast] == [(str(f), f.label_tag()) for f in slow]
        assert str(fast) == str(slow)


def test_the_setting_uses_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastFormRenderer)
