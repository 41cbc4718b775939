"""Cases over the wire: the case with its offers, actions and timeline out; each step's input in."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from complaints.models import (
    ApologyMethod,
    Area,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintKind,
    FollowUpAction,
    GuestType,
    Mood,
    Offer,
    RemedyType,
    Severity,
)
from complaints.workflow import Status, Verdict
from hotel_crm.api.serializers import BLANKABLE, WindowedDateField, WindowedDateTimeField


class ComplaintSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code", read_only=True)
    category = serializers.IntegerField(source="category_id", read_only=True, allow_null=True)
    room = serializers.CharField(source="room.number", read_only=True, allow_null=True, default=None)
    guest = serializers.IntegerField(source="guest_id", read_only=True, allow_null=True)
    stay = serializers.IntegerField(source="stay_id", read_only=True, allow_null=True)
    assignee = serializers.CharField(source="assignee.get_username", read_only=True)
    complainant = serializers.CharField(read_only=True)
    kind = serializers.CharField(**BLANKABLE)
    mood = serializers.CharField(**BLANKABLE)
    guest_type = serializers.CharField(**BLANKABLE)
    verdict = serializers.CharField(**BLANKABLE)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "status",
            "severity",
            "department",
            "category",
            "guest",
            "stay",
            "complainant",
            "area",
            "room",
            "location_detail",
            "occurred_at",
            "reported_at",
            "channel",
            "kind",
            "mood",
            "guest_type",
            "guest_words",
            "people_involved",
            "assignee",
            "is_repeat",
            "verdict",
            "step_due_at",
            "closed_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class OfferSerializer(serializers.ModelSerializer):
    class Meta:
        model = Offer
        fields = [
            "id",
            "remedy_type",
            "description",
            "value",
            "currency",
            "status",
            "offered_at",
            "decided_at",
            "guest_response",
        ]
        read_only_fields = fields


class ActionSerializer(serializers.ModelSerializer):
    department = serializers.CharField(
        source="department.code", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = FollowUpAction
        fields = ["id", "description", "department", "due_at", "done_at", "done_note"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.get_username", read_only=True)
    from_status = serializers.CharField(**BLANKABLE)
    to_status = serializers.CharField(**BLANKABLE)
    # What the entry says: the note, or the system's own text rendered in the request's language.
    note = serializers.CharField(source="text", read_only=True)

    class Meta:
        model = ComplaintEvent
        fields = ["id", "kind", "actor", "at", "from_status", "to_status", "note"]
        read_only_fields = fields


class ComplaintDetailSerializer(ComplaintSerializer):
    offers = OfferSerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)
    timeline = EventSerializer(many=True, read_only=True)

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "offers", "actions", "timeline"]
        read_only_fields = fields


class ComplaintCreateSerializer(serializers.Serializer):
    guest_words = serializers.CharField(max_length=4000, help_text=_("What the guest said, in their words."))
    department = serializers.SlugField(
        max_length=20, help_text=_("The department's code, e.g. housekeeping.")
    )
    category = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)
    guest = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    stay = serializers.CharField(
        max_length=30, required=False, allow_blank=True, help_text=_("The stay's confirmation number.")
    )
    complainant_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    area = serializers.ChoiceField(choices=Area.choices, default=Area.ROOM)
    room = serializers.CharField(max_length=10, required=False, allow_blank=True, help_text=_("Room number."))
    location_detail = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    occurred_at = WindowedDateTimeField(required=False, allow_null=True)
    reported_at = WindowedDateTimeField(required=False, allow_null=True)
    people_involved = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        choices=ComplaintKind.choices, required=False, allow_blank=True, default=""
    )
    mood = serializers.ChoiceField(choices=Mood.choices, required=False, allow_blank=True, default="")
    guest_type = serializers.ChoiceField(
        choices=GuestType.choices, required=False, allow_blank=True, default=""
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.IN_PERSON)
    restated_confirmed = serializers.BooleanField(default=False)


class ComplaintListQuerySerializer(serializers.Serializer):
    """The case list's filters, as in the UI (complaints.forms.ListFilterForm)."""

    status = serializers.ChoiceField(
        choices=[("open", "open"), *Status.choices, ("all", "all")], required=False, default="open"
    )
    department = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    overdue = serializers.BooleanField(required=False, default=False)
    repeat = serializers.BooleanField(required=False, default=False)
    vip = serializers.BooleanField(required=False, default=False)
    reported_from = WindowedDateField(required=False)
    reported_to = WindowedDateField(required=False)
    category = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    floor = serializers.IntegerField(min_value=-10, max_value=300, required=False)
    verdict = serializers.ChoiceField(choices=[("any", "any"), *Verdict.choices], required=False)
    came_back = serializers.BooleanField(required=False, default=False)
    departing = serializers.BooleanField(required=False, default=False)

    def to_internal_value(self, data):
        # A query string's empty value (`?reported_to=`) would be skipped as if absent (DRF's HTML-form
        # rule); the schema says a date, a number or a choice, so an empty one is refused.
        names: list[str] = list(self.fields)
        blank = [name for name in names if name in data and data.get(name) == ""]
        if blank:
            raise serializers.ValidationError({name: [_("This field may not be blank.")] for name in blank})
        return super().to_internal_value(data)


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text=_("The case version you read; 409 if it changed since. Leave out to skip the check."),
    )


class RestateSerializer(VersionedSerializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ApologySerializer(VersionedSerializer):
    method = serializers.ChoiceField(choices=ApologyMethod.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class OfferInputSerializer(VersionedSerializer):
    remedy_type = serializers.ChoiceField(choices=RemedyType.choices)
    description = serializers.CharField(max_length=300)
    value = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, max_value=1_000_000, default=Decimal(0)
    )
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Why, if approval is needed."),
    )


class OfferAnswerSerializer(VersionedSerializer):
    response = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ActionInputSerializer(VersionedSerializer):
    description = serializers.CharField(max_length=300)
    due_at = WindowedDateTimeField()
    department = serializers.SlugField(max_length=20, required=False, allow_blank=True, default="")


class ActionDoneSerializer(VersionedSerializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class VerifySerializer(VersionedSerializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    root_cause = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    preventive_action = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class WithdrawSerializer(VersionedSerializer):
    reason = serializers.CharField(max_length=300)
