"""View guards: a current property is needed, and the role there must allow the page."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import render


def property_permission_required(perm: str):
    """Require a current property and `perm` in the user's role there; else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.property is None:
                return render(request, "hotel_crm/no_property.html", status=403)
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
