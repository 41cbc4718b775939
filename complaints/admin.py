"""Set-up of departments, categories and the repeat rule. Cases themselves are worked in the app:
their lifecycle fields are read-only here (status changes only through the services)."""

from django.contrib import admin

from complaints import selectors
from complaints.models import (
    ApprovalRequest,
    AuthorityLimit,
    Category,
    Complaint,
    ComplaintEvent,
    Compliment,
    Department,
    DigestSetting,
    GuestCheck,
    PreventionRule,
    Problem,
    ProblemTrigger,
    Remedy,
    Reminder,
    ServiceLevelRule,
    Shift,
    ShiftSetting,
)
from complaints.selectors import staff_of_property
from hotel_crm.scoping import PropertyScopedAdminMixin
from rooms.admin import SuperuserPropertyFilterMixin


class ReadOnlyAdminMixin:
    """Records written only by the services (the audit trail): visible, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 1


@admin.register(Department)
class DepartmentAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "acknowledge_minutes", "is_active"]
    list_filter = ["is_active"]
    inlines = [CategoryInline]
    filter_horizontal = ["supervisors"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "supervisors" and getattr(request, "property", None) is not None:
            kwargs["queryset"] = staff_of_property(prop=request.property)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(ProblemTrigger)
class ProblemTriggerAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    """When many cases make one problem: N cases (or rooms) in M days, per property (ADR 0017)."""

    list_display = ["scope", "group_by", "threshold", "window_days", "verification_days", "is_active"]
    list_filter = ["is_active", "scope"]


@admin.register(Problem)
class ProblemAdmin(
    ReadOnlyAdminMixin, SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin
):
    """Problems are worked on their own page; read-only here."""

    list_display = ["pk", "department", "category", "scope", "floor", "state", "raised_at", "owner"]
    list_filter = ["state", "scope"]
    list_select_related = ["department", "category", "owner", "property"]


@admin.register(Compliment)
class ComplimentAdmin(
    ReadOnlyAdminMixin, SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin
):
    list_display = ["recorded_at", "praised", "guest", "recorded_by"]
    list_select_related = ["praised", "guest", "recorded_by", "property"]


@admin.register(PreventionRule)
class PreventionRuleAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["property", "threshold", "window_days"]


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "actor", "from_status", "to_status", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(
    ReadOnlyAdminMixin, SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin
):
    """Read-only: the audit view for administrators."""

    list_display = ["reference", "status", "severity", "department", "reported_at", "is_repeat"]
    list_filter = ["status", "severity", "is_repeat"]
    search_fields = ["reference"]
    list_select_related = ["department", "property"]
    inlines = [ComplaintEventInline]

    def get_queryset(self, request):
        # The same rule as the app's pages: sensitive cases only for those who may see them.
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            pk__in=selectors.complaints_visible_to(user=request.user, property=request.property).values("pk")
        )


@admin.register(Remedy)
class RemedyAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name_en", "name_zh", "kind", "default_value", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    """Limits per role and, overriding them, per person (权限)."""

    list_display = ["role", "user", "per_case", "per_day"]
    list_select_related = ["role", "user", "property"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = staff_of_property(prop=request.property)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(
    ReadOnlyAdminMixin, SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin
):
    list_display = ["offer", "problem", "question", "requested_by", "requested_at", "state", "decided_by"]
    list_filter = ["state"]


@admin.register(ServiceLevelRule)
class ServiceLevelRuleAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    """Time allowed per step; without a rule the built-in defaults apply (halved for VIP guests)."""

    list_display = [
        "severity",
        "vip",
        "apologise_minutes",
        "first_offer_minutes",
        "action_minutes",
        "verify_minutes",
        "escalate_after_minutes",
        "escalate_again_after_minutes",
    ]
    list_filter = ["severity", "vip"]


@admin.register(DigestSetting)
class DigestSettingAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["hour", "enabled"]


@admin.register(Shift)
class ShiftAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    """The hotel's shifts by start time (hotel time); each ends when the next one starts."""

    list_display = ["name_en", "name_zh", "code", "starts_at", "is_active"]


@admin.register(ShiftSetting)
class ShiftSettingAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["acknowledge_within_minutes"]


@admin.register(Reminder)
class ReminderAdmin(
    ReadOnlyAdminMixin, SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin
):
    """The durable schedule, read-only: due, claimed and sent times show how late delivery was."""

    list_display = [
        "due_at",
        "kind",
        "subject",
        "complaint",
        "recipient",
        "status",
        "attempts",
        "claimed_at",
        "sent_at",
    ]
    list_filter = ["status", "kind"]
    list_select_related = ["complaint", "recipient", "property"]


@admin.register(GuestCheck)
class GuestCheckAdmin(
    ReadOnlyAdminMixin, SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin
):
    """The guests' links, read-only: when each was made, emailed and answered (never the link itself)."""

    list_display = ["created_at", "kind", "complaint", "sent_to", "sent_at", "used_at", "answer"]
    list_filter = ["kind", "answer"]
    list_select_related = ["complaint", "property"]
    exclude = ["nonce"]


from complaints import channel_admin  # noqa: E402, F401 (the channels' admin pages, ADR 0020)
