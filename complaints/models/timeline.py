"""The case's append-only timeline, manager reviews and courtesy checks."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints import detail_changes
from complaints.models.case import Complaint
from complaints.workflow import Status
from guests.models import Guest, Stay
from hotel_crm import system_text
from hotel_crm.choice_labels import ChoiceLabels
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet


class EventKind(models.TextChoices):
    LOGGED = "logged", _("Case logged")
    UPDATED = "updated", _("Details changed")
    RESTATED = "restated", _("Restated and confirmed")
    APOLOGISED = "apologised", _("Apologised")
    OFFERED = "offered", _("Offer made")
    APPROVAL_REQUESTED = "approval_asked", _("Approval requested")
    APPROVED = "approved", _("Offer approved")
    NOT_APPROVED = "not_approved", _("Offer not approved")
    OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
    OFFER_DECLINED = "offer_declined", _("Offer declined")
    ACTION_ADDED = "action_added", _("Follow-up action added")
    ACTION_DONE = "action_done", _("Follow-up action done")
    ACTION_ACKNOWLEDGED = "action_ack", _("Department acknowledged the action")
    ACTION_STARTED = "action_started", _("Department started the action")
    ACTION_HANDED_BACK = "action_back", _("Department handed the action back")
    VERIFICATION_REQUESTED = "verification", _("Ready to verify")
    VERIFIED = "verified", _("Guest's verdict")
    DELIGHT = "delight", _("Delight gesture")
    NOTE = "note", _("Note")
    REASSIGNED = "reassigned", _("Reassigned")
    REPEAT_FLAGGED = "repeat", _("Flagged as repeat")
    DIAGNOSED = "diagnosed", _("Root cause and prevention")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REOPENED = "reopened", _("Reopened")
    REVIEWED = "reviewed", _("Reviewed by a manager")
    GUEST_LINK = "guest_link", _("Link for the guest's answer")
    GUEST_VERDICT = "guest_verdict", _("The guest's own answer")
    MESSAGE_IN = "message_in", _("Guest's message")
    MESSAGE_OUT = "message_out", _("Reply to the guest")
    PUBLIC_REPLY = "public_reply", _("Public reply to the review")


class ComplaintEvent(ChoiceLabels, models.Model):
    """Append-only timeline: every step, note, offer, action, verdict and reassignment."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=15, choices=EventKind.choices)
    # None: the guest, answering through their link (no staff account acted).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_status = models.CharField(max_length=15, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=15, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["complaint", "at"], name="event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} @ {self.at:%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        """What the entry says: system text in the reader's language, else the note someone wrote."""
        if self.data.get("text"):
            return system_text.render(self.data["text"])
        if self.kind == EventKind.UPDATED and self.data.get("changes"):
            return detail_changes.changes_text(Complaint, self.data["changes"])
        return self.note


class CourtesyOutcome(models.TextChoices):
    ALL_GOOD = "all_good", _("All good")
    MINOR = "minor", _("Small wish, handled on the spot")
    ISSUE = "issue", _("Raised an issue")
    NOT_REACHED = "not_reached", _("Could not reach the guest")


class CourtesyCheck(ChoiceLabels, models.Model):
    """A proactive "how is your stay?" (主动询问客人的满意度) and what the guest said."""

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="courtesy_checks")
    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="courtesy_checks")
    outcome = models.CharField(_("outcome"), max_length=12, choices=CourtesyOutcome.choices)
    note = models.CharField(_("what the guest said"), max_length=500, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)
    complaint = models.OneToOneField(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="courtesy_check"
    )

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("courtesy check")
        verbose_name_plural = _("courtesy checks")
        ordering = ["-checked_at"]
        # courtesy coverage: the checks of a period, by day and by staff member (ADR 0017).
        indexes = [
            models.Index(
                fields=["property", "checked_at"], include=["stay", "checked_by"], name="courtesy_period_idx"
            ),
            models.Index(fields=["stay", "checked_at"], name="courtesy_stay_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.outcome}"


class Compliment(models.Model):
    """A guest's praise for a staff member, recorded like a courtesy check: who was praised and what for."""

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="compliments")
    stay = models.ForeignKey(
        Stay,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="compliments",
        verbose_name=_("stay"),
    )
    guest = models.ForeignKey(
        Guest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="compliments",
        verbose_name=_("guest"),
    )
    praised = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="compliments",
        verbose_name=_("praised"),
    )
    words = models.CharField(_("what the guest said"), max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("compliment")
        verbose_name_plural = _("compliments")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["property", "recorded_at"], name="compliment_period_idx")]

    def __str__(self) -> str:
        return f"{self.praised_id}: {self.words[:40]}"


class Review(models.Model):
    """A manager's review of a case (closed, escalated or with an approval): the mark and the comment."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.complaint_id} reviewed by {self.reviewer_id}"
