from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from complaints import guest_views
from hotel_crm import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("property/switch/", views.switch_property, name="switch_property"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("rooms/", include("rooms.urls")),
    path("guests/", include("guests.urls")),
    path("complaints/", include("complaints.urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
    # The guest's own answer: public, short enough for a QR code.
    path("g/thanks/", guest_views.guest_thanks, name="guest_thanks"),
    path("g/<str:token>/", guest_views.guest_check, name="guest_check"),
]
