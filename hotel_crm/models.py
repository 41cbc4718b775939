"""The hotel group: properties, the staff who work in them and their roles."""

import datetime as dt
import zoneinfo
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotel_crm.i18n import BilingualName


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone (e.g. Asia/Shanghai)."), params={"value": value}
        )


class PropertyQuerySet(models.QuerySet):
    def active(self) -> "PropertyQuerySet":
        return self.filter(is_active=True)


class Property(BilingualName, models.Model):
    """One hotel of the group. Rooms, stays and complaints belong to exactly one."""

    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2,10}$", _("Use 2–10 capital letters or digits, e.g. SHA."))],
        help_text=_("Short code shown in the header and on reports, e.g. SHA."),
    )
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    address = models.TextField(_("address"), blank=True)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="CNY",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code, e.g. CNY."))],
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = PropertyQuerySet.as_manager()

    class Meta:
        verbose_name = _("property")
        verbose_name_plural = _("properties")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @cached_property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The property's business day: its local calendar date at `now`."""
        return timezone.localtime(now or timezone.now(), self.tzinfo).date()

    def day_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The aware [start, end) instants of a local calendar day at this property."""
        start = dt.datetime.combine(day, dt.time.min, tzinfo=self.tzinfo)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=self.tzinfo)
        return start, end


class StaffMembership(models.Model):
    """A staff member's role at one property (a clerk in one hotel, a GRM in another)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    property = models.ForeignKey(
        Property, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("property")
    )
    role = models.ForeignKey(
        Group,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("role"),
        help_text=_("The role's permissions apply while the staff member works in this property."),
    )

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "property"], name="one_role_per_user_and_property")
        ]
        ordering = ["property__code"]

    def __str__(self) -> str:
        return f"{self.user} · {self.property.code} · {self.role}"


class StaffProfile(models.Model):
    """What the app keeps about a staff member beyond Django's user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    group_role = models.ForeignKey(
        Group,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("group-level role"),
        help_text=_("Applies in every property of the group, e.g. Group Director (read-only)."),
    )
    last_property = models.ForeignKey(
        Property,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last property worked in"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


class Heartbeat(models.Model):
    """When a background process last proved it was alive (shown by /healthz)."""

    name = models.CharField(max_length=40, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
