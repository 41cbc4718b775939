from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hotel_crm import bench_floor, security_views, views

handler500 = "hotel_crm.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", security_views.StaffLoginView.as_view(), name="login"),
    path("ping/", views.ping, name="ping"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/security/", security_views.account_security, name="account_security"),
    path(
        "account/security/end-other-sessions/",
        security_views.account_sessions_end_others,
        name="account_sessions_end_others",
    ),
    path(
        "account/security/recovery-codes/",
        security_views.account_recovery_codes_renew,
        name="account_recovery_codes_renew",
    ),
    path("account/mfa/enrol/", security_views.mfa_enrol, name="mfa_enrol"),
    path("account/mfa/verify/", security_views.mfa_verify, name="mfa_verify"),
    path("account/mfa/locks/", security_views.mfa_locks, name="mfa_locks"),
    path("account/mfa/locks/<id:user_id>/unlock/", security_views.mfa_unlock, name="mfa_unlock"),
    path("property/switch/", views.switch_property, name="switch_property"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("account/page-size/", views.set_page_size, name="set_page_size"),
    path("rooms/", include("rooms.urls")),
    path("guests/", include("guests.urls")),
    path("complaints/", include("complaints.urls")),
    path("api/v1/", include("hotel_crm.api.urls")),
    path("admin/", admin.site.urls),
    # The guest's own answer: public, short enough for a QR code.
    path("g/", include("complaints.guest_urls")),
    # Guests' own channels calling in: WeChat's callback, the mail services' inbound webhooks (ADR 0020).
    path("channels/", include("complaints.channel_urls")),
]
if settings.BENCH_FLOOR:
    # Benchmark only: H0, reached through hotel_crm.bench_floor's handler with no middleware.
    urlpatterns.append(path(bench_floor.PATH.strip("/") + "/", bench_floor.h0, name="bench_h0"))
