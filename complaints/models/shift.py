"""The shift: its times per property, the duty log (值班日志) and the handover between shifts."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models.case import Complaint
from guests.models import Guest, Stay
from hotel_crm.choice_labels import ChoiceLabels
from hotel_crm.errors import DomainError
from hotel_crm.i18n import BilingualName, localized
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet
from rooms.models import Room


class Shift(BilingualName, models.Model):
    """One shift of a property's day, by its local start time; it ends when the next one starts."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="shifts")
    code = models.CharField(
        _("code"),
        max_length=20,
        validators=[RegexValidator(r"^[a-z0-9_-]{1,20}$", _("Use lower-case letters, digits, - or _."))],
    )
    name_en = models.CharField(_("name (English)"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40, blank=True)
    starts_at = models.TimeField(_("starts at (hotel time)"))
    is_active = models.BooleanField(_("active"), default=True)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["property", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["property", "code"], name="shift_code_unique"),
            models.UniqueConstraint(fields=["property", "starts_at"], name="shift_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name_en} {self.starts_at:%H:%M}"


class ShiftSetting(models.Model):
    """How long a handover may wait for its acknowledgement before the reminder goes out (per property)."""

    property = models.OneToOneField(Property, on_delete=models.CASCADE, related_name="shift_setting")
    acknowledge_within_minutes = models.PositiveSmallIntegerField(
        _("acknowledge a handover within (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("handover setting")
        verbose_name_plural = _("handover settings")

    def __str__(self) -> str:
        return f"{self.property.code}: {self.acknowledge_within_minutes} min"


class LogCategory(models.TextChoices):
    GUEST = "guest", _("Guest")
    ROOM = "room", _("Room")
    INCIDENT = "incident", _("Incident")
    MAINTENANCE = "maintenance", _("Maintenance")
    SECURITY = "security", _("Security")
    HANDOVER = "handover", _("Handover note")


class AppendOnly(DomainError):
    """A duty-log entry was to be changed or deleted: correct it with a new entry instead."""


class DutyLogEntry(ChoiceLabels, models.Model):
    """One line of the duty log: append-only; a correction is a new entry pointing at the one it corrects."""

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=12, choices=LogCategory.choices)
    text = models.TextField(_("what happened"), max_length=4000)
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("case")
    )
    guest = models.ForeignKey(
        Guest, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("guest")
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("room")
    )
    stay = models.ForeignKey(
        Stay, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("stay")
    )
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Seen only by guest relations managers and the writer, like a case in a sensitive category."
        ),
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects entry"),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("written at"), default=timezone.now)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log entries")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["property", "-at"], name="dutylog_recent_idx")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} @ {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly(_("Duty log entries cannot be changed; write a correction instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(_("Duty log entries cannot be deleted; write a correction instead."))


class Handover(models.Model):
    """The outgoing shift's handover: a summary frozen at handing over, the writer's notes, the receipt."""

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="+")
    shift_code = models.CharField(_("shift"), max_length=20)
    shift_name_en = models.CharField(max_length=40)
    shift_name_zh = models.CharField(max_length=40, blank=True)
    shift_start = models.DateTimeField(_("shift started"))
    shift_end = models.DateTimeField(_("shift ends"))
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("handed over by")
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over to"),
    )
    notes = models.TextField(_("notes for the next shift"), max_length=4000, blank=True)
    # Ids of what the summary named when it was handed over; pages re-read them through the access rule.
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("handed over at"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["property", "shift_start", "from_user"], name="handover_once_per_shift_and_person"
            )
        ]
        indexes = [models.Index(fields=["property", "-created_at"], name="handover_recent_idx")]

    def __str__(self) -> str:
        return f"{self.shift_code} {self.shift_start:%Y-%m-%d %H:%M} by {self.from_user_id}"

    # Methods, not properties: `property` is a field name in this class.
    def shift_name(self) -> str:
        return localized(self.shift_name_en, self.shift_name_zh)

    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None
