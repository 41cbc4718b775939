from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from hotel_crm import login_throttle
from hotel_crm.admin_site import CheckedChoicesMixin
from hotel_crm.audit import audit_record
from hotel_crm.models import AuditEvent, LoginLock, Property, StaffMembership, StaffProfile, TOTPDevice
from hotel_crm.scoping import PropertyScopedAdminMixin


@admin.register(Property)
class PropertyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "time_zone", "currency", "is_active"]
    list_filter = ["is_active", "time_zone"]
    search_fields = ["code", "name_en", "name_zh"]


class StaffMembershipInline(CheckedChoicesMixin, admin.TabularInline):
    model = StaffMembership
    fk_name = "user"
    extra = 1
    autocomplete_fields = ["property"]
    verbose_name = _("role at a property")
    verbose_name_plural = _("roles at properties")


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    fk_name = "user"
    can_delete = False
    fields = ["group_role", "language"]


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(CheckedChoicesMixin, GroupAdmin):  # type: ignore[misc]  # the mixin is untyped
    """Django's group admin (roles are groups), with ids checked before they reach the database."""


@admin.register(User)
class StaffAdmin(CheckedChoicesMixin, UserAdmin):
    """Staff accounts. Roles are given per property below, not through Django's global groups."""

    inlines = [StaffProfileInline, StaffMembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (
            _("Access"),
            {
                "fields": ["is_active", "is_staff", "is_superuser"],
                "description": _(
                    "“Staff status” opens this admin site; what the person may do here and in the app "
                    "comes from their role at each property."
                ),
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "memberships__property", "memberships__role"]


@admin.register(AuditEvent)
class AuditEventAdmin(PropertyScopedAdminMixin, admin.ModelAdmin):
    """The audit trail, read-only for everyone: nobody may add, change or delete a record."""

    list_display = ["at", "action", "actor_label", "target_label", "property", "ip"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter), "at", "property"]
    date_hierarchy = "at"
    search_fields = ["actor_label", "target_label", "target_id", "ip"]
    list_select_related = ["property"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """Authenticators: a superuser may remove a lost one, so its owner enrols again at next login."""

    list_display = ["user", "confirmed_at", "failure_count", "locked_at"]
    search_fields = ["user__username"]
    fields = ["user", "confirmed_at", "failure_count", "last_failure_at", "locked_at"]
    readonly_fields = ["user", "confirmed_at", "failure_count", "last_failure_at", "locked_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    """Login locks in force; a superuser may lift one (deleting it) for a person they have vouched for."""

    list_display = ["scope", "username", "ip", "created", "until"]
    list_filter = ["scope"]
    search_fields = ["username", "ip"]
    readonly_fields = ["scope", "username", "ip", "created", "until"]

    def get_queryset(self, request):
        from django.utils import timezone

        return super().get_queryset(request).filter(until__gt=timezone.now())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def delete_model(self, request, obj):
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        locks = list(queryset)
        login_throttle.login_locks_lift(locks=locks)
        for lock in locks:
            audit_record(
                AuditEvent.Action.PERMISSION_CHANGED,
                target_type="hotel_crm.loginlock",
                target_label=f"{lock.username}@{lock.ip or '*'}",
                details={"login_lock": "lifted", "scope": lock.scope},
            )
