"""The guest's own answer links (verification and after the stay)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.models.case import Complaint
from complaints.workflow import Verdict
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet


class GuestCheckKind(models.TextChoices):
    VERIFICATION = "verification", _("Verification (step 5)")
    POST_STAY = "post_stay", _("After the stay")


class GuestCheck(models.Model):
    """A link that lets the guest answer one question about one case, once, without an account.

    The link is a signed value of this row's id and `nonce` (see complaints.guest_voice);
    answering sets `used_at`, a newer link for the same case sets `revoked_at` on the older ones.
    """

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="+")
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="guest_checks")
    kind = models.CharField(_("kind"), max_length=12, choices=GuestCheckKind.choices)
    nonce = models.CharField(max_length=32, editable=False)
    language = models.CharField(_("language"), max_length=10, default="en")
    sent_to = models.EmailField(_("sent to"), max_length=254, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    # Email delivery, claimed like a reminder: a lease so two dispatchers never send the same row.
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=15, choices=Verdict.choices, blank=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("guest check")
        verbose_name_plural = _("guest checks")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The post-stay check goes out once per case, however often the scan runs.
            models.UniqueConstraint(
                fields=["complaint"], condition=Q(kind="post_stay"), name="one_post_stay_check_per_case"
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | ~Q(answer=""), name="guest_check_answered_when_used"
            ),
        ]
        indexes = [
            models.Index(fields=["sent_at", "lease_until"], name="guest_check_unsent_idx"),
            models.Index(fields=["property", "used_at"], name="guest_check_answered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"
