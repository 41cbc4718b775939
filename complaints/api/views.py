"""The complaints API: thin views that call the same selectors and services as the case page."""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from complaints import selectors as complaint_selectors
from complaints import services as complaint_services
from complaints.api import serializers as s
from complaints.models import Category, Department
from complaints.workflow import TRANSITIONS, Action
from guests.models import Guest, Stay
from hotel_crm.api.idempotency import idempotent
from hotel_crm.api.views import IDEMPOTENCY, ApiView, error_responses
from rooms import selectors as room_selectors


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


def _case_links(prop, d: dict) -> tuple[dict, dict]:
    """The department, category, guest, stay and room a new case names, and an error for each not found."""
    errors = {}
    department = Department.objects.for_property(prop).filter(code=d["department"], is_active=True).first()
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
    return {
        "department": department,
        "category": category,
        "guest": guest,
        "stay": stay,
        "room": room,
    }, errors


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
        responses={200: s.ComplaintSerializer(many=True), **error_responses(400, 401, 403, 429)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.ComplaintCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: s.ComplaintDetailSerializer, **error_responses(400, 401, 403, 409, 422, 429)},
    )
    @idempotent
    def post(self, request):
        """Log a case (step 1, listen), as the case form does."""
        prop = self.hotel()
        form = s.ComplaintCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        links, errors = _case_links(prop, d)
        if errors:
            return Response(
                {"detail": _("Some fields are not valid."), "code": "invalid", "errors": errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = complaint_services.ComplaintInput(
            guest_words=d["guest_words"],
            department=links["department"],
            category=links["category"],
            severity=d["severity"],
            guest=links["guest"],
            stay=links["stay"],
            complainant_name=d["complainant_name"],
            area=d["area"],
            room=links["room"],
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

    @extend_schema(responses={200: s.ComplaintDetailSerializer, **error_responses(401, 403, 404, 429)})
    def get(self, request, pk: int):
        """The case with its offers, follow-up actions and timeline."""
        return Response(_case_document(request, _case_or_404(request, self.hotel(), pk)))


class CaseAction(ApiView):
    """One step of the cycle on one case: the same service, rules and authority as the case page."""

    action: Action
    input_serializer = s.VersionedSerializer

    @property
    def scopes(self):
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
        responses={200: s.ComplaintDetailSerializer, **error_responses(400, 401, 403, 404, 409, 422, 429)},
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
