"""Who is calling: an integration's token (Authorization: Bearer …) or a signed-in staff member."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from hotel_crm.api import services
from hotel_crm.api.models import ApiToken
from hotel_crm.models import StaffMembership


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer hcrm_…`. The request then works in the token's property as its account."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        token = (
            ApiToken.objects.select_related("property", "user")
            .filter(key_hash=services.token_hash(header[1]))
            .first()
        )
        if token is None or token.revoked_at is not None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API token."))
        if not token.property.is_active:
            raise exceptions.AuthenticationFailed(_("The token's hotel is no longer active."))
        user = token.user
        # What CurrentPropertyMiddleware does for a browser session (it ran before the token was read).
        # Per-request attributes that PropertyRoleBackend reads; the User model does not declare them.
        user.active_role_ids = tuple(  # type: ignore[attr-defined]
            StaffMembership.objects.filter(user=user, property=token.property).values_list(
                "role_id", flat=True
            )
        )
        user.active_property_id = token.property.pk  # type: ignore[attr-defined]
        request._request.property = token.property
        timezone.activate(token.property.tzinfo)
        services.api_token_touch(token=token)
        return user, token

    def authenticate_header(self, request):
        return self.keyword


class PropertySessionAuthentication(authentication.SessionAuthentication):
    """The browser session (with CSRF on writes); the property is the one the staff member works in."""


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token created in the admin site."}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = PropertySessionAuthentication
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
