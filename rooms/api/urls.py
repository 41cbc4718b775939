"""Rooms under /api/v1/, included by hotel_crm.api.urls inside its `api` namespace."""

from django.urls import path

from hotel_crm.api.views import api_endpoint
from rooms.api import views

urlpatterns = [
    path("rooms/", api_endpoint(views.RoomList), name="rooms"),
    path("rooms/<str:number>/", api_endpoint(views.RoomDetail), name="room"),
    path("rooms/<str:number>/status/", api_endpoint(views.RoomStatusView), name="room_status"),
]
