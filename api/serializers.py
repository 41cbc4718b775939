"""What goes over the wire: guests, stays, rooms and cases out; input checked before a service call."""

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
from guests.models import Guest, Language, PreferenceCategory, Salutation, Stay, StayStatus, VipLevel
from rooms.models import Room, RoomStatus


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.JSONField(), required=False)


# --- Guests ------------------------------------------------------------------------------


class PreferenceSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=PreferenceCategory.choices)
    value = serializers.CharField(max_length=80)


# Choice fields that may be blank are plain strings on the way out (an enum would forbid "").
_BLANKABLE = {"read_only": True, "help_text": _("Empty when not recorded.")}


class GuestSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    salutation = serializers.CharField(**_BLANKABLE)
    preferred_language = serializers.CharField(**_BLANKABLE)
    email = serializers.CharField(**_BLANKABLE)
    phones = serializers.SerializerMethodField()

    class Meta:
        model = Guest
        fields = [
            "id",
            "display_name",
            "family_name_cjk",
            "given_name_cjk",
            "family_name_latin",
            "given_name_latin",
            "romanised_name",
            "salutation",
            "nationality",
            "preferred_language",
            "email",
            "company",
            "vip_level",
            "marketing_consent",
            "phones",
            "erased_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_phones(self, guest) -> list[str]:
        return [p.number for p in guest.phones.all()]


class GuestDetailSerializer(GuestSerializer):
    """One profile: with preferences and notes (lists leave them out)."""

    preferences = PreferenceSerializer(many=True, read_only=True)

    class Meta(GuestSerializer.Meta):
        fields = [*GuestSerializer.Meta.fields, "preference_notes", "notes", "preferences"]
        read_only_fields = fields


class GuestInputSerializer(serializers.Serializer):
    """The same fields the profile form takes; phones in any common format (normalised like the form)."""

    family_name_cjk = serializers.CharField(max_length=20, required=False, allow_blank=True)
    given_name_cjk = serializers.CharField(max_length=20, required=False, allow_blank=True)
    family_name_latin = serializers.CharField(max_length=60, required=False, allow_blank=True)
    given_name_latin = serializers.CharField(max_length=60, required=False, allow_blank=True)
    salutation = serializers.ChoiceField(choices=Salutation.choices, required=False, allow_blank=True)
    nationality = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, allow_blank=True)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    company = serializers.CharField(max_length=120, required=False, allow_blank=True)
    vip_level = serializers.ChoiceField(choices=VipLevel.choices, required=False)
    preference_notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    marketing_consent = serializers.BooleanField(required=False)
    phones = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=10)
    preferences = PreferenceSerializer(many=True, required=False, max_length=50)

    def validate(self, attrs):
        names = ("family_name_cjk", "given_name_cjk", "family_name_latin", "given_name_latin")
        if not self.partial and not any(attrs.get(n, "").strip() for n in names):
            raise serializers.ValidationError(_("Enter the guest's name, in Chinese or Latin letters."))
        return attrs

    def validate_phones(self, value: list[str]) -> list[str]:
        from guests.phones import InvalidPhone, normalise_phone

        normalised = []
        for number in value:
            try:
                normalised.append(normalise_phone(number))
            except InvalidPhone as error:
                raise serializers.ValidationError(
                    _("“%(number)s” is not a phone number.") % {"number": number}
                ) from error
        return normalised


class GuestUpdateSerializer(GuestInputSerializer):
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text=_("The version you read; 409 if it changed since.")
    )


class GuestSearchSerializer(serializers.Serializer):
    query = serializers.CharField()
    truncated = serializers.BooleanField()
    results = GuestSerializer(many=True)


# --- Stays ---------------------------------------------------------------------------------


class StaySerializer(serializers.ModelSerializer):
    room = serializers.CharField(source="room.number", read_only=True)
    guest = serializers.IntegerField(source="guest_id", read_only=True)

    class Meta:
        model = Stay
        fields = [
            "id",
            "confirmation_number",
            "guest",
            "room",
            "arrival_date",
            "departure_date",
            "status",
            "checked_in_at",
            "checked_out_at",
            "adults",
            "notes",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class StayUpsertSerializer(serializers.Serializer):
    """What the PMS pushes for one reservation, as often as it likes."""

    guest = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text=_("The guest's id here."))
    room = serializers.CharField(max_length=10, help_text=_("Room number, e.g. 2101."))
    arrival_date = serializers.DateField()
    departure_date = serializers.DateField()
    status = serializers.ChoiceField(choices=StayStatus.choices, default=StayStatus.RESERVED)
    adults = serializers.IntegerField(min_value=1, max_value=20, default=1)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["departure_date"] <= attrs["arrival_date"]:
            raise serializers.ValidationError(
                {"departure_date": [_("The departure date must be after the arrival date.")]}
            )
        return attrs


# --- Rooms ---------------------------------------------------------------------------------


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


# --- Complaints ----------------------------------------------------------------------------


class ComplaintSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code", read_only=True)
    category = serializers.IntegerField(source="category_id", read_only=True, allow_null=True)
    room = serializers.CharField(source="room.number", read_only=True, allow_null=True, default=None)
    guest = serializers.IntegerField(source="guest_id", read_only=True, allow_null=True)
    stay = serializers.IntegerField(source="stay_id", read_only=True, allow_null=True)
    assignee = serializers.CharField(source="assignee.get_username", read_only=True)
    complainant = serializers.CharField(read_only=True)
    kind = serializers.CharField(**_BLANKABLE)
    mood = serializers.CharField(**_BLANKABLE)
    guest_type = serializers.CharField(**_BLANKABLE)
    verdict = serializers.CharField(**_BLANKABLE)

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
    from_status = serializers.CharField(**_BLANKABLE)
    to_status = serializers.CharField(**_BLANKABLE)

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
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    reported_at = serializers.DateTimeField(required=False, allow_null=True)
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
    reported_from = serializers.DateField(required=False)
    reported_to = serializers.DateField(required=False)
    category = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    floor = serializers.IntegerField(min_value=-10, max_value=300, required=False)
    verdict = serializers.ChoiceField(choices=[("any", "any"), *Verdict.choices], required=False)
    came_back = serializers.BooleanField(required=False, default=False)
    departing = serializers.BooleanField(required=False, default=False)


_VERSION = {
    "min_value": 1,
    "max_value": 2**31 - 1,
    "required": False,
    "allow_null": True,
    "help_text": _("The case version you read; 409 if it changed since. Leave out to skip the check."),
}


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(**_VERSION)


class RestateSerializer(VersionedSerializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ApologySerializer(VersionedSerializer):
    method = serializers.ChoiceField(choices=ApologyMethod.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class OfferInputSerializer(VersionedSerializer):
    remedy_type = serializers.ChoiceField(choices=RemedyType.choices)
    description = serializers.CharField(max_length=300)
    value = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, max_value=1_000_000, default=0
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
    due_at = serializers.DateTimeField()
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
