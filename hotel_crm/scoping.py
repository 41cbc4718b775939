"""The one place where rows are limited to a property.

Every model that belongs to a property uses PropertyScopedQuerySet as its
manager, and every selector starts from `.for_property(prop)`; views never
filter by property themselves.
"""

from django.db import models


class PropertyScopedQuerySet(models.QuerySet):
    def for_property(self, prop) -> "PropertyScopedQuerySet":
        if prop is None:
            return self.none()
        return self.filter(property=prop)


class PropertyScopedAdminMixin:
    """Limit an admin page to the current property for anyone but a superuser."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.for_property(getattr(request, "property", None))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from hotel_crm.models import Property

        if not request.user.is_superuser:
            current = getattr(request, "property", None)
            if db_field.related_model is Property:
                kwargs["queryset"] = Property.objects.filter(pk=getattr(current, "pk", None))
                kwargs["initial"] = current
            elif hasattr(db_field.related_model.objects, "for_property"):
                kwargs["queryset"] = db_field.related_model.objects.for_property(current)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
