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

from hotel_crm.dates import DateStyle
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
    date_style = models.CharField(
        _("date format"),
        max_length=10,
        choices=DateStyle.choices,
        default=DateStyle.DAY_FIRST,
        help_text=_("How dates are written on every page of this hotel; times are always 24-hour."),
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
    page_size = models.PositiveSmallIntegerField(
        _("rows per page"),
        choices=[(25, "25"), (50, "50"), (100, "100")],
        default=25,
        help_text=_("Rows on a page of the case list and of guest search results."),
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


# --- Security: login throttling, second factor, sessions, audit ---------------


class LoginAttempt(models.Model):
    """One login attempt, kept only as long as the throttle needs it (see hotel_crm.login_throttle).

    Failures are pruned after the cool-off; per username and IP only the latest
    success is kept, so the throttle knows the places a staff member logs in from.
    """

    username = models.CharField(_("username"), max_length=150)
    ip = models.GenericIPAddressField(_("IP address"))
    succeeded = models.BooleanField(_("succeeded"), default=False)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")
        indexes = [
            models.Index(fields=["username", "ip", "at"], name="login_attempt_pair_idx"),
            models.Index(fields=["ip", "at"], name="login_attempt_ip_idx"),
            models.Index(fields=["at"], name="login_attempt_at_idx"),
        ]

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"{self.username}@{self.ip} {outcome} {self.at:%Y-%m-%d %H:%M:%S}"


class LoginLock(models.Model):
    """A lock on logging in: one username at one IP, or (short) every unknown origin of an IP or username."""

    class Scope(models.TextChoices):
        USER_AT_IP = "user_ip", _("username at one IP")
        IP = "ip", _("every username from one IP")
        USER = "user", _("one username from every IP")

    scope = models.CharField(_("applies to"), max_length=8, choices=Scope.choices)
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created = models.DateTimeField(_("locked at"), default=timezone.now)
    until = models.DateTimeField(_("locked until"))

    class Meta:
        verbose_name = _("login lock")
        verbose_name_plural = _("login locks")
        indexes = [models.Index(fields=["until"], name="login_lock_until_idx")]

    def __str__(self) -> str:
        return f"{self.scope} {self.username}@{self.ip} until {self.until:%Y-%m-%d %H:%M:%S}"


class TOTPDevice(models.Model):
    """A staff member's authenticator app (RFC 6238, 30-second steps)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device", verbose_name=_("user")
    )
    # Base32; the server must read it to check codes, so it cannot be hashed.
    secret = models.CharField(_("secret"), max_length=64)
    confirmed_at = models.DateTimeField(_("set up"), default=timezone.now)
    # The last time step accepted: a code of this step or an earlier one is a replay.
    last_step = models.BigIntegerField(_("last time step used"), default=0)
    # Wrong codes since the last right one, kept here (not in the session) so a new login, or another
    # web process, goes on counting: see hotel_crm.mfa.second_factor_check and ADR 0015.
    failure_count = models.PositiveIntegerField(_("wrong codes in a row"), default=0)
    last_failure_at = models.DateTimeField(_("last wrong code"), null=True, blank=True)
    locked_at = models.DateTimeField(
        _("locked"),
        null=True,
        blank=True,
        help_text=_("Set after too many wrong codes: only a recovery code or a manager unlocks it."),
    )

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def __str__(self) -> str:
        return str(self.user)


class RecoveryCode(models.Model):
    """A single-use code for when the phone is lost; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="recovery_codes",
        verbose_name=_("user"),
    )
    code_hash = models.CharField(_("code hash"), max_length=128)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"{self.user} · {'used' if self.used_at else 'unused'}"


class StaffSession(models.Model):
    """A logged-in session of a staff member, listed on their security page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_sessions",
        verbose_name=_("user"),
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    created = models.DateTimeField(_("logged in"), default=timezone.now)
    last_seen = models.DateTimeField(_("last activity"), default=timezone.now)

    class Meta:
        verbose_name = _("staff session")
        verbose_name_plural = _("staff sessions")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.ip} since {self.created:%Y-%m-%d %H:%M}"


class AuditImmutable(Exception):
    """Raised on any attempt to change or delete an audit record."""


class AuditQuerySet(models.QuerySet):
    def for_property(self, prop) -> "AuditQuerySet":
        if prop is None:
            return self.none()
        return self.filter(property=prop)

    def update(self, **kwargs):
        raise AuditImmutable(_("Audit records cannot be changed."))

    def delete(self):
        raise AuditImmutable(_("Audit records cannot be deleted."))


class AuditEvent(models.Model):
    """Append-only record of a staff action: who, what, on what, where from, when.

    Rows are never updated or deleted: save() refuses updates, the admin is
    view-only, and on PostgreSQL a trigger refuses UPDATE and DELETE. The actor
    and property are plain references (no database constraint, nothing cascades)
    so deleting a user or a property leaves their history intact.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        SESSION_EXPIRED = "session_expired", _("Session ended by timeout")
        SESSIONS_ENDED = "sessions_ended", _("Other sessions ended")
        LOCKOUT = "lockout", _("Login locked")
        LOGIN_REFUSED = "login_refused", _("Login refused while locked")
        MFA_ENROLLED = "mfa_enrolled", _("Authenticator enrolled")
        MFA_VERIFIED = "mfa_verified", _("Second factor passed")
        MFA_FAILED = "mfa_failed", _("Second factor failed")
        MFA_RECOVERY_USED = "mfa_recovery_used", _("Recovery code used")
        MFA_RECOVERY_RENEWED = "mfa_recovery_renewed", _("Recovery codes renewed")
        MFA_LOCKED = "mfa_locked", _("Second factor locked")
        MFA_UNLOCKED = "mfa_unlocked", _("Second factor unlocked")
        PROFILE_VIEWED = "profile_viewed", _("Guest profile viewed")
        EXPORTED = "exported", _("Data exported")
        ERASED = "erased", _("Guest erased")
        PERMISSION_CHANGED = "permission_changed", _("Permissions changed")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("username"), max_length=150, blank=True)
    target_type = models.CharField(_("target type"), max_length=60, blank=True)
    target_id = models.CharField(_("target id"), max_length=60, blank=True)
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    property = models.ForeignKey(
        Property,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("property"),
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["actor", "-at"], name="audit_actor_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label or '-'} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutable(_("Audit records cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable(_("Audit records cannot be deleted."))
