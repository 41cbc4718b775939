"""What a caller may do: a token needs the scope; everyone needs the role permission at the property."""

from django.utils.translation import gettext as _
from rest_framework import permissions

from api.models import ApiToken

SAFE = permissions.SAFE_METHODS


class ScopePermission(permissions.BasePermission):
    """Views declare `scopes = {"GET": ("guests:read", "guests.view_guest"), "POST": (...)}`.

    A token must hold the scope; the acting account (the token's, or the signed-in staff member)
    must hold the Django permission in the current property, exactly as in the UI.
    """

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        rule = getattr(view, "scopes", {}).get(request.method)
        if request.method in ("HEAD", "OPTIONS"):
            rule = getattr(view, "scopes", {}).get("GET")
        if rule is None:
            return True  # the view answers 405 itself
        scope, perm = rule
        if isinstance(request.auth, ApiToken) and not request.auth.has_scope(scope):
            self.message = _("This token lacks the scope “%(scope)s”.") % {"scope": scope}
            return False
        if getattr(request._request, "property", None) is None:
            self.message = _("You do not work at any hotel yet.")
            return False
        if perm and not request.user.has_perm(perm):
            self.message = _("Your role at this hotel does not allow this.")
            return False
        return True
