"""The rooms API: thin views over the same selectors and services as the room board."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from hotel_crm.api.views import ApiView, error_responses
from rooms import selectors as room_selectors
from rooms import services as room_services
from rooms.api import serializers as s


def _room_or_404(prop, number: str):
    room = room_selectors.rooms_for(prop).filter(number=number).first()
    if room is None:
        raise Http404(_("No such room in this hotel."))
    return room


class RoomList(generics.ListAPIView, ApiView):
    scopes = {"GET": ("rooms:read", "rooms.view_room")}
    serializer_class = s.RoomSerializer

    def get_queryset(self):
        return room_selectors.rooms_for(self.hotel())

    @extend_schema(responses={200: s.RoomSerializer(many=True), **error_responses(400, 401, 403, 429)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RoomDetail(ApiView):
    scopes = {"GET": ("rooms:read", "rooms.view_room")}

    @extend_schema(responses={200: s.RoomSerializer, **error_responses(401, 403, 404, 429)})
    def get(self, request, number: str):
        return Response(s.RoomSerializer(_room_or_404(self.hotel(), number)).data)


class RoomStatusView(ApiView):
    scopes = {"PUT": ("rooms:write", "rooms.change_room_status")}

    @extend_schema(
        request=s.RoomStatusSerializer,
        responses={200: s.RoomSerializer, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def put(self, request, number: str):
        """Set the housekeeping status; `version` must be the one read (409 if it changed since)."""
        room = _room_or_404(self.hotel(), number)
        form = s.RoomStatusSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        room_services.room_set_status(
            room=room,
            actor=request.user,
            status=d["status"],
            reason=d["reason"],
            expected_version=d["version"],
        )
        return Response(s.RoomSerializer(_room_or_404(self.hotel(), number)).data)
