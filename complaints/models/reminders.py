"""The reminder outbox and the settings it is scheduled from (service levels, digests)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from complaints.models.case import Complaint, Severity
from complaints.models.problem import Problem
from complaints.models.resolution import FollowUpAction
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet


class ServiceLevelRule(models.Model):
    """Time allowed for each step, per severity, tighter for VIP guests (admin-configurable, per property)."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="service_levels")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    vip = models.BooleanField(_("for VIP guests"), default=False)
    apologise_minutes = models.PositiveIntegerField(
        _("minutes to apologise"), validators=[MinValueValidator(1)]
    )
    first_offer_minutes = models.PositiveIntegerField(
        _("minutes to the first offer"), validators=[MinValueValidator(1)]
    )
    action_minutes = models.PositiveIntegerField(
        _("minutes for a follow-up action without a due time"), validators=[MinValueValidator(1)]
    )
    verify_minutes = models.PositiveIntegerField(_("minutes to verify"), validators=[MinValueValidator(1)])
    escalate_after_minutes = models.PositiveIntegerField(
        _("escalate to managers when overdue by (minutes)"), validators=[MinValueValidator(1)]
    )
    escalate_again_after_minutes = models.PositiveIntegerField(
        _("escalate further when overdue by (minutes)"), validators=[MinValueValidator(1)]
    )

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service-level rule")
        verbose_name_plural = _("service-level rules")
        ordering = ["property", "severity", "vip"]
        constraints = [
            models.UniqueConstraint(fields=["property", "severity", "vip"], name="service_level_unique"),
            models.CheckConstraint(
                condition=Q(escalate_again_after_minutes__gt=F("escalate_after_minutes")),
                name="second_escalation_after_the_first",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.property.code} · {self.get_severity_display()}{' · VIP' if self.vip else ''}"


class DigestSetting(models.Model):
    """When the guest relations managers get the daily digest (local hour of the property)."""

    property = models.OneToOneField(Property, on_delete=models.CASCADE, related_name="digest_setting")
    hour = models.PositiveSmallIntegerField(_("hour"), default=8, validators=[MaxValueValidator(23)])
    enabled = models.BooleanField(_("enabled"), default=True)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")

    def __str__(self) -> str:
        return f"{self.property.code} @ {self.hour:02d}:00"


class ReminderKind(models.TextChoices):
    DUE = "due", _("Reminder")
    ESCALATION = "escalation", _("Escalation")
    ESCALATION_2 = "escalation_2", _("Second escalation")
    DIGEST = "digest", _("Daily digest")
    HANDOVER = "handover", _("Handover not acknowledged")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CLAIMED = "claimed", _("Being sent")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Reminder(models.Model):
    """One reminder or escalation to one person: the durable schedule (the broker only carries messages)."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="+")
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    action = models.ForeignKey(
        FollowUpAction, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    problem = models.ForeignKey(
        Problem, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    handover = models.ForeignKey(
        "complaints.Handover", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    kind = models.CharField(max_length=15, choices=ReminderKind.choices)
    subject = models.CharField(max_length=30, help_text="the step or 'action' this is about")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=160, unique=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="reminder_due_idx"),
            models.Index(fields=["status", "lease_until"], name="reminder_lease_idx"),
            models.Index(fields=["complaint", "status"], name="reminder_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} → {self.recipient_id} @ {self.due_at:%Y-%m-%d %H:%M}"
