"""Room setup in Django's admin, limited to the current property for non-superusers."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from hotel_crm.admin_site import CheckedChoicesMixin
from hotel_crm.scoping import PropertyScopedAdminMixin
from rooms import services
from rooms.forms import RoomRangeForm
from rooms.models import Facility, FloorZone, Room, RoomType, ZonePrivilege

if TYPE_CHECKING:
    # For the type checker the mixin is the ModelAdmin it is mixed into (its super() calls go there).
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object


class SuperuserPropertyFilterMixin(_AdminBase):
    """Superusers see every property, so give them a property column and filter."""

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        return ["property", *columns] if request.user.is_superuser else columns

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        return ["property", *filters] if request.user.is_superuser else filters


@admin.register(Room)
class RoomAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "floor", "room_type", "status", "out_of_order_reason"]
    list_filter = ["floor", ("room_type", admin.RelatedOnlyFieldListFilter), "status"]
    search_fields = ["number"]
    ordering = ["property", "floor", "number"]
    readonly_fields = ["status_changed_at", "status_changed_by"]
    list_select_related = ["room_type", "property"]
    list_per_page = 100
    change_list_template = "admin/rooms/room/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        # Once a room exists its housekeeping status changes on the room board only, through
        # the service that checks the version, so an admin cannot overwrite a clerk's change.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["status", "out_of_order_reason"]
        return fields

    def get_urls(self):
        custom = [
            path(
                "add-range/",
                self.admin_site.admin_view(self.add_range_view),
                name="rooms_room_add_range",
            )
        ]
        return custom + super().get_urls()

    def add_range_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        prop = request.property
        if prop is None:
            raise PermissionDenied
        form = RoomRangeForm(request.POST or None, room_types=RoomType.objects.for_property(prop))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                created = services.rooms_create_range(
                    prop=prop,
                    room_type=data["room_type"],
                    rooms=services.RoomRange(
                        first=data["first_number"], last=data["last_number"], floor=data["floor"]
                    ),
                )
            except services.RoomError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("%(count)d rooms created: %(first)s–%(last)s.")
                    % {"count": len(created), "first": created[0].number, "last": created[-1].number},
                )
                return redirect(reverse("admin:rooms_room_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Add a range of rooms to %(property)s") % {"property": prop},
        }
        return TemplateResponse(request, "admin/rooms/room/add_range.html", context)


class ZonePrivilegeInline(admin.TabularInline):
    model = ZonePrivilege
    extra = 1


@admin.register(FloorZone)
class FloorZoneAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "first_floor", "last_floor", "is_executive"]
    inlines = [ZonePrivilegeInline]


@admin.register(RoomType)
class RoomTypeAdmin(
    CheckedChoicesMixin, SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin
):
    list_display = ["code", "name_en", "name_zh", "bed_configuration", "max_occupancy", "is_suite"]
    list_filter = ["bed_configuration", "is_suite"]
    filter_horizontal = ["facilities"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "facilities" and not request.user.is_superuser:
            kwargs["queryset"] = Facility.objects.for_property(getattr(request, "property", None))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Facility)
class FacilityAdmin(SuperuserPropertyFilterMixin, PropertyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh"]
    search_fields = ["name_en", "name_zh", "code"]
