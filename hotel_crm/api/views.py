"""What every app's API views share: the base view, the error responses of the schema, the JSON 404."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.views import APIView

from hotel_crm.api.serializers import ErrorSerializer
from hotel_crm.models import Property

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_("Send the same key again to get the first response back instead of a second effect."),
)


def error_responses(*codes: int) -> dict:
    """The schema's error answers for these status codes (every one is an ErrorSerializer body)."""
    return dict.fromkeys(codes, ErrorSerializer)


def api_endpoint(view_class, **initkwargs):
    """The view for a URLconf, exempt from LoginRequiredMiddleware: the API answers 401/403 itself."""
    return login_not_required(view_class.as_view(**initkwargs))


class ApiView(APIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Once the caller may write, read the body first: a body too large, too deep or carrying NUL
        # is refused the same way on every write endpoint, before any lookup (CheckedJSONParser).
        if request.method in ("POST", "PUT", "PATCH"):
            request.data  # noqa: B018 -- parsing is the point

    def hotel(self) -> Property:
        """The property the request works in (set by CurrentPropertyMiddleware or the API token)."""
        prop: Property | None = getattr(self.request._request, "property", None)
        assert prop is not None, "ScopePermission refuses a request without a property before any handler"
        return prop


def not_found(request, rest: str = ""):
    return JsonResponse({"detail": _("No such API address."), "code": "not_found"}, status=404)
