"""Cases and their steps under /api/v1/, included by hotel_crm.api.urls inside its `api` namespace."""

from django.urls import path

from complaints.api import shift, views
from hotel_crm.api.views import api_endpoint

urlpatterns = [
    path("complaints/", api_endpoint(views.ComplaintList), name="complaints"),
    path("complaints/<id:pk>/", api_endpoint(views.ComplaintDetail), name="complaint"),
    path("complaints/<id:pk>/restate/", api_endpoint(views.RestateView), name="restate"),
    path("complaints/<id:pk>/apologise/", api_endpoint(views.ApologiseView), name="apologise"),
    path("complaints/<id:pk>/offers/", api_endpoint(views.OfferView), name="offer"),
    path(
        "complaints/<id:pk>/offers/<id:offer_id>/accept/",
        api_endpoint(views.AcceptOfferView),
        name="offer_accept",
    ),
    path(
        "complaints/<id:pk>/offers/<id:offer_id>/decline/",
        api_endpoint(views.DeclineOfferView),
        name="offer_decline",
    ),
    path("complaints/<id:pk>/actions/", api_endpoint(views.AddActionView), name="action_add"),
    path(
        "complaints/<id:pk>/actions/<id:action_id>/complete/",
        api_endpoint(views.CompleteActionView),
        name="action_complete",
    ),
    path(
        "complaints/<id:pk>/request-verification/",
        api_endpoint(views.RequestVerificationView),
        name="request_verification",
    ),
    path("complaints/<id:pk>/verify/", api_endpoint(views.VerifyView), name="verify"),
    path("complaints/<id:pk>/withdraw/", api_endpoint(views.WithdrawView), name="withdraw"),
    path("shift/log/", api_endpoint(shift.DutyLogList), name="duty_log"),
    path("shift/handovers/", api_endpoint(shift.HandoverList), name="handovers"),
    path("shift/handovers/<id:pk>/", api_endpoint(shift.HandoverDetail), name="handover"),
    path(
        "shift/handovers/<id:pk>/acknowledge/",
        api_endpoint(shift.HandoverAcknowledge),
        name="handover_acknowledge",
    ),
]
