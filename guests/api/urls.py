"""Guests and stays under /api/v1/, included by hotel_crm.api.urls inside its `api` namespace."""

from django.urls import path

from guests.api import views
from hotel_crm.api.views import api_endpoint

urlpatterns = [
    path("guests/", api_endpoint(views.GuestList), name="guests"),
    path("guests/search/", api_endpoint(views.GuestSearch), name="guest_search"),
    path("guests/<id:pk>/", api_endpoint(views.GuestDetail), name="guest"),
    path("stays/", api_endpoint(views.StayList), name="stays"),
    path("stays/<str:confirmation_number>/", api_endpoint(views.StayDetail), name="stay"),
]
