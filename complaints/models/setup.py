"""Departments, categories and the repeat rule: what a hotel sets up before logging cases."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotel_crm.i18n import BilingualName
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet


class Department(BilingualName, models.Model):
    """A department a complaint is routed to (domain.md §5), per property."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="departments")
    code = models.SlugField(_("code"), max_length=20)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    acknowledge_minutes = models.PositiveIntegerField(
        _("minutes to acknowledge new work"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text=_("Work not acknowledged within this time is escalated to the managers."),
    )
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="supervised_departments",
        verbose_name=_("supervisors"),
        help_text=_("Told at once (the bell) when work is handed to the department."),
    )

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
