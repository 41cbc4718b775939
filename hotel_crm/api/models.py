"""API tokens, idempotency keys and outbound webhooks."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet


class Scope(models.TextChoices):
    GUESTS_READ = "guests:read", _("Read guests")
    GUESTS_WRITE = "guests:write", _("Create and update guests")
    STAYS_READ = "stays:read", _("Read stays")
    STAYS_WRITE = "stays:write", _("Push stays (arrivals, check-in, check-out, cancellations)")
    ROOMS_READ = "rooms:read", _("Read rooms")
    ROOMS_WRITE = "rooms:write", _("Change a room's housekeeping status")
    COMPLAINTS_READ = "complaints:read", _("Read complaint cases")
    COMPLAINTS_WRITE = "complaints:write", _("Log cases and take them through the cycle")
    SHIFT_READ = "shift:read", _("Read the duty log and handovers")
    SHIFT_WRITE = "shift:write", _("Write to the duty log, hand over and acknowledge")


class ApiTokenQuerySet(PropertyScopedQuerySet):
    def live(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """One integration's key to one property. Only a SHA-256 hash of the secret is kept."""

    name = models.CharField(_("name"), max_length=80, help_text=_("Which system uses it, e.g. OPERA PMS."))
    property = models.ForeignKey(
        Property, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("property")
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The staff account the integration acts as: its role at the property sets its authority.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_token",
        editable=False,
        verbose_name=_("acts as"),
    )
    requests_per_minute = models.PositiveIntegerField(
        _("requests per minute"), null=True, blank=True, help_text=_("Empty: the installation's default.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["property", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyKey(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed for repeats (per caller)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return self.key


class WebhookEvent(models.TextChoices):
    COMPLAINT_CREATED = "complaint.created", _("A case was logged")
    COMPLAINT_STEP_CHANGED = "complaint.step_changed", _("A case moved to another step")
    COMPLAINT_CLOSED = "complaint.closed", _("A case was closed")
    GUEST_ERASED = "guest.erased", _("A guest's personal data was erased")


class WebhookSubscription(models.Model):
    """Where to POST events of one property, signed with this subscriber's own secret."""

    property = models.ForeignKey(
        Property, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("property")
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"), max_length=128, help_text=_("Shared with the receiver; signs every delivery.")
    )
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["property", "url"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event to one subscriber: written with the change (outbox), sent and retried by Celery."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"
