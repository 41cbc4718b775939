"""The complaints API: thin views that call the same selectors and services as the case page."""

from typing import cast

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
from complaints.case_actions import run_action
from complaints.models import Category, Department
from complaints.workflow import TRANSITIONS, Action
from guests.models import Guest, Stay
from hotel_crm.api.idempotency import idempotent
from hotel_crm.api.pagination import Cursor
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
        # The project's paginator is always the cursor one (REST_FRAMEWORK settings).
        # DRF takes a tuple of fields here; its stubs allow only one.
        cast(Cursor, self.paginator).ordering = ("-reported_at", "-pk")  # type: ignore[assignment]
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


class CaseStep(ApiView):
    """One step of the cycle on one case: the same service, rules and authority as the case page."""

    # The docstring is each step's description in the OpenAPI schema. The service call is the case
    # page's own (case_actions.CASE_ACTIONS): this view only reads the step's input from JSON.

    action: Action  # the workflow step: its permission is the endpoint's scope
    case_action: str  # the name of the action in CASE_ACTIONS that runs it
    input_serializer = s.VersionedSerializer

    @property
    def scopes(self):
        return {"POST": ("complaints:write", TRANSITIONS[self.action].permission)}

    @staticmethod
    def action_data(complaint, d: dict, **url_kwargs) -> dict:
        """The keys the action's form cleans, from the serializer's data and the URL's ids."""
        return d

    @idempotent
    def post(self, request, pk: int, **kwargs):
        complaint = _case_or_404(request, self.hotel(), pk)
        form = self.input_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = self.action_data(complaint, {"version": None, **form.validated_data}, **kwargs)
        with transaction.atomic():
            run_action(self.case_action, complaint, request.user, data)
        return Response(_case_document(request, _case_or_404(request, self.hotel(), pk)))


def _step_view(action: Action, serializer, summary: str, *, case_action: str | None = None, data=None):
    """The endpoint of one step; `data` adapts the serializer's keys to the form's where they differ."""
    attrs = {"action": action, "case_action": case_action or action, "input_serializer": serializer}
    if data is not None:
        attrs["action_data"] = staticmethod(data)

    # A function of its own per view: extend_schema annotates the function it is given.
    def post(self, request, pk: int, **kwargs):
        return CaseStep.post(self, request, pk, **kwargs)

    post.__doc__ = summary
    attrs["post"] = extend_schema(
        summary=summary,
        request=serializer,
        parameters=[IDEMPOTENCY],
        responses={200: s.ComplaintDetailSerializer, **error_responses(400, 401, 403, 404, 409, 422, 429)},
    )(post)
    view = type(f"{action.name.title().replace('_', '')}View", (CaseStep,), attrs)
    return view


# The API's keys where they differ from the case page's form: the guest's confirmation is the call
# itself, the offer and the follow-up action come from the URL, the department by its code.


def _restate_data(complaint, d: dict) -> dict:
    return {**d, "confirmed": True}


def _offer_data(complaint, d: dict) -> dict:
    return {**d, "remedy": None}  # the API offers no catalogue remedy: the kind is given


def _offer_answer_data(answer: str):
    def data(complaint, d: dict, offer_id: int) -> dict:
        return {**d, "offer": offer_id, "answer": answer}

    return data


def _add_action_data(complaint, d: dict) -> dict:
    department = None
    if d["department"]:
        department = Department.objects.for_property(complaint.property).filter(code=d["department"]).first()
        if department is None:
            raise ValidationError({"department": [_("No such department in this hotel.")]})
    return {**d, "department": department}


def _complete_action_data(complaint, d: dict, action_id: int) -> dict:
    return {**d, "action": action_id}


RestateView = _step_view(
    Action.CONFIRM_RESTATEMENT,
    s.RestateSerializer,
    "Step 1 done: the guest confirmed the restatement",
    data=_restate_data,
)
ApologiseView = _step_view(Action.APOLOGISE, s.ApologySerializer, "Step 2: record the apology")
OfferView = _step_view(
    Action.MAKE_OFFER,
    s.OfferInputSerializer,
    "Step 3: offer a solution (beyond the token's authority it waits for a manager's approval)",
    data=_offer_data,
)
AcceptOfferView = _step_view(
    Action.ACCEPT_OFFER,
    s.OfferAnswerSerializer,
    "The guest accepts the offer",
    case_action="answer_offer",
    data=_offer_answer_data("accept"),
)
DeclineOfferView = _step_view(
    Action.DECLINE_OFFER,
    s.OfferAnswerSerializer,
    "The guest declines the offer",
    case_action="answer_offer",
    data=_offer_answer_data("decline"),
)
AddActionView = _step_view(
    Action.ADD_ACTION, s.ActionInputSerializer, "Step 4: add a follow-up action", data=_add_action_data
)
CompleteActionView = _step_view(
    Action.COMPLETE_ACTION,
    s.ActionDoneSerializer,
    "Step 4: mark a follow-up action done",
    data=_complete_action_data,
)
RequestVerificationView = _step_view(
    Action.REQUEST_VERIFICATION,
    s.VersionedSerializer,
    "Everything promised is done: go back to the guest",
)
VerifyView = _step_view(Action.VERIFY, s.VerifySerializer, "Step 5: record the guest's verdict")
WithdrawView = _step_view(Action.WITHDRAW, s.WithdrawSerializer, "Withdraw the case")
