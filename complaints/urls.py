from django.urls import path

from complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("mine/", views.complaint_list, {"mine": True}, name="mine"),
    path("new/", views.complaint_create, name="create"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.complaint_act, name="act"),
    path("panels/guest/<int:guest_pk>/", views.guest_cases_panel, name="guest_cases"),
    path("courtesy/<int:stay_pk>/", views.courtesy_check, name="courtesy"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/decide/", views.approval_decide, name="approval_decide"),
    path("departments/", views.department_queues, name="departments"),
    path("departments/<int:pk>/", views.department_queue, name="department_queue"),
    path("ledger/", views.ledger, name="ledger"),
    path("notifications/", views.notification_list, name="notifications"),
    path("dashboard/", views.review_dashboard, name="dashboard"),
    path("review/", views.review_queue, name="review"),
]
