"""What every app's API serializers share: the error body, and how a blankable choice goes out."""

from typing import TYPE_CHECKING, Final, TypedDict

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from hotel_crm.date_window import date_window_check

if TYPE_CHECKING:
    from django_stubs_ext import (
        StrOrPromise,
    )  # a dev-only package: the type checker's name for str | lazy str


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    # DRF's serializer metaclass pops declared fields off the class, so this does not
    # shadow the `Serializer.errors` property at runtime; the stubs can't see that.
    errors = serializers.DictField(child=serializers.JSONField(), required=False)  # type: ignore[assignment]


class Blankable(TypedDict):
    read_only: bool
    help_text: "StrOrPromise"


# Choice fields that may be blank are plain strings on the way out (an enum would forbid "").
BLANKABLE: Final[Blankable] = {"read_only": True, "help_text": _("Empty when not recorded.")}


class WholeObjectSerializer(serializers.Serializer):
    """A nested object is taken whole, also inside a PATCH: every required field of it must be sent.

    DRF lets a partial update skip required fields at every depth, so `{"preferences": [{"category":
    "pillow"}]}` reached the service without a value (a 500); a nested object is replaced, never merged.
    """

    def validate(self, attrs):
        missing = [
            name
            for name, field in self.fields.items()
            if field.required and not field.read_only and name not in attrs
        ]
        if missing:
            raise serializers.ValidationError({name: [_("This field is required.")] for name in missing})
        return attrs


def _in_window(value):
    try:
        date_window_check(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages, code="date_window") from exc
    return value


class WindowedDateField(serializers.DateField):
    """A date inside the window of hotel_crm.date_window."""

    def to_internal_value(self, value):
        return _in_window(super().to_internal_value(value))


class WindowedDateTimeField(serializers.DateTimeField):
    """A date-time inside the window; the shift to the property's time zone cannot crash."""

    def to_internal_value(self, value):
        try:
            result = super().to_internal_value(value)
        except OverflowError as exc:
            raise serializers.ValidationError(
                _("This date and time is too far from today."), code="date_window"
            ) from exc
        return _in_window(result)
