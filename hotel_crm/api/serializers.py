"""What every app's API serializers share: the error body, and how a blankable choice goes out."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.JSONField(), required=False)


# Choice fields that may be blank are plain strings on the way out (an enum would forbid "").
BLANKABLE = {"read_only": True, "help_text": _("Empty when not recorded.")}
