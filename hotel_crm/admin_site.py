"""The admin site: 403 (not a second login form) for signed-in staff without admin access."""

from functools import update_wrapper

from django import forms
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
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


def key_accepts(key, value) -> bool:
    """Whether `value` is a valid value of the key field `key`, within its database column's range."""
    try:
        converted = key.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return False
    internal = key.get_internal_type()
    if converted is not None and ("Integer" in internal or "AutoField" in internal):
        low, high = connection.ops.integer_field_range(internal)
        return (low is None or low <= converted) and (high is None or converted <= high)
    return True


class CheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, minus its crash on a posted id of the wrong type or size.

    Re-rendering a refused form looks the posted ids up in the database; a value such as "abc" for an
    integer key raised ValueError there (a 500) instead of the form's own "Select a valid choice".
    """

    def optgroups(self, name, value, attrs=None):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(remote.field_name)
        return super().optgroups(name, [v for v in value if key_accepts(key, v)], attrs)


class CheckedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A many-to-many choice that refuses ids its key cannot hold before asking the database.

    Django's own field sends every posted id to an `IN (...)` query, where an id beyond the integer
    range raised OverflowError (SQLite) or DataError (PostgreSQL): a 500 instead of a form error.
    """

    def _check_values(self, value):
        assert self.queryset is not None  # a model choice field always has one
        meta = self.queryset.model._meta
        key = meta.pk if not self.to_field_name else meta.get_field(self.to_field_name)
        for candidate in value:
            if not key_accepts(key, candidate):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": candidate}
                )
        return super()._check_values(value)  # type: ignore[misc]  # Django's, untyped in the stubs


class CheckedChoicesMixin:
    """Admin input that cannot crash on a posted id: autocomplete and many-to-many fields check it first."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):  # type: ignore[attr-defined]
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field,
                self.admin_site,  # type: ignore[attr-defined]
                using=kwargs.get("using"),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", CheckedModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
