"""The admin site: 403 (not a second login form) for signed-in staff without admin access."""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _


class HotelAdminSite(admin.AdminSite):
    site_header = _("hotel_crm administration")
    site_title = _("hotel_crm admin")
    index_title = _("Set up rooms and staff")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    @method_decorator(login_not_required)
    def login(self, request, extra_context=None):
        """Send visitors to the app's login page: one login, throttled and with the second factor."""
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login  # needs the app registry

            target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
            return redirect_to_login(target)
        return super().login(request, extra_context)


class HotelAdminConfig(AdminConfig):
    default_site = "hotel_crm.admin_site.HotelAdminSite"
