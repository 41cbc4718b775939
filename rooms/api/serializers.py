"""Rooms over the wire: the room out, a housekeeping status change in."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from rooms.models import Room, RoomStatus


class RoomSerializer(serializers.ModelSerializer):
    room_type = serializers.CharField(source="room_type.code", read_only=True)

    class Meta:
        model = Room
        fields = [
            "id",
            "number",
            "floor",
            "room_type",
            "status",
            "out_of_order_reason",
            "status_changed_at",
            "version",
        ]
        read_only_fields = fields


class RoomStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RoomStatus.choices)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text=_("The version you read; 409 if it changed since.")
    )
