"""Problems across rooms (建立防范系统): the same fault in many places, raised for management to decide on."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from complaints.models.case import Complaint
from complaints.models.setup import Category, Department
from hotel_crm import system_text
from hotel_crm.choice_labels import ChoiceLabels
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet


class ProblemScope(models.TextChoices):
    ROOMS = "rooms", _("Across rooms (N different rooms)")
    FLOOR = "floor", _("On one floor (N different rooms of a floor)")
    PROPERTY = "property", _("Anywhere in the hotel (N cases)")


class ProblemGrouping(models.TextChoices):
    CATEGORY = "category", _("The same category")
    DEPARTMENT = "department", _("The same department")


class ProblemTrigger(models.Model):
    """When many cases make one problem: N cases in M days, across rooms, a floor or the hotel."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="problem_triggers")
    scope = models.CharField(
        _("counted"), max_length=10, choices=ProblemScope.choices, default=ProblemScope.ROOMS
    )
    group_by = models.CharField(
        _("grouped by"), max_length=10, choices=ProblemGrouping.choices, default=ProblemGrouping.CATEGORY
    )
    threshold = models.PositiveSmallIntegerField(
        _("cases or rooms (N)"), default=5, validators=[MinValueValidator(2), MaxValueValidator(500)]
    )
    window_days = models.PositiveSmallIntegerField(
        _("within days (M)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    verification_days = models.PositiveSmallIntegerField(
        _("verification: days without a repeat before closing"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem trigger")
        verbose_name_plural = _("problem triggers")
        ordering = ["property", "scope", "group_by"]
        constraints = [
            models.UniqueConstraint(fields=["property", "scope", "group_by"], name="problem_trigger_unique")
        ]

    def __str__(self) -> str:
        return (
            f"{self.property.code}: {self.threshold} / {self.window_days} d · "
            f"{self.get_scope_display()} · {self.get_group_by_display()}"
        )


class ProblemState(models.TextChoices):
    RAISED = "raised", _("Raised: find the root cause")
    ACTING = "acting", _("Corrective action under way")
    VERIFYING = "verifying", _("Verifying: no recurrence")
    CLOSED = "closed", _("Closed")


OPEN_PROBLEM_STATES = (ProblemState.RAISED, ProblemState.ACTING, ProblemState.VERIFYING)


class Problem(ChoiceLabels, models.Model):
    """One fault seen in many places: its cases, root cause, decision, corrective action and verification."""

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="problems")
    trigger = models.ForeignKey(
        ProblemTrigger, on_delete=models.SET_NULL, null=True, blank=True, related_name="problems"
    )
    scope = models.CharField(_("counted"), max_length=10, choices=ProblemScope.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="problems", verbose_name=_("department")
    )
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    title = models.CharField(_("problem"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=ProblemState.choices, default=ProblemState.RAISED, editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_problems",
        verbose_name=_("owner"),
    )
    raised_at = models.DateTimeField(_("raised at"))
    last_case_at = models.DateTimeField(_("latest case"))
    root_cause = models.TextField(_("root cause"), max_length=2000, blank=True, editable=False)
    corrective_action = models.TextField(_("corrective action"), max_length=2000, blank=True, editable=False)
    action_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    action_due_at = models.DateTimeField(_("corrective action due"), null=True, blank=True, editable=False)
    action_done_at = models.DateTimeField(null=True, blank=True, editable=False)
    verification_days = models.PositiveSmallIntegerField(
        _("days without a repeat before closing"), default=14, validators=[MinValueValidator(1)]
    )
    verification_ends_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reopened_count = models.PositiveSmallIntegerField(default=0, editable=False)
    cases = models.ManyToManyField(Complaint, related_name="problems", blank=True, verbose_name=_("cases"))
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["raised_at", "pk"]
        permissions = [("decide_problem", _("Can decide what is asked about a problem"))]
        indexes = [
            # the open problems, oldest first: the list and the dashboard tile.
            models.Index(
                fields=["property", "raised_at"],
                name="problem_open_idx",
                condition=Q(state__in=["raised", "acting", "verifying"]),
            ),
            models.Index(fields=["property", "department", "category", "floor"], name="problem_key_idx"),
        ]

    def __str__(self) -> str:
        return f"P-{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("complaints:problem", kwargs={"pk": self.pk})

    # Methods, not properties: `property` is a field name in this class.
    def reference(self) -> str:
        return f"P-{self.pk}"

    def is_open(self) -> bool:
        return self.state != ProblemState.CLOSED


class ProblemEventKind(models.TextChoices):
    RAISED = "raised", _("Raised by the trigger")
    CASE_ADDED = "case_added", _("Another case")
    OWNER = "owner", _("Owner set")
    ROOT_CAUSE = "root_cause", _("Root cause")
    DECISION_REQUESTED = "decision_asked", _("Decision requested")
    DECIDED = "decided", _("Decision")
    ACTION = "action", _("Corrective action planned")
    ACTION_DONE = "action_done", _("Corrective action done: verification started")
    REOPENED = "reopened", _("Reopened by a repeat")
    CLOSED = "closed", _("Closed: no recurrence")


class ProblemEvent(ChoiceLabels, models.Model):
    """The problem's append-only timeline."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=15, choices=ProblemEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    complaint = models.ForeignKey(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    # The system's own wording as system text (hotel_crm.system_text), {"text": message}; `note` keeps
    # what a person typed. Rows written before this hold their wording, in the writer's language, in `note`.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("problem event")
        verbose_name_plural = _("problem events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["problem", "at"], name="problem_event_idx")]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.kind}"

    @property
    def text(self) -> str:
        """What the entry says: the system's wording in the reader's language, then what a person typed."""
        wording = system_text.render(self.data.get("text")) if self.data.get("text") else ""
        return "\n".join(part for part in (wording, self.note) if part)
