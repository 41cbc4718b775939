"""The guests and stays API: thin views over the same selectors and services as the front desk."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from guests import selectors as guest_selectors
from guests import services as guest_services
from guests.api import serializers as s
from guests.api.services import StayPush, stay_push
from guests.models import Guest, Stay
from hotel_crm.api.idempotency import idempotent
from hotel_crm.api.views import IDEMPOTENCY, ApiView, error_responses


def _guest_data(validated: dict, base: guest_services.GuestData | None = None) -> guest_services.GuestData:
    data = base or guest_services.GuestData()
    for name, value in validated.items():
        if name == "preferences":
            data.preferences = [(p["category"], p["value"]) for p in value]
        elif name != "version":
            setattr(data, name, value)
    return data


def _guest_or_404(pk: int) -> Guest:
    guest = guest_selectors.guest_for_profile(pk=pk)
    if guest is None or guest.merged_into_id:
        raise Http404(_("No such guest."))
    return guest


class GuestList(generics.ListAPIView, ApiView):
    """Guest profiles of the group, newest first; POST creates one."""

    scopes = {"GET": ("guests:read", "guests.view_guest"), "POST": ("guests:write", "guests.add_guest")}
    serializer_class = s.GuestSerializer

    def get_queryset(self):
        return guest_selectors.guest_rows(prop=self.hotel()).filter(merged_into__isnull=True)

    @extend_schema(responses={200: s.GuestSerializer(many=True), **error_responses(400, 401, 403, 429)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.GuestInputSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: s.GuestDetailSerializer, **error_responses(400, 401, 403, 409, 422, 429)},
    )
    @idempotent
    def post(self, request):
        form = s.GuestInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        guest = guest_services.guest_create(data=_guest_data(form.validated_data), actor=request.user)
        return Response(s.GuestDetailSerializer(_guest_or_404(guest.pk)).data, status=status.HTTP_201_CREATED)


class GuestSearch(ApiView):
    scopes = {"GET": ("guests:read", "guests.view_guest")}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "pattern": "^[^\\u0000]*\\S[^\\u0000]*$",
                },
                required=True,
                description=_("Name, phone, email, room…"),
            )
        ],
        responses={200: s.GuestSearchSerializer, **error_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        """The search box of the UI: names in any script, pinyin, phone, email, room or confirmation."""
        query = request.query_params.get("q", "")
        if not query.strip() or len(query) > 200 or "\x00" in query:
            raise ValidationError({"q": [_("Type what to search for (at most 200 characters).")]})
        result = guest_selectors.guest_search(prop=self.hotel(), query=query)
        return Response(
            {
                "query": result.query,
                "truncated": result.truncated,
                "results": s.GuestSerializer(result.guests, many=True).data,
            }
        )


class GuestDetail(ApiView):
    scopes = {
        "GET": ("guests:read", "guests.view_guest"),
        "PATCH": ("guests:write", "guests.change_guest"),
    }

    @extend_schema(responses={200: s.GuestDetailSerializer, **error_responses(401, 403, 404, 429)})
    def get(self, request, pk: int):
        guest = _guest_or_404(pk)
        # As when the profile page opens: who read the guest's data is kept (PIPL / GDPR).
        guest_services.profile_access_record(guest=guest, user=request.user, prop=self.hotel())
        return Response(s.GuestDetailSerializer(guest).data)

    @extend_schema(
        request=s.GuestUpdateSerializer,
        responses={200: s.GuestDetailSerializer, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def patch(self, request, pk: int):
        """Change the fields sent; `version` must be the one read (409 if someone saved since)."""
        guest = _guest_or_404(pk)
        form = s.GuestUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        if "version" not in form.validated_data:
            return Response(
                {
                    "detail": _("Send the version you read."),
                    "code": "invalid",
                    "errors": {"version": [_("Required.")]},
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = _guest_data(form.validated_data, base=guest_services.guest_data_of(guest))
        guest_services.guest_update(
            guest=guest, data=data, actor=request.user, expected_version=form.validated_data["version"]
        )
        return Response(s.GuestDetailSerializer(_guest_or_404(pk)).data)


# --- Stays -----------------------------------------------------------------------------------


class StayList(generics.ListAPIView, ApiView):
    scopes = {"GET": ("stays:read", "guests.view_stay")}
    serializer_class = s.StaySerializer

    def get_queryset(self):
        return Stay.objects.for_property(self.hotel()).select_related("room")

    @extend_schema(responses={200: s.StaySerializer(many=True), **error_responses(400, 401, 403, 429)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StayDetail(ApiView):
    scopes = {
        "GET": ("stays:read", "guests.view_stay"),
        "PUT": ("stays:write", "guests.check_in_out"),
    }

    @extend_schema(responses={200: s.StaySerializer, **error_responses(401, 403, 404, 429)})
    def get(self, request, confirmation_number: str):
        stay = (
            Stay.objects.for_property(self.hotel())
            .select_related("room")
            .filter(confirmation_number=confirmation_number.strip().upper())
            .first()
        )
        if stay is None:
            raise Http404(_("No such stay in this hotel."))
        return Response(s.StaySerializer(stay).data)

    @extend_schema(
        request=s.StayUpsertSerializer,
        responses={200: s.StaySerializer, 201: s.StaySerializer, **error_responses(400, 401, 403, 409, 429)},
    )
    def put(self, request, confirmation_number: str):
        """Create or bring up to date the stay with this PMS confirmation number (safe to repeat).

        The status moves through the same check-in, check-out and cancel services as the front desk.
        """
        form = s.StayUpsertSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        stay, created = stay_push(
            prop=self.hotel(),
            actor=request.user,
            push=StayPush(
                confirmation_number=confirmation_number,
                guest_id=d["guest"],
                room_number=d["room"],
                arrival=d["arrival_date"],
                departure=d["departure_date"],
                status=d["status"],
                adults=d["adults"],
                notes=d["notes"],
                version=d.get("version"),
            ),
        )
        return Response(s.StaySerializer(stay).data, status=status.HTTP_201_CREATED if created else 200)
