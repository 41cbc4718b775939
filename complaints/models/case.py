"""The complaint case itself and the choices it is described with."""

import builtins
import functools
import operator

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from complaints.models.setup import Category, Department
from complaints.workflow import OPEN, Status, Verdict
from guests.models import Guest, Stay
from hotel_crm import system_text
from hotel_crm.choice_labels import ChoiceLabels
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet
from rooms.models import Room


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
    # Stored as "demanding" since the first release; 要求型 is the guest who asks for information.
    DEMANDING = "demanding", _("Information-seeking: wants facts")
    CONFUSED = "confused", _("Confused: unclear or mistaken")
    AGITATED = "agitated", _("Agitated: upset and dissatisfied")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
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


class Complaint(ChoiceLabels, models.Model):
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
    # Why it is a repeat, as system text (hotel_crm.system_text): rendered in the reader's language.
    repeat_notice = models.JSONField(default=dict, blank=True, editable=False)
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

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", kwargs={"pk": self.pk})

    @builtins.property  # `property` is a field name in this class
    def repeat_reason(self) -> str:
        """Why this case is a repeat, in the active language ('' when it is not)."""
        return system_text.render(self.repeat_notice)

    # Methods, not properties: `property` is a field name in this class.
    def is_open(self) -> bool:
        return self.status in OPEN

    def recovered(self) -> bool:
        return self.verdict == Verdict.VERY_SATISFIED

    def complainant(self) -> str:
        return self.guest.display_name if self.guest is not None else self.complainant_name
