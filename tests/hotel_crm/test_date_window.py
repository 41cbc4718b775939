"""Issue #18, class 3: every date and date-time input (forms, list filters, query parameters, the API)
refuses values outside the window around today with a clear message, and never answers 500 at the
edges of the calendar (year 1, year 9999, time-zone shifts past them, PostgreSQL's "timestamp too small").

The fields are found, not listed: every form and serializer class in every module of the apps. A new
date field that does not use hotel_crm.date_window's fields fails the first test.
"""

import datetime as dt
import inspect

import pytest
from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from hotel_crm import date_window, roles
from hotel_crm.api import serializers as api_fields
from hotel_crm.api.models import Scope
from hotel_crm.api.services import api_token_issue
from tests import factories
from tests.api.conftest import ApiClient
from tests.app_modules import app_modules


def _date_fields() -> dict[str, object]:
    """Every date or date-time input field of every form and serializer, by 'module.Class.field'."""
    found = {}
    for module in app_modules():
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            if issubclass(cls, forms.BaseForm):
                fields = dict(cls.base_fields)
            elif issubclass(cls, serializers.Serializer) and not inspect.isabstract(cls):
                try:
                    fields = {k: f for k, f in cls().fields.items() if not f.read_only}
                except Exception:
                    continue
            else:
                continue
            for field_name, field in fields.items():
                if isinstance(
                    field,
                    (forms.DateField, forms.DateTimeField, serializers.DateField, serializers.DateTimeField),
                ):
                    found[f"{module.__name__}.{name}.{field_name}"] = field
    return found


WINDOWED = (
    date_window.WindowedDateField,
    date_window.WindowedDateTimeField,
    api_fields.WindowedDateField,
    api_fields.WindowedDateTimeField,
)


def test_every_date_field_of_every_form_filter_and_serializer_uses_the_window():
    fields = _date_fields()
    # The ones the issue names are among those found (so the search itself works)
    expected = {
        "complaints.forms.ComplaintLogForm.occurred_at",
        "complaints.forms.DetailsForm.occurred_at",
        "complaints.forms.ActionForm.due_at",
        "complaints.forms.ListFilterForm.reported_from",
        "complaints.forms.ListFilterForm.reported_to",
        "complaints.forms.PeriodForm.start",
        "complaints.forms.PeriodForm.end",
        "guests.forms.StayForm.arrival",
        "complaints.api.serializers.ComplaintCreateSerializer.reported_at",
        "complaints.api.serializers.ComplaintCreateSerializer.occurred_at",
        "complaints.api.serializers.ActionInputSerializer.due_at",
        "complaints.api.serializers.ComplaintListQuerySerializer.reported_from",
        "guests.api.serializers.StayUpsertSerializer.arrival_date",
        "guests.api.serializers.StayUpsertSerializer.departure_date",
    }
    assert expected <= set(fields), expected - set(fields)
    unwindowed = sorted(name for name, field in fields.items() if not isinstance(field, WINDOWED))
    assert unwindowed == []


# --- the property: any value, any field: a value in the window, or a clear refusal -----------------

moments = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59))
offsets = st.sampled_from(["", "Z", "+14:00", "-12:00", "+08:00", "+00:00"])


def _clean(field, text: str):
    if isinstance(field, (forms.Field,)):
        return field.clean(text)
    return field.run_validation(text)


@pytest.mark.django_db
@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_date_is_in_the_window_or_refused_with_a_message(data):
    fields = _date_fields()
    name = data.draw(st.sampled_from(sorted(fields)))
    field = fields[name]
    moment = data.draw(
        st.one_of(moments, st.sampled_from([dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59)]))
    )
    is_datetime = isinstance(field, (forms.DateTimeField, serializers.DateTimeField))
    if is_datetime:
        text = moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0") + data.draw(offsets)
    else:
        text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
    first, last = date_window.date_window()
    try:
        value = _clean(field, text)
    except (ValidationError, serializers.ValidationError) as refusal:
        messages = (
            refusal.messages if isinstance(refusal, ValidationError) else [str(m) for m in refusal.detail]
        )
        assert messages and all(messages), name
        day = moment.date()
        if first + dt.timedelta(days=2) <= day <= last - dt.timedelta(days=2):
            # Inside the window only the "has not happened yet" rule may refuse
            assert getattr(field, "past_only", False) or "future" in " ".join(messages), (
                name,
                text,
                messages,
            )
        return
    if value is None:
        return
    day = timezone.localtime(value).date() if isinstance(value, dt.datetime) else value
    assert first <= day <= last, (name, text, value)


# --- end to end, SQLite and PostgreSQL: year 1 and year 9999 answer a message, never a 500 --------


EDGES = ["0001-01-01", "9999-12-31"]
EDGE_MOMENTS = ["0001-01-01T00:00", "9999-12-31T23:59"]


@pytest.mark.django_db
def test_the_edges_of_the_calendar_get_a_message_on_every_page_and_the_api(sha, clerk, grm):
    dept = factories.make_department(sha, "housekeeping")
    guest = factories.make_guest("王", "芳")
    case = factories.log_case(sha, clerk, guest=guest, department=dept)
    client = Client(raise_request_exception=True)
    client.force_login(grm)
    for day in EDGES:
        listing = client.get("/complaints/", {"reported_from": day, "reported_to": day})
        assert listing.status_code == 200 and "Enter a date between" in listing.content.decode()
        dashboard = client.get("/complaints/dashboard/", {"start": day, "end": day})
        assert dashboard.status_code in (200, 400) and "Enter a date between" in dashboard.content.decode()
        stay = client.post(
            f"/guests/{guest.pk}/stays/new/",
            {"room": "", "arrival": day, "departure": day, "confirmation_number": "EDGE-1"},
        )
        assert stay.status_code in (200, 400) and "Enter a date between" in stay.content.decode()
    for moment in EDGE_MOMENTS:
        created = client.post(
            "/complaints/new/",
            {"guest_words": "noise", "department": dept.pk, "severity": "medium", "area": "room",
             "occurred_at": moment, "complainant_name": "X"},
        )  # fmt: skip
        assert created.status_code in (200, 400), moment
        assert (
            "Enter a date between" in created.content.decode() or "in the future" in created.content.decode()
        )
    _token, raw = api_token_issue(
        name="PMS",
        prop=sha,
        role=Group.objects.get(name=roles.FRONT_DESK),
        scopes=list(Scope.values),
        created_by=None,
    )
    api = ApiClient(raw)
    for reported in ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-12:00"]:
        response = api.post(
            "/api/v1/complaints/",
            {
                "guest_words": "noise",
                "department": "housekeeping",
                "reported_at": reported,
                "occurred_at": reported,
            },
        )
        assert response.status_code == 400, response.content
        assert set(response.json()["errors"]) >= {"reported_at"}
    edge = {"version": case.version, "description": "fix", "due_at": "9999-12-31T23:59:59-12:00"}
    action = api.post(f"/api/v1/complaints/{case.pk}/actions/", edge)
    assert action.status_code in (400, 409) and action.json()["code"] in ("invalid", "not_allowed_now")
    listed = api.get("/api/v1/complaints/", {"reported_from": "0001-01-01"})
    assert listed.status_code == 400 and "reported_from" in listed.json()["errors"]
    stay = api.put(
        "/api/v1/stays/EDGE-2/",
        {"guest": guest.pk, "room": "", "arrival_date": "0001-01-01", "departure_date": "9999-12-31"},
    )
    assert stay.status_code == 400 and {"arrival_date", "departure_date"} <= set(stay.json()["errors"])
    today = timezone.localdate()
    long_stay = api.put(
        "/api/v1/stays/EDGE-3/",
        {
            "guest": guest.pk,
            "room": "2101",
            "arrival_date": str(today),
            "departure_date": str(today + dt.timedelta(days=400)),
        },
    )
    assert long_stay.status_code == 400 and "departure_date" in long_stay.json()["errors"]


def test_the_window_is_configurable(settings):
    settings.DATE_WINDOW_PAST_DAYS = 1
    settings.DATE_WINDOW_FUTURE_DAYS = 1
    field = date_window.WindowedDateField()
    today = timezone.localdate()
    assert field.clean(str(today + dt.timedelta(days=1))) == today + dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        field.clean(str(today + dt.timedelta(days=2)))
