"""Set-up of departments, categories and the repeat rule. Cases themselves are worked in the app:
their lifecycle fields are read-only here (status changes only through the services)."""

from django.contrib import admin

from complaints.models import Category, Complaint, ComplaintEvent, Department, PreventionRule
from hotel_crm.scoping import PropertyScopedAdminMixin
from rooms.admin import SuperuserPropertyFilterMixin


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 1


@admin.register(Department)
class DepartmentAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "is_active"]
    list_filter = ["is_active"]
    inlines = [CategoryInline]


@admin.register(PreventionRule)
class PreventionRuleAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["property", "threshold", "window_days"]


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "kind", "actor", "from_status", "to_status", "note"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    """Read-only: the audit view for administrators."""

    list_display = ["reference", "status", "severity", "department", "reported_at", "is_repeat"]
    list_filter = ["status", "severity", "is_repeat"]
    search_fields = ["reference"]
    list_select_related = ["department", "property"]
    inlines = [ComplaintEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
