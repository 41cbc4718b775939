"""/api/v1/: the schema, its browsable docs, and each app's resources (all named api:<name>).

Every view is exempt from LoginRequiredMiddleware: the API answers 401/403 in JSON itself
(token or session), and the schema and docs are public like any API reference.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from hotel_crm.api import views
from hotel_crm.api.views import api_endpoint

app_name = "api"


urlpatterns = [
    path(
        "schema/",
        api_endpoint(SpectacularAPIView, permission_classes=[AllowAny], authentication_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        api_endpoint(SpectacularSwaggerView, url_name="api:schema", permission_classes=[AllowAny]),
        name="docs",
    ),
    path(
        "redoc/",
        # Redoc sets style="" attributes throughout and runs a blob: worker: this page alone (the API
        # reference, no guest data) allows both; scripts still need the nonce (ADR 0009).
        csp_override(
            {
                **settings.SECURE_CSP,
                "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
                "worker-src": [CSP.SELF, "blob:"],
            }
        )(api_endpoint(SpectacularRedocView, url_name="api:schema", permission_classes=[AllowAny])),
        name="redoc",
    ),
    # Each app's resources, by string: this URLconf imports no app.
    path("", include("guests.api.urls")),
    path("", include("rooms.api.urls")),
    path("", include("complaints.api.urls")),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^(?P<rest>[\s\S]*)$", csrf_exempt(login_not_required(views.not_found)), name="not_found"),
]
