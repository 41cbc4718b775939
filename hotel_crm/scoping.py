"""The one place where rows are limited to a property.

Every model that belongs to a property uses PropertyScopedQuerySet as its
manager, and every selector starts from `.for_property(prop)`; views never
filter by property themselves.
"""

from typing import TYPE_CHECKING, Any, cast

from django.db import models

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    from hotel_crm.models import Property

    # For the type checker the mixin is the ModelAdmin it is mixed into (its super() calls go there).
    _AdminBase = ModelAdmin[Any]
else:
    _AdminBase = object


class PropertyScopedQuerySet[M: models.Model](models.QuerySet[M]):
    def for_property(self, prop: "Property | None") -> "PropertyScopedQuerySet[M]":
        if prop is None:
            return self.none()
        return self.filter(property=prop)


class PropertyScopedAdminMixin(_AdminBase):
    """Limit an admin page to the current property for anyone but a superuser."""

    def get_queryset(self, request):
        queryset = cast(PropertyScopedQuerySet[Any], super().get_queryset(request))
        if request.user.is_superuser:
            return queryset
        return queryset.for_property(getattr(request, "property", None))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from hotel_crm.models import Property

        if not request.user.is_superuser:
            current = getattr(request, "property", None)
            if db_field.related_model is Property:
                # No current property: pk=None matches no row, so there is nothing to choose.
                kwargs["queryset"] = Property.objects.filter(pk=getattr(current, "pk", None))  # type: ignore[misc]
                kwargs["initial"] = current
            elif hasattr(db_field.related_model.objects, "for_property"):
                kwargs["queryset"] = db_field.related_model.objects.for_property(current)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
