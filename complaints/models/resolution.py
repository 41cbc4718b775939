"""Step 3 and 4: remedies, offers, authority limits, approvals and follow-up actions."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.action_workflow import ActionState
from complaints.models.case import Complaint
from complaints.models.problem import Problem
from complaints.models.setup import Department
from hotel_crm.choice_labels import ChoiceLabels
from hotel_crm.i18n import BilingualName
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet


class RemedyType(models.TextChoices):
    ROOM_MOVE = "room_move", _("Room move")
    UPGRADE = "upgrade", _("Upgrade")
    REPAIR = "repair", _("Repair")
    FB_CREDIT = "fb_credit", _("F&B credit")
    RATE_DISCOUNT = "rate_discount", _("Rate discount")
    AMENITY = "amenity", _("Amenity")
    REFUND = "refund", _("Refund")
    APOLOGY_LETTER = "apology_letter", _("Apology letter")
    OTHER = "other", _("Other")


class OfferStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for a manager's approval")
    PROPOSED = "proposed", _("Waiting for the guest")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    NOT_APPROVED = "not_approved", _("Not approved")


# Offers that count against someone's authority: granted, or about to be.
COMMITTED_OFFER_STATUSES = (OfferStatus.PROPOSED, OfferStatus.ACCEPTED)


class Remedy(BilingualName, models.Model):
    """The remedy catalogue: what the hotel offers, with a default value (admin-managed, per property)."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="remedies")
    kind = models.CharField(_("kind"), max_length=15, choices=RemedyType.choices)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    default_value = models.DecimalField(
        _("default value"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("remedy")
        verbose_name_plural = _("remedy catalogue")
        ordering = ["property", "kind", "name_en"]
        constraints = [models.UniqueConstraint(fields=["property", "name_en"], name="remedy_name_unique")]

    def __str__(self) -> str:
        return self.name


class AuthorityLimit(models.Model):
    """How much a role (or, overriding it, one person) may grant without asking: 权限 granted by position."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="authority_limits")
    role = models.ForeignKey(
        "auth.Group",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("role"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member (overrides the role)"),
    )
    per_case = models.DecimalField(
        _("largest value on one case"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    per_day = models.DecimalField(
        _("total per business day"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("authority limit")
        verbose_name_plural = _("authority limits")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role__isnull=False) & Q(user__isnull=True))
                | (Q(role__isnull=True) & Q(user__isnull=False)),
                name="limit_for_a_role_or_a_person",
            ),
            models.UniqueConstraint(
                fields=["property", "role"], condition=Q(user__isnull=True), name="limit_role_unique"
            ),
            models.UniqueConstraint(
                fields=["property", "user"], condition=Q(role__isnull=True), name="limit_user_unique"
            ),
        ]

    def __str__(self) -> str:
        who = self.user or self.role
        return f"{self.property.code} · {who}: {self.per_case} / {self.per_day}"


class Offer(ChoiceLabels, models.Model):
    """A solution offered to the guest; the case stays in resolving until one is accepted."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="offers")
    remedy_type = models.CharField(_("remedy"), max_length=15, choices=RemedyType.choices)
    remedy = models.ForeignKey(
        "Remedy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from the catalogue"),
    )
    description = models.CharField(_("what exactly"), max_length=300)
    value = models.DecimalField(
        _("value"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000000"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    status = models.CharField(
        _("answer"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.PROPOSED
    )
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Whose authority the value counts against: the clerk's own, or the approving manager's.
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    business_day = models.DateField(null=True, blank=True)
    offered_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    guest_response = models.CharField(_("what the guest said"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["offered_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="offer_value_not_negative"),
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(status__in=["proposed", "awaiting_approval"]),
                name="one_open_offer_per_complaint",
            ),
        ]
        indexes = [models.Index(fields=["authorised_by", "business_day"], name="offer_authority_day_idx")]

    def __str__(self) -> str:
        return f"{self.get_remedy_type_display()}: {self.description}"


class FollowUpAction(ChoiceLabels, models.Model):
    """Something that must happen for the promise to be kept (the room really gets fixed)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("what must happen"), max_length=300)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    due_at = models.DateTimeField(_("due"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_note = models.CharField(_("how it was done"), max_length=300, blank=True)
    # The department's side (written by complaints.services.department_work only).
    state = models.CharField(
        _("state"), max_length=12, choices=ActionState.choices, default=ActionState.SENT, editable=False
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    handed_back_at = models.DateTimeField(null=True, blank=True, editable=False)
    handed_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handed_back_reason = models.CharField(_("why it is handed back"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["complaint", "done_at"], name="action_open_idx"),
            # the dashboard's overdue tile: the few actions not done and past due (ADR 0013).
            models.Index(
                fields=["due_at"],
                include=["complaint"],
                name="action_overdue_idx",
                condition=Q(done_at__isnull=True),
            ),
            # the department queue and its acknowledgement times on the dashboard.
            models.Index(fields=["department", "state", "due_at"], name="action_department_idx"),
        ]

    def __str__(self) -> str:
        return self.description


class ApprovalRequest(ChoiceLabels, models.Model):
    """A request to a superior (权限, gained by application): an offer beyond the clerk's authority,
    or a decision about a problem that is not money (run the cooling longer, replace a boiler)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="approval_requests")
    offer = models.OneToOneField(
        Offer, on_delete=models.CASCADE, null=True, blank=True, related_name="approval"
    )
    problem = models.ForeignKey(
        Problem, on_delete=models.CASCADE, null=True, blank=True, related_name="decision_requests"
    )
    question = models.CharField(_("decision asked for"), max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("why it is needed"), max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)

    objects = PropertyScopedQuerySet.as_manager()

    # Not a column: selectors.pending_approvals marks each listed request for the user looking at it.
    can_decide: bool

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["property", "state"], name="approval_pending_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(offer__isnull=False) & Q(problem__isnull=True))
                | (Q(offer__isnull=True) & Q(problem__isnull=False) & ~Q(question="")),
                name="approval_for_an_offer_or_a_decision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.offer or self.question} ({self.get_state_display()})"
