"""The duty log and handovers under /api/v1/shift/: read, create, acknowledge (the pages' services)."""

from typing import cast

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from complaints import selectors, services
from complaints.models import DutyLogEntry, Handover, LogCategory
from guests.models import Stay
from hotel_crm.api.idempotency import idempotent
from hotel_crm.api.pagination import Cursor
from hotel_crm.api.views import IDEMPOTENCY, ApiView, error_responses
from rooms import selectors as room_selectors

READ_LOG = ("shift:read", "complaints.view_dutylogentry")
WRITE_LOG = ("shift:write", "complaints.add_dutylogentry")
READ_HANDOVER = ("shift:read", "complaints.view_handover")
WRITE_HANDOVER = ("shift:write", "complaints.add_handover")


class LogEntrySerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", read_only=True)
    case = serializers.CharField(source="complaint.reference", read_only=True, allow_null=True, default=None)
    room = serializers.CharField(source="room.number", read_only=True, allow_null=True, default=None)
    stay = serializers.CharField(
        source="stay.confirmation_number", read_only=True, allow_null=True, default=None
    )
    guest = serializers.IntegerField(source="guest_id", read_only=True, allow_null=True)
    corrects = serializers.IntegerField(source="corrects_id", read_only=True, allow_null=True)

    class Meta:
        model = DutyLogEntry
        fields = [
            "id",
            "at",
            "category",
            "text",
            "author",
            "case",
            "guest",
            "room",
            "stay",
            "is_sensitive",
            "corrects",
        ]
        read_only_fields = fields


class LogEntryCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=LogCategory.choices)
    text = serializers.CharField(max_length=4000)
    case = serializers.CharField(max_length=30, required=False, allow_blank=True)
    room = serializers.CharField(max_length=10, required=False, allow_blank=True)
    stay = serializers.CharField(max_length=30, required=False, allow_blank=True)
    is_sensitive = serializers.BooleanField(required=False, default=False)
    corrects = serializers.IntegerField(required=False, min_value=1, allow_null=True)


class HandoverSerializer(serializers.ModelSerializer):
    shift = serializers.CharField(source="shift_code", read_only=True)
    from_user = serializers.CharField(source="from_user.get_username", read_only=True)
    to_user = serializers.CharField(
        source="to_user.get_username", read_only=True, allow_null=True, default=None
    )
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Handover
        fields = [
            "id",
            "shift",
            "shift_start",
            "shift_end",
            "from_user",
            "to_user",
            "notes",
            "created_at",
            "acknowledged_by",
            "acknowledged_at",
            "version",
        ]
        read_only_fields = fields


class HandoverDetailSerializer(HandoverSerializer):
    summary = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), read_only=True
    )

    class Meta(HandoverSerializer.Meta):
        fields = [*HandoverSerializer.Meta.fields, "summary"]
        read_only_fields = fields


class HandoverCreateSerializer(serializers.Serializer):
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    to_user = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class AcknowledgeSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False)


def _invalid(errors: dict) -> Response:
    return Response(
        {"detail": _("Some fields are not valid."), "code": "invalid", "errors": errors},
        status=status.HTTP_400_BAD_REQUEST,
    )


class DutyLogList(generics.ListAPIView, ApiView):
    """The hotel's duty log, newest first (entries the caller may read: the sensitive-case rule)."""

    scopes = {"GET": READ_LOG, "POST": WRITE_LOG}
    serializer_class = LogEntrySerializer

    def get_queryset(self):
        return selectors.duty_log(user=self.request.user, prop=self.hotel())

    def paginate_queryset(self, queryset):
        cast(Cursor, self.paginator).ordering = ("-at", "-pk")  # type: ignore[assignment]
        return super().paginate_queryset(queryset)

    @extend_schema(responses={200: LogEntrySerializer(many=True), **error_responses(400, 401, 403, 429)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=LogEntryCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: LogEntrySerializer, **error_responses(400, 401, 403, 409, 422, 429)},
    )
    @idempotent
    def post(self, request):
        """Append an entry; a correction names the entry it corrects (entries never change)."""
        prop = self.hotel()
        form = LogEntryCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        links: dict = {}
        errors: dict = {}
        if d.get("case"):
            links["complaint"] = (
                selectors.complaints_visible_to(user=request.user, property=prop)
                .select_related("category")
                .filter(reference=d["case"].strip().upper())
                .first()
            )
            if links["complaint"] is None:
                errors["case"] = [_("No such case in this hotel.")]
        if d.get("room"):
            links["room"] = room_selectors.rooms_for(prop).filter(number=d["room"].strip()).first()
            if links["room"] is None:
                errors["room"] = [_("No such room in this hotel.")]
        if d.get("stay"):
            links["stay"] = (
                Stay.objects.for_property(prop)
                .select_related("guest", "room")
                .filter(confirmation_number=d["stay"].strip().upper())
                .first()
            )
            if links["stay"] is None:
                errors["stay"] = [_("No such stay in this hotel.")]
        if d.get("corrects"):
            links["corrects"] = (
                selectors.log_entries_visible_to(user=request.user, prop=prop)
                .filter(pk=d["corrects"])
                .first()
            )
            if links["corrects"] is None:
                errors["corrects"] = [_("No such log entry in this hotel.")]
        if errors:
            return _invalid(errors)
        entry = services.duty_log_write(
            prop=prop,
            author=request.user,
            category=d["category"],
            text=d["text"],
            is_sensitive=d["is_sensitive"],
            **links,
        )
        return Response(LogEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


def _handover_or_404(prop, pk: int) -> Handover:
    handover = selectors.handovers(prop=prop).filter(pk=pk).first()
    if handover is None:
        raise Http404(_("No such handover in this hotel."))
    return handover


def _handover_document(handover: Handover, user) -> dict:
    """The handover with its summary as the caller may read it (references, confirmation numbers)."""
    view = selectors.handover_view(handover=handover, user=user)
    document = HandoverSerializer(handover).data
    document["summary"] = {
        "opened": [c.reference for c in view.opened],
        "moved": [c.reference for c in view.moved],
        "closed": [c.reference for c in view.closed],
        "steps_due": [c.reference for c in view.steps_due],
        "actions_due": [f"{a.complaint.reference}: {a.description}" for a in view.actions_due],
        "approvals": [r.offer.complaint.reference for r in view.approvals if r.offer is not None],
        "arrivals": [b.stay.confirmation_number for b in view.arrivals if b.stay],
        "departures": [b.stay.confirmation_number for b in view.departures if b.stay],
        "entries": [str(e.pk) for e in view.entries],
    }
    return document


class HandoverList(generics.ListAPIView, ApiView):
    """The hotel's handovers, newest first; POST hands the current shift over."""

    scopes = {"GET": READ_HANDOVER, "POST": WRITE_HANDOVER}
    serializer_class = HandoverSerializer

    def get_queryset(self):
        return selectors.handovers(prop=self.hotel())

    def paginate_queryset(self, queryset):
        cast(Cursor, self.paginator).ordering = ("-created_at", "-pk")  # type: ignore[assignment]
        return super().paginate_queryset(queryset)

    @extend_schema(responses={200: HandoverSerializer(many=True), **error_responses(400, 401, 403, 429)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=HandoverCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: HandoverDetailSerializer, **error_responses(400, 401, 403, 409, 422, 429)},
    )
    @idempotent
    def post(self, request):
        """Hand over the shift (the summary is made as on the page); `to_user` is a username or empty."""
        prop = self.hotel()
        form = HandoverCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        to_user = None
        if form.validated_data["to_user"]:
            to_user = (
                selectors.staff_of_property(prop=prop).filter(username=form.validated_data["to_user"]).first()
            )
            if to_user is None:
                return _invalid({"to_user": [_("That person does not work in this hotel.")]})
        handover = services.handover_create(
            prop=prop, actor=request.user, notes=form.validated_data["notes"], to_user=to_user
        )
        return Response(_handover_document(handover, request.user), status=status.HTTP_201_CREATED)


class HandoverDetail(ApiView):
    scopes = {"GET": READ_HANDOVER}

    @extend_schema(responses={200: HandoverDetailSerializer, **error_responses(401, 403, 404, 429)})
    def get(self, request, pk: int):
        """The handover with its summary (only what the caller may see)."""
        return Response(_handover_document(_handover_or_404(self.hotel(), pk), request.user))


class HandoverAcknowledge(ApiView):
    scopes = {"POST": WRITE_HANDOVER}

    @extend_schema(
        request=AcknowledgeSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: HandoverDetailSerializer, **error_responses(400, 401, 403, 404, 409, 422, 429)},
    )
    @idempotent
    def post(self, request, pk: int):
        """The incoming staff member acknowledges the handover (`version` guards a stale read)."""
        handover = _handover_or_404(self.hotel(), pk)
        form = AcknowledgeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        handover = services.handover_acknowledge(
            handover=handover, actor=request.user, expected_version=form.validated_data.get("version")
        )
        return Response(_handover_document(handover, request.user))
