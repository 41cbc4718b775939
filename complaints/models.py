"""Complaint cases and everything recorded along the cycle."""

import datetime as dt
import functools
import json
import operator
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from complaints.workflow import OPEN, Status, Verdict
from guests.models import Guest, Stay
from hotel_crm.i18n import BilingualName
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet
from rooms.models import Room


class Department(BilingualName, models.Model):
    """A department a complaint is routed to (domain.md §5), per property."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="departments")
    code = models.SlugField(_("code"), max_length=20)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["property", "name_en"]
        constraints = [models.UniqueConstraint(fields=["property", "code"], name="department_code_unique")]

    def __str__(self) -> str:
        return self.name


class Category(BilingualName, models.Model):
    """A kind of problem, from a managed list per department (e.g. Housekeeping → dirty room)."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="categories")
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Safety, harassment, security incidents: such cases are seen only by guest relations "
            "managers and the staff involved in the case."
        ),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["department", "name_en"]
        constraints = [models.UniqueConstraint(fields=["department", "name_en"], name="category_name_unique")]

    def __str__(self) -> str:
        return self.name


class PreventionRule(models.Model):
    """When a case is a repeat: N cases in M days (same room and category, or same category and place)."""

    property = models.OneToOneField(Property, on_delete=models.CASCADE, related_name="prevention_rule")
    threshold = models.PositiveSmallIntegerField(
        _("cases (N)"), default=3, validators=[MinValueValidator(2), MaxValueValidator(50)]
    )
    window_days = models.PositiveSmallIntegerField(
        _("within days (M)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("prevention rule")
        verbose_name_plural = _("prevention rules")

    def __str__(self) -> str:
        return f"{self.property.code}: {self.threshold} / {self.window_days} d"


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class ComplaintKind(models.TextChoices):
    SINCERE = "sincere", _("Sincere (a real fault, told plainly)")
    EMOTIONAL = "emotional", _("Emotional (the feeling is the main problem)")
    OPPORTUNISTIC = "opportunistic", _("Opportunistic (fishing for compensation)")
    PROCEDURAL = "procedural", _("Procedural (for the record)")


class Mood(models.TextChoices):
    IMPATIENT = "impatient", _("Impatient, nervous")
    ANGRY = "angry", _("Angry")
    TIRED = "tired", _("Tired")
    HAPPY = "happy", _("Happy, relaxed")
    TIMID = "timid", _("Timid, hesitant")


class GuestType(models.TextChoices):
    DEMANDING = "demanding", _("Demanding: wants facts")
    CONFUSED = "confused", _("Confused: unclear or mistaken")
    AGITATED = "agitated", _("Agitated: upset and dissatisfied")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    REVIEW_SITE = "review_site", _("Review site")
    SURVEY = "survey", _("Survey")
    COURTESY_CHECK = "courtesy_check", _("Courtesy check")


class Area(models.TextChoices):
    ROOM = "room", _("Guest room")
    LOBBY = "lobby", _("Lobby")
    FRONT_DESK = "front_desk", _("Front desk")
    RESTAURANT = "restaurant", _("Restaurant")
    BAR = "bar", _("Bar")
    SPA = "spa", _("Spa")
    GYM_POOL = "gym_pool", _("Gym / pool")
    CAR_PARK = "car_park", _("Car park")
    MEETING = "meeting", _("Meeting rooms")
    LIFTS_CORRIDORS = "lifts_corridors", _("Lifts / corridors")
    EXECUTIVE_LOUNGE = "executive_lounge", _("Executive lounge")
    OUTSIDE = "outside", _("Outside the hotel / online")
    OTHER = "other", _("Other")


class VerdictSource(models.TextChoices):
    STAFF = "staff", _("Recorded by staff")
    GUEST = "guest", _("Given by the guest")


class ApologyMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")


# Open steps as OR-ed equalities for partial indexes: PostgreSQL proves that a query's
# `status IN (...)` implies this form, but not a stored `status = ANY (ARRAY[...])`, and
# would then never use the index.
OPEN_CONDITION = functools.reduce(operator.or_, (Q(status=s) for s in sorted(s.value for s in OPEN)))


class Complaint(models.Model):
    """A guest's complaint at one property: listen → apologise → resolve → follow up → verify."""

    property = models.ForeignKey(
        Property, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("hotel")
    )
    reference = models.CharField(_("reference"), max_length=30, editable=False)
    guest = models.ForeignKey(
        Guest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("guest"),
    )
    stay = models.ForeignKey(
        Stay,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("stay"),
    )
    complainant_name = models.CharField(
        _("complainant (if not a registered guest)"),
        max_length=120,
        blank=True,
        help_text=_("For a walk-in or non-resident."),
    )
    area = models.CharField(_("where"), max_length=20, choices=Area.choices, default=Area.ROOM)
    room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("room"),
    )
    location_detail = models.CharField(_("place, in detail"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("happened at"))
    reported_at = models.DateTimeField(_("reported at"))
    people_involved = models.CharField(
        _("people involved"),
        max_length=300,
        blank=True,
        help_text=_("Staff or other guests involved, if any."),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("department")
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("category"),
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    kind = models.CharField(_("kind of complaint"), max_length=15, choices=ComplaintKind.choices, blank=True)
    mood = models.CharField(_("guest's mood"), max_length=10, choices=Mood.choices, blank=True)
    guest_type = models.CharField(
        _("kind of guest right now"), max_length=10, choices=GuestType.choices, blank=True
    )
    guest_words = models.TextField(_("the guest's own words"), max_length=4000)
    channel = models.CharField(
        _("channel"), max_length=15, choices=Channel.choices, default=Channel.IN_PERSON
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_complaints",
        verbose_name=_("owner"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assigned_complaints",
        verbose_name=_("assigned to"),
    )
    status = models.CharField(
        _("step"), max_length=15, choices=Status.choices, default=Status.LISTENING, editable=False
    )
    restated_confirmed = models.BooleanField(
        _("restated and confirmed by the guest"), default=False, editable=False
    )
    apologised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    apologised_via = models.CharField(
        max_length=10, choices=ApologyMethod.choices, blank=True, editable=False
    )
    apologised_at = models.DateTimeField(null=True, blank=True, editable=False)
    verdict = models.CharField(
        _("verdict"), max_length=15, choices=Verdict.choices, blank=True, editable=False
    )
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    verdict_source = models.CharField(
        _("verdict given by"), max_length=5, choices=VerdictSource.choices, blank=True, editable=False
    )
    is_repeat = models.BooleanField(_("repeat"), default=False, editable=False)
    repeat_reason = models.CharField(max_length=300, blank=True, editable=False)
    root_cause = models.TextField(_("root cause"), max_length=2000, blank=True, editable=False)
    preventive_action = models.TextField(_("preventive action"), max_length=2000, blank=True, editable=False)
    withdrawn_reason = models.CharField(max_length=300, blank=True, editable=False)
    step_due_at = models.DateTimeField(_("current step due"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    submission_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-reported_at", "-pk"]
        permissions = [
            ("reopen_complaint", _("Can reopen a closed or withdrawn case")),
            ("view_all_complaints", _("Can see every case of the property")),
            ("view_sensitive_complaints", _("Can see cases in sensitive categories")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["property", "reference"], name="complaint_reference_unique"),
            models.UniqueConstraint(
                fields=["property", "submission_key"],
                condition=~Q(submission_key=""),
                name="complaint_submission_once",
            ),
            models.CheckConstraint(
                condition=Q(guest__isnull=False) | ~Q(complainant_name=""), name="complaint_has_a_complainant"
            ),
        ]
        indexes = [
            models.Index(fields=["property", "status", "-reported_at"], name="complaint_open_list_idx"),
            models.Index(fields=["property", "assignee", "status"], name="complaint_assignee_idx"),
            models.Index(fields=["property", "category", "reported_at"], name="complaint_category_idx"),
            models.Index(fields=["room", "reported_at"], name="complaint_room_idx"),
            models.Index(fields=["guest", "reported_at"], name="complaint_guest_idx"),
            # At a million cases (docs/performance.md): the open-cases list in its default order,
            # its capped count and filters, from one partial index of the few open cases;
            models.Index(
                "property",
                F("reported_at").desc(),
                F("id").desc(),
                name="complaint_open_recent_idx",
                condition=OPEN_CONDITION,
            ),
            # the same, filtered by department (the list's most used filter);
            models.Index(
                "property",
                "department",
                F("reported_at").desc(),
                F("id").desc(),
                name="complaint_open_dept_idx",
                condition=OPEN_CONDITION,
            ),
            # the overdue count of the dashboard tiles and the case list's overdue filter;
            models.Index(
                fields=["property", "step_due_at"],
                name="complaint_open_due_idx",
                condition=OPEN_CONDITION,
            ),
            # every case of a period, newest first: the dashboard and its drill-down lists.
            models.Index("property", F("reported_at").desc(), F("id").desc(), name="complaint_recent_idx"),
            # the dashboard's "right now" tiles, counted from the index alone (ADR 0013).
            models.Index(
                fields=["property", "status"],
                include=["id", "step_due_at", "is_repeat", "guest", "stay"],
                name="complaint_open_tiles_idx",
                condition=OPEN_CONDITION,
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @classmethod
    def open_statuses(cls) -> list[str]:
        return [s.value for s in OPEN]

    # Methods, not properties: `property` is a field name in this class.
    def is_open(self) -> bool:
        return self.status in OPEN

    def recovered(self) -> bool:
        return self.verdict == Verdict.VERY_SATISFIED

    def complainant(self) -> str:
        return self.guest.display_name if self.guest_id else self.complainant_name


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


class Offer(models.Model):
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


class FollowUpAction(models.Model):
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
        ]

    def __str__(self) -> str:
        return self.description


class ApprovalRequest(models.Model):
    """An offer beyond the clerk's authority, waiting for a manager (权限, gained by application)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="approval_requests")
    offer = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="approval")
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

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["property", "state"], name="approval_pending_idx")]

    def __str__(self) -> str:
        return f"{self.offer} ({self.get_state_display()})"


class Notification(models.Model):
    """An in-app message to one staff member (the bell)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the notification comes from a reminder: delivering it twice cannot make two.
    key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text


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


class ComplaintEvent(models.Model):
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


class CourtesyOutcome(models.TextChoices):
    ALL_GOOD = "all_good", _("All good")
    MINOR = "minor", _("Small wish, handled on the spot")
    ISSUE = "issue", _("Raised an issue")
    NOT_REACHED = "not_reached", _("Could not reach the guest")


class CourtesyCheck(models.Model):
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

    def __str__(self) -> str:
        return f"{self.stay_id} {self.outcome}"


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


class RateLimitBucket(models.Model):
    """Hits on a public page per key (an IP, a link) in one time window: shared by every web process."""

    key = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_limit_bucket_unique")
        ]
        indexes = [models.Index(fields=["window_start"], name="rate_limit_window_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%H:%M}: {self.hits}"


class FiguresEncoder(DjangoJSONEncoder):
    """JSON for the dashboard's figures that reads back as the same Python types (FiguresDecoder)."""

    def default(self, o):
        if isinstance(o, dt.timedelta):
            return {"__timedelta__": o.total_seconds()}
        if isinstance(o, Decimal):
            return {"__decimal__": str(o)}
        if isinstance(o, dt.date) and not isinstance(o, dt.datetime):
            return {"__date__": o.isoformat()}
        return super().default(o)


class FiguresDecoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, object_hook=self._typed, **kwargs)

    @staticmethod
    def _typed(obj: dict):
        if len(obj) == 1:
            if "__timedelta__" in obj:
                return dt.timedelta(seconds=obj["__timedelta__"])
            if "__decimal__" in obj:
                return Decimal(obj["__decimal__"])
            if "__date__" in obj:
                return dt.date.fromisoformat(obj["__date__"])
        return obj


class DashboardSnapshot(models.Model):
    """The dashboard's figures for a standard period ("last N days"), computed ahead (ADR 0013).

    A cache, not a record: beat rewrites it every few minutes, and the page recomputes it
    when it is older than DASHBOARD_SNAPSHOT_MAX_AGE or when the manager asks.
    """

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="+")
    days = models.PositiveSmallIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    computed_at = models.DateTimeField()
    figures = models.JSONField(encoder=FiguresEncoder, decoder=FiguresDecoder)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["property", "days"], name="one_dashboard_snapshot_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.property_id} last {self.days} days @ {self.computed_at:%Y-%m-%d %H:%M}"
