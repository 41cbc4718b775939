"""Guests and stays over the wire: profiles and stays out; input checked before a service call."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guests.models import Guest, Language, PreferenceCategory, Salutation, Stay, StayStatus, VipLevel
from guests.phones import InvalidPhone, normalise_phone
from hotel_crm.api.serializers import BLANKABLE, WholeObjectSerializer, WindowedDateField
from hotel_crm.date_window import stay_length_check


class PreferenceSerializer(WholeObjectSerializer):
    category = serializers.ChoiceField(choices=PreferenceCategory.choices)
    value = serializers.CharField(max_length=80)


class GuestSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    salutation = serializers.CharField(**BLANKABLE)
    preferred_language = serializers.CharField(**BLANKABLE)
    email = serializers.CharField(**BLANKABLE)
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
    # many=True makes this a ListSerializer, which takes max_length; the stubs type the child's __init__.
    preferences = PreferenceSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]

    def validate(self, attrs):
        names = ("family_name_cjk", "given_name_cjk", "family_name_latin", "given_name_latin")
        if not self.partial and not any(attrs.get(n, "").strip() for n in names):
            raise serializers.ValidationError(_("Enter the guest's name, in Chinese or Latin letters."))
        return attrs

    def validate_phones(self, value: list[str]) -> list[str]:
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
    arrival_date = WindowedDateField()
    departure_date = WindowedDateField()
    status = serializers.ChoiceField(choices=StayStatus.choices, default=StayStatus.RESERVED)
    adults = serializers.IntegerField(min_value=1, max_value=20, default=1)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text=_(
            "Optional: the stay's version as you last read it. If the stay changed since, the push is "
            "refused (409 version_conflict) instead of overwriting that change."
        ),
    )

    def validate(self, attrs):
        problem = stay_length_check(attrs["arrival_date"], attrs["departure_date"])
        if problem:
            raise serializers.ValidationError({"departure_date": [problem]})
        return attrs
