"""Guest profiles (shared by the whole group) and their stays (each at one property)."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guests import names
from hotel_crm.choice_labels import ChoiceLabels
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet
from rooms.models import Room


class Salutation(models.TextChoices):
    NONE = "", _("(none)")
    MR = "mr", _("Mr")
    MS = "ms", _("Ms")
    MRS = "mrs", _("Mrs")
    DR = "dr", _("Dr")
    PROF = "prof", _("Prof.")


# How a Chinese salutation follows the family name: 张先生, 王女士.
CHINESE_SALUTATION = {"mr": "先生", "ms": "女士", "mrs": "太太", "dr": "博士", "prof": "教授"}


class VipLevel(models.IntegerChoices):
    NONE = 0, pgettext_lazy("VIP level", "—")
    VIP = 1, _("VIP")
    VIP_SENIOR = 2, _("VIP 2 (senior)")
    VVIP = 3, _("VVIP")


class LoyaltyTier(models.TextChoices):
    """The customer pyramid, derived from completed stays at any hotel of the group.

    Pages show it as a badge whose class is `tier-<value>` (static/css/app.css).
    """

    FIRST_TIME = "first", _("First-time guest")
    RETURNING = "returning", _("Returning guest")
    REGULAR = "regular", _("Regular guest")
    LOYAL = "loyal", _("Loyal guest")

    @classmethod
    def for_stays(cls, completed_stays: int) -> "LoyaltyTier":
        if completed_stays >= 6:
            return cls.LOYAL
        if completed_stays >= 3:
            return cls.REGULAR
        if completed_stays >= 1:
            return cls.RETURNING
        return cls.FIRST_TIME


class Language(models.TextChoices):
    EN = "en", _("English")
    ZH = "zh-hans", _("Chinese (Simplified)")
    ZH_HANT = "zh-hant", _("Chinese (Traditional)")
    JA = "ja", _("Japanese")
    KO = "ko", _("Korean")
    FR = "fr", _("French")
    DE = "de", _("German")
    ES = "es", _("Spanish")
    RU = "ru", _("Russian")
    OTHER = "other", _("Other")


class GuestQuerySet(models.QuerySet["Guest"]):
    def active(self) -> "GuestQuerySet":
        return self.filter(merged_into__isnull=True)


class Guest(ChoiceLabels, models.Model):
    """A guest of the group: one profile, recognised at every hotel."""

    family_name_cjk = models.CharField(_("family name (Chinese)"), max_length=20, blank=True)
    given_name_cjk = models.CharField(_("given name (Chinese)"), max_length=20, blank=True)
    family_name_latin = models.CharField(_("family name (Latin)"), max_length=60, blank=True)
    given_name_latin = models.CharField(_("given name (Latin)"), max_length=60, blank=True)
    romanised_name = models.CharField(
        _("romanised name"),
        max_length=120,
        blank=True,
        editable=False,
        help_text=_("Pinyin, derived automatically."),
    )
    salutation = models.CharField(_("salutation"), max_length=8, choices=Salutation.choices, blank=True)
    nationality = models.CharField(
        _("nationality"),
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter country code, e.g. CN, US, GB."))],
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, blank=True
    )
    email = models.EmailField(_("email"), max_length=254, blank=True)
    company = models.CharField(_("company"), max_length=120, blank=True)
    vip_level = models.PositiveSmallIntegerField(
        _("VIP level"), choices=VipLevel.choices, default=VipLevel.NONE
    )
    preference_notes = models.TextField(_("other preferences"), max_length=2000, blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    marketing_consent = models.BooleanField(_("agrees to marketing"), default=False)
    marketing_consent_at = models.DateTimeField(_("marketing consent given"), null=True, blank=True)
    # Space-separated search tokens (see guests.names); GIN-indexed on PostgreSQL.
    search_tokens = models.TextField(editable=False, blank=True, default="")
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = GuestQuerySet.as_manager()

    class Meta:
        verbose_name = _("guest")
        verbose_name_plural = _("guests")
        permissions = [
            ("export_guest", _("Can export everything held about a guest")),
            ("erase_guest", _("Can erase a guest (anonymise)")),
            ("merge_guest", _("Can merge two guest profiles")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(
                    Q(family_name_cjk="")
                    & Q(given_name_cjk="")
                    & Q(family_name_latin="")
                    & Q(given_name_latin="")
                )
                | Q(erased_at__isnull=False),
                name="guest_has_a_name",
            ),
        ]
        indexes = [
            models.Index(fields=["email"], name="guest_email_idx"),
            # email__iexact (an email's sender matched to a guest) compares UPPER(email): a plain index
            # cannot serve it.
            models.Index(Upper("email"), name="guest_email_upper_idx"),
            # the few VIP guests, for the dashboard's VIP tile (complaints ADR 0013).
            models.Index(fields=["id"], name="guest_vip_idx", condition=models.Q(vip_level__gt=0)),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.erased_at:
            return str(_("Erased guest #%(id)s") % {"id": self.pk})
        return names.display_name(
            family_cjk=self.family_name_cjk,
            given_cjk=self.given_name_cjk,
            family_latin=self.family_name_latin,
            given_latin=self.given_name_latin,
        )

    @property
    def addressed_as(self) -> str:
        """How staff address the guest: 张先生 / Mr Smith; the full name if no salutation is known."""
        if self.erased_at or not self.salutation:
            return self.display_name
        language = translation.get_language() or ""
        if self.family_name_cjk and language.startswith("zh"):
            return f"{self.family_name_cjk}{CHINESE_SALUTATION[self.salutation]}"
        family = self.family_name_latin or (
            self.romanised_name.split(" ")[0].capitalize() if self.romanised_name else ""
        )
        if not family:
            return self.display_name
        return f"{self.get_salutation_display()} {family}"

    @property
    def other_script_name(self) -> str:
        """The name in the other script, shown beside the main one (John Smith ⇄ 张三 / ZHANG San)."""
        if self.erased_at:
            return ""
        if self.family_name_cjk or self.given_name_cjk:
            latin = " ".join(p for p in (self.given_name_latin, self.family_name_latin) if p)
            return latin or self.romanised_name
        return ""


class PreferenceCategory(models.TextChoices):
    ROOM = "room", _("Room")
    FLOOR = "floor", _("Floor")
    PILLOW = "pillow", _("Pillow")
    BED = "bed", _("Bed")
    ALLERGY = "allergy", _("Allergy")
    DIET = "diet", _("Diet")
    NEWSPAPER = "newspaper", _("Newspaper")
    OTHER = "other", _("Other")


class GuestPreference(ChoiceLabels, models.Model):
    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="preferences")
    category = models.CharField(_("category"), max_length=12, choices=PreferenceCategory.choices)
    value = models.CharField(_("preference"), max_length=80)

    class Meta:
        verbose_name = _("guest preference")
        verbose_name_plural = _("guest preferences")
        ordering = ["category", "value"]
        constraints = [
            models.UniqueConstraint(fields=["guest", "category", "value"], name="guest_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.value}"


class GuestPhone(models.Model):
    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(
        _("phone (E.164)"), max_length=20, help_text=_("Normalised, e.g. +8613812345678.")
    )
    label = models.CharField(_("label"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("guest phone")
        verbose_name_plural = _("guest phones")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["guest", "number"], name="guest_phone_unique")]
        indexes = [models.Index(fields=["number"], name="guest_phone_number_idx")]

    def __str__(self) -> str:
        return self.number


class StayStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    IN_HOUSE = "in_house", _("In house")
    CHECKED_OUT = "checked_out", _("Checked out")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class Stay(ChoiceLabels, models.Model):
    """A guest's stay in a room of one property."""

    property = models.ForeignKey(
        Property, on_delete=models.PROTECT, related_name="stays", verbose_name=_("hotel")
    )
    guest = models.ForeignKey(Guest, on_delete=models.PROTECT, related_name="stays", verbose_name=_("guest"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="stays", verbose_name=_("room"))
    arrival_date = models.DateField(_("arrival"))
    departure_date = models.DateField(_("departure"))
    confirmation_number = models.CharField(_("confirmation number"), max_length=30)
    status = models.CharField(
        _("status"), max_length=12, choices=StayStatus.choices, default=StayStatus.RESERVED
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    adults = models.PositiveSmallIntegerField(_("adults"), default=1)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["-arrival_date", "-pk"]
        permissions = [("check_in_out", _("Can check guests in and out"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(departure_date__gt=F("arrival_date")), name="stay_departs_after_arrival"
            ),
            models.UniqueConstraint(
                fields=["property", "confirmation_number"], name="stay_confirmation_unique_per_property"
            ),
            # The PostgreSQL exclusion constraint "no two in-house stays of a room
            # overlap" is created in migration 0002 (PostgreSQL only).
        ]
        indexes = [
            models.Index(
                fields=["property", "status", "departure_date"], name="stay_property_status_dep_idx"
            ),
            models.Index(fields=["guest", "status"], name="stay_guest_status_idx"),
            models.Index(fields=["room", "status"], name="stay_room_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.confirmation_number} · {self.room} · {self.arrival_date:%Y-%m-%d}"

    def nights(self) -> int:  # a method: `property` is a field name here
        return (self.departure_date - self.arrival_date).days


class ProfileAccess(models.Model):
    """Who opened a guest's full profile, and when (PIPL / GDPR accountability)."""

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    property = models.ForeignKey(Property, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=12, default="view")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("profile access")
        verbose_name_plural = _("profile accesses")
        ordering = ["-at"]
        indexes = [models.Index(fields=["guest", "-at"], name="profile_access_guest_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.guest_id} @ {self.at:%Y-%m-%d %H:%M}"


class GuestEvent(ChoiceLabels, models.Model):
    """Append-only record of what happened to a profile: merged, erased, consent changed."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        MERGED = "merged", _("Merged")
        ERASED = "erased", _("Erased")
        EXPORTED = "exported", _("Exported")

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guest event")
        verbose_name_plural = _("guest events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.guest_id}"
