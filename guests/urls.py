from django.urls import path

from guests import views

app_name = "guests"
urlpatterns = [
    path("", views.in_house, name="in_house"),
    path("search/", views.guest_search, name="search"),
    path("new/", views.guest_create, name="create"),
    path("<int:pk>/", views.guest_detail, name="detail"),
    path("<int:pk>/edit/", views.guest_edit, name="edit"),
    path("<int:pk>/export.json", views.guest_export, name="export"),
    path("<int:pk>/erase/", views.guest_erase, name="erase"),
    path("<int:pk>/merge/", views.guest_merge, name="merge"),
    path("<int:pk>/stays/new/", views.stay_create, name="stay_create"),
    path("stays/<int:pk>/check-in/", views.stay_check_in, name="check_in"),
    path("stays/<int:pk>/check-out/", views.stay_check_out, name="check_out"),
    path("stays/<int:pk>/cancel/", views.stay_cancel, name="cancel"),
    path("panels/room/<int:room_pk>/", views.room_occupant_panel, name="room_occupant"),
]
