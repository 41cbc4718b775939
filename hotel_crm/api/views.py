"""The REST API: thin views that parse, call the same selectors and services as the UI, and answer JSON."""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import selectors as complaint_selectors
from complaints import services as complaint_services
from complaints.models import Category, Department
from complaints.workflow import Action
from guests import selectors as guest_selectors
from guests import services as guest_services
from guests.models import Guest, Stay
from hotel_crm.api import serializers as s
from hotel_crm.api.idempotency import idempotent
from hotel_crm.api.services import StayPush, stay_push
from rooms import selectors as room_selectors
from rooms import services as room_services

ERRORS = {
    400: s.ErrorSerializer,
    401: s.ErrorSerializer,
    403: s.ErrorSerializer,
    404: s.ErrorSerializer,
    409: s.ErrorSerializer,
    422: s.ErrorSerializer,
    429: s.ErrorSerializer,
}
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_("Send the same key again to get the first response back instead of a second effect."),
)


def _errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


class ApiView(APIView):
    def hotel(self):
        return self.request._request.property


def not_found(request, rest: str = ""):
    from django.http import JsonResponse

    return JsonResponse({"detail": _("No such API address."), "code": "not_found"}, status=404)


# --- Guests ----------------------------------------------------------------------------------


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

    @extend_schema(responses={200: s.GuestSerializer(many=True), **_errors(400, 401, 403, 429)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.GuestInputSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: s.GuestDetailSerializer, **_errors(400, 401, 403, 409, 422, 429)},
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
        parameters=[OpenApiParameter("q", str, required=True, description=_("Name, phone, email, room…"))],
        responses={200: s.GuestSearchSerializer, **_errors(401, 403, 429)},
    )
    def get(self, request):
        """The search box of the UI: names in any script, pinyin, phone, email, room or confirmation."""
        result = guest_selectors.guest_search(prop=self.hotel(), query=request.query_params.get("q", ""))
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

    @extend_schema(responses={200: s.GuestDetailSerializer, **_errors(401, 403, 404, 429)})
    def get(self, request, pk: int):
        guest = _guest_or_404(pk)
        # As when the profile page opens: who read the guest's data is kept (PIPL / GDPR).
        guest_services.profile_access_record(guest=guest, user=request.user, prop=self.hotel())
        return Response(s.GuestDetailSerializer(guest).data)

    @extend_schema(
        request=s.GuestUpdateSerializer,
        responses={200: s.GuestDetailSerializer, **_errors(400, 401, 403, 404, 409, 429)},
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

    @extend_schema(responses={200: s.StaySerializer(many=True), **_errors(400, 401, 403, 429)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StayDetail(ApiView):
    scopes = {
        "GET": ("stays:read", "guests.view_stay"),
        "PUT": ("stays:write", "guests.check_in_out"),
    }

    @extend_schema(responses={200: s.StaySerializer, **_errors(401, 403, 404, 429)})
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
        responses={200: s.StaySerializer, 201: s.StaySerializer, **_errors(400, 401, 403, 409, 429)},
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
            ),
        )
        return Response(s.StaySerializer(stay).data, status=status.HTTP_201_CREATED if created else 200)


# --- Rooms -----------------------------------------------------------------------------------


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

    @extend_schema(responses={200: s.RoomSerializer(many=True), **_errors(400, 401, 403, 429)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RoomDetail(ApiView):
    scopes = {"GET": ("rooms:read", "rooms.view_room")}

    @extend_schema(responses={200: s.RoomSerializer, **_errors(401, 403, 404, 429)})
    def get(self, request, number: str):
        return Response(s.RoomSerializer(_room_or_404(self.hotel(), number)).data)


class RoomStatusView(ApiView):
    scopes = {"PUT": ("rooms:write", "rooms.change_room_status")}

    @extend_schema(
        request=s.RoomStatusSerializer,
        responses={200: s.RoomSerializer, **_errors(400, 401, 403, 404, 409, 429)},
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


# --- Complaints ------------------------------------------------------------------------------


def _case_or_404(request, prop, pk: int):
    """The case if the caller may see it (complaints_visible_to, as in the UI), else 404."""
    complaint = complaint_selectors.complaint_for_user(user=request.user, prop=prop, pk=pk)
    if complaint is None:
        raise Http404(_("No such case in this hotel."))
    return complaint


def _case_document(request, complaint) -> dict:
    page = complaint_selectors.case_page(complaint=complaint, user=request.user)
    document = s.ComplaintSerializer(complaint).data
    document["offers"] = s.OfferSerializer(page.offers, many=True).data
    document["actions"] = s.ActionSerializer(page.actions, many=True).data
    document["timeline"] = s.EventSerializer(page.events, many=True).data
    return document


class ComplaintList(generics.ListAPIView, ApiView):
    """Cases of the hotel with the list's filters (open cases unless `status` says otherwise)."""

    scopes = {
        "GET": ("complaints:read", "complaints.view_complaint"),
        "POST": ("complaints:write", "complaints.add_complaint"),
    }
    serializer_class = s.ComplaintSerializer

    def get_queryset(self):
        query = s.ComplaintListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = complaint_selectors.ComplaintFilters(**query.validated_data)
        return complaint_selectors.complaint_list(user=self.request.user, prop=self.hotel(), filters=filters)

    def paginate_queryset(self, queryset):
        self.paginator.ordering = ("-reported_at", "-pk")
        return super().paginate_queryset(queryset)

    @extend_schema(
        parameters=[s.ComplaintListQuerySerializer],
        responses={200: s.ComplaintSerializer(many=True), **_errors(400, 401, 403, 429)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.ComplaintCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: s.ComplaintDetailSerializer, **_errors(400, 401, 403, 409, 422, 429)},
    )
    @idempotent
    def post(self, request):
        """Log a case (step 1, listen), as the case form does."""
        prop = self.hotel()
        form = s.ComplaintCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        errors = {}
        department = (
            Department.objects.for_property(prop).filter(code=d["department"], is_active=True).first()
        )
        if department is None:
            errors["department"] = [_("No such department in this hotel.")]
        category = None
        if d.get("category"):
            category = Category.objects.filter(pk=d["category"], department__property=prop).first()
            if category is None:
                errors["category"] = [_("No such category in this hotel.")]
        guest = None
        if d.get("guest"):
            guest = Guest.objects.filter(pk=d["guest"]).first()
            if guest is None:
                errors["guest"] = [_("No such guest.")]
        stay = None
        if d.get("stay"):
            stay = (
                Stay.objects.for_property(prop)
                .select_related("guest", "room")
                .filter(confirmation_number=d["stay"].strip().upper())
                .first()
            )
            if stay is None:
                errors["stay"] = [_("No such stay in this hotel.")]
        room = None
        if d.get("room"):
            room = room_selectors.rooms_for(prop).filter(number=d["room"]).first()
            if room is None:
                errors["room"] = [_("No such room in this hotel.")]
        if errors:
            return Response(
                {"detail": _("Some fields are not valid."), "code": "invalid", "errors": errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = complaint_services.ComplaintInput(
            guest_words=d["guest_words"],
            department=department,
            category=category,
            severity=d["severity"],
            guest=guest,
            stay=stay,
            complainant_name=d["complainant_name"],
            area=d["area"],
            room=room,
            location_detail=d["location_detail"],
            occurred_at=d.get("occurred_at"),
            reported_at=d.get("reported_at"),
            people_involved=d["people_involved"],
            kind=d["kind"],
            mood=d["mood"],
            guest_type=d["guest_type"],
            channel=d["channel"],
            restated_confirmed=d["restated_confirmed"],
        )
        complaint = complaint_services.complaint_log(prop=prop, actor=request.user, data=data)
        return Response(
            _case_document(request, _case_or_404(request, prop, complaint.pk)), status=status.HTTP_201_CREATED
        )


class ComplaintDetail(ApiView):
    scopes = {"GET": ("complaints:read", "complaints.view_complaint")}

    @extend_schema(responses={200: s.ComplaintDetailSerializer, **_errors(401, 403, 404, 429)})
    def get(self, request, pk: int):
        """The case with its offers, follow-up actions and timeline."""
        return Response(_case_document(request, _case_or_404(request, self.hotel(), pk)))


class CaseAction(ApiView):
    """One step of the cycle on one case: the same service, rules and authority as the case page."""

    action: Action
    input_serializer = s.VersionedSerializer

    @property
    def scopes(self):
        from complaints.workflow import TRANSITIONS

        return {"POST": ("complaints:write", TRANSITIONS[self.action].permission)}

    def run(self, complaint, user, d: dict, **kwargs):
        raise NotImplementedError

    @idempotent
    def post(self, request, pk: int, **kwargs):
        complaint = _case_or_404(request, self.hotel(), pk)
        form = self.input_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        with transaction.atomic():
            self.run(complaint, request.user, {"version": None, **form.validated_data}, **kwargs)
        return Response(_case_document(request, _case_or_404(request, self.hotel(), pk)))


def _action_view(action: Action, serializer, summary: str, run):
    view = type(
        f"{action.name.title().replace('_', '')}View",
        (CaseAction,),
        {"action": action, "input_serializer": serializer, "run": staticmethod(run)},
    )

    # A function of its own per view: extend_schema annotates the function it is given.
    def post(self, request, pk: int, **kwargs):
        return CaseAction.post(self, request, pk, **kwargs)

    post.__doc__ = summary
    view.post = extend_schema(
        summary=summary,
        request=serializer,
        parameters=[IDEMPOTENCY],
        responses={200: s.ComplaintDetailSerializer, **_errors(400, 401, 403, 404, 409, 422, 429)},
    )(post)
    return view


def _offer_answer(accepted: bool):
    def run(complaint, user, d, offer_id):
        complaint_services.offer_answer(
            complaint=complaint,
            offer_id=offer_id,
            actor=user,
            expected_version=d["version"],
            accepted=accepted,
            response=d["response"],
        )

    return run


def _add_action(complaint, user, d):
    department = None
    if d["department"]:
        department = Department.objects.for_property(complaint.property).filter(code=d["department"]).first()
        if department is None:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"department": [_("No such department in this hotel.")]})
    complaint_services.action_add(
        complaint=complaint,
        actor=user,
        expected_version=d["version"],
        description=d["description"],
        due_at=d["due_at"],
        department=department,
    )


RestateView = _action_view(
    Action.CONFIRM_RESTATEMENT,
    s.RestateSerializer,
    "Step 1 done: the guest confirmed the restatement",
    lambda c, u, d: complaint_services.complaint_confirm_restatement(
        complaint=c, actor=u, expected_version=d["version"], confirmed=True, note=d["note"]
    ),
)
ApologiseView = _action_view(
    Action.APOLOGISE,
    s.ApologySerializer,
    "Step 2: record the apology",
    lambda c, u, d: complaint_services.complaint_apologise(
        complaint=c, actor=u, expected_version=d["version"], method=d["method"], note=d["note"]
    ),
)
OfferView = _action_view(
    Action.MAKE_OFFER,
    s.OfferInputSerializer,
    "Step 3: offer a solution (beyond the token's authority it waits for a manager's approval)",
    lambda c, u, d: complaint_services.offer_make(
        complaint=c,
        actor=u,
        expected_version=d["version"],
        remedy_type=d["remedy_type"],
        description=d["description"],
        value=d["value"],
        reason=d["reason"],
    ),
)
AcceptOfferView = _action_view(
    Action.ACCEPT_OFFER, s.OfferAnswerSerializer, "The guest accepts the offer", _offer_answer(True)
)
DeclineOfferView = _action_view(
    Action.DECLINE_OFFER, s.OfferAnswerSerializer, "The guest declines the offer", _offer_answer(False)
)
AddActionView = _action_view(
    Action.ADD_ACTION, s.ActionInputSerializer, "Step 4: add a follow-up action", _add_action
)
CompleteActionView = _action_view(
    Action.COMPLETE_ACTION,
    s.ActionDoneSerializer,
    "Step 4: mark a follow-up action done",
    lambda c, u, d, action_id: complaint_services.action_complete(
        complaint=c, action_id=action_id, actor=u, expected_version=d["version"], note=d["note"]
    ),
)
RequestVerificationView = _action_view(
    Action.REQUEST_VERIFICATION,
    s.VersionedSerializer,
    "Everything promised is done: go back to the guest",
    lambda c, u, d: complaint_services.complaint_request_verification(
        complaint=c, actor=u, expected_version=d["version"]
    ),
)
VerifyView = _action_view(
    Action.VERIFY,
    s.VerifySerializer,
    "Step 5: record the guest's verdict",
    lambda c, u, d: complaint_services.complaint_verify(
        complaint=c,
        actor=u,
        expected_version=d["version"],
        verdict=d["verdict"],
        note=d["note"],
        root_cause=d["root_cause"],
        preventive_action=d["preventive_action"],
    ),
)
WithdrawView = _action_view(
    Action.WITHDRAW,
    s.WithdrawSerializer,
    "Withdraw the case",
    lambda c, u, d: complaint_services.complaint_withdraw(
        complaint=c, actor=u, expected_version=d["version"], reason=d["reason"]
    ),
)
