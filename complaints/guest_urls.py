"""The guest's own answer under /g/: public, short enough for a QR code (no namespace: guest_check)."""

from django.urls import path

from complaints import guest_views

urlpatterns = [
    path("thanks/", guest_views.guest_thanks, name="guest_thanks"),
    path("<str:token>/", guest_views.guest_check, name="guest_check"),
]
