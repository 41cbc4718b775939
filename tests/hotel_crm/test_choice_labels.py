"""hotel_crm.choice_labels: get_FOO_display() from a cached table, the same text as Django's own."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from hotel_crm.choice_labels import ChoiceLabels

MODELS = [m for m in apps.get_models() if issubclass(m, ChoiceLabels)]


def test_the_hot_pages_models_use_the_cached_labels():
    names = {m.__name__ for m in MODELS}
    assert {"Complaint", "ComplaintEvent", "Offer", "FollowUpAction", "Guest", "Stay"} <= names


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_label_is_djangos_in_each_language(model, language):
    # Given each choice field of the model, each of its values and one it does not know
    with translation.override(language):
        for field in (f for f in model._meta.fields if f.choices):
            for value in [*(v for v, _label in field.flatchoices), "no-such-value", None]:
                instance = model(**{field.attname: value})
                # When its label is asked for, then it is exactly what Django's own method gives
                expected = models.Model._get_FIELD_display(instance, field)  # type: ignore[attr-defined]
                shown = getattr(instance, f"get_{field.name}_display")()
                assert shown == expected
                assert type(shown) is type(expected)


def test_labels_follow_the_active_language():
    from complaints.models import Complaint

    case = Complaint(severity="high")
    with translation.override("en"):
        english = case.get_severity_display()
    with translation.override("zh-hans"):
        chinese = case.get_severity_display()
    assert english == "High"
    assert chinese != english
    with translation.override("en"):
        assert case.get_severity_display() == "High"
