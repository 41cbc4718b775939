from django.urls import path

from guests import views

app_name = "guests"
urlpatterns = [
    path("", views.in_house, name="in_house"),
    path("search/", views.guest_search, name="search"),
    path("new/", views.guest_create, name="create"),
    path("<id:pk>/", views.guest_detail, name="detail"),
    path("<id:pk>/edit/", views.guest_edit, name="edit"),
    path("<id:pk>/export.json", views.guest_export, name="export"),
    path("<id:pk>/erase/", views.guest_erase, name="erase"),
    path("<id:pk>/merge/", views.guest_merge, name="merge"),
    path("<id:pk>/stays/new/", views.stay_create, name="stay_create"),
    path("stays/<id:pk>/check-in/", views.stay_check_in, name="check_in"),
    path("stays/<id:pk>/check-out/", views.stay_check_out, name="check_out"),
    path("stays/<id:pk>/cancel/", views.stay_cancel, name="cancel"),
    path("panels/room/<id:room_pk>/", views.room_occupant_panel, name="room_occupant"),
]
