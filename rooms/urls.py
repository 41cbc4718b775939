from django.urls import path

from rooms import views

app_name = "rooms"
urlpatterns = [
    path("", views.room_board, name="board"),
    path("<id:pk>/", views.room_detail, name="detail"),
    path("<id:pk>/status/", views.room_change_status, name="change_status"),
]
