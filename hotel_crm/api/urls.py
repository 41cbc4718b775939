"""/api/v1/: the schema, its browsable docs, and the resources.

Every view is exempt from LoginRequiredMiddleware: the API answers 401/403 in JSON itself
(token or session), and the schema and docs are public like any API reference.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from hotel_crm.api import views

app_name = "api"


def _open(view_class, **initkwargs):
    return login_not_required(view_class.as_view(**initkwargs))


urlpatterns = [
    path(
        "schema/",
        _open(SpectacularAPIView, permission_classes=[AllowAny], authentication_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        _open(SpectacularSwaggerView, url_name="api:schema", permission_classes=[AllowAny]),
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
        )(_open(SpectacularRedocView, url_name="api:schema", permission_classes=[AllowAny])),
        name="redoc",
    ),
    path("guests/", _open(views.GuestList), name="guests"),
    path("guests/search/", _open(views.GuestSearch), name="guest_search"),
    path("guests/<int:pk>/", _open(views.GuestDetail), name="guest"),
    path("stays/", _open(views.StayList), name="stays"),
    path("stays/<str:confirmation_number>/", _open(views.StayDetail), name="stay"),
    path("rooms/", _open(views.RoomList), name="rooms"),
    path("rooms/<str:number>/", _open(views.RoomDetail), name="room"),
    path("rooms/<str:number>/status/", _open(views.RoomStatusView), name="room_status"),
    path("complaints/", _open(views.ComplaintList), name="complaints"),
    path("complaints/<int:pk>/", _open(views.ComplaintDetail), name="complaint"),
    path("complaints/<int:pk>/restate/", _open(views.RestateView), name="restate"),
    path("complaints/<int:pk>/apologise/", _open(views.ApologiseView), name="apologise"),
    path("complaints/<int:pk>/offers/", _open(views.OfferView), name="offer"),
    path(
        "complaints/<int:pk>/offers/<int:offer_id>/accept/", _open(views.AcceptOfferView), name="offer_accept"
    ),
    path(
        "complaints/<int:pk>/offers/<int:offer_id>/decline/",
        _open(views.DeclineOfferView),
        name="offer_decline",
    ),
    path("complaints/<int:pk>/actions/", _open(views.AddActionView), name="action_add"),
    path(
        "complaints/<int:pk>/actions/<int:action_id>/complete/",
        _open(views.CompleteActionView),
        name="action_complete",
    ),
    path(
        "complaints/<int:pk>/request-verification/",
        _open(views.RequestVerificationView),
        name="request_verification",
    ),
    path("complaints/<int:pk>/verify/", _open(views.VerifyView), name="verify"),
    path("complaints/<int:pk>/withdraw/", _open(views.WithdrawView), name="withdraw"),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^(?P<rest>.*)$", csrf_exempt(login_not_required(views.not_found)), name="not_found"),
]
