from django.urls import path

from complaints.views import authority, case, case_list, intake, notifications, review, shift

app_name = "complaints"
urlpatterns = [
    path("", case_list.complaint_list, name="list"),
    path("mine/", case_list.complaint_list, {"mine": True}, name="mine"),
    path("new/", intake.complaint_create, name="create"),
    path("<int:pk>/", case.complaint_detail, name="detail"),
    path("<int:pk>/<slug:action>/", case.complaint_act, name="act"),
    path("panels/guest/<int:guest_pk>/", case.guest_cases_panel, name="guest_cases"),
    path("courtesy/<int:stay_pk>/", intake.courtesy_check, name="courtesy"),
    path("approvals/", authority.approvals, name="approvals"),
    path("approvals/<int:pk>/decide/", authority.approval_decide, name="approval_decide"),
    path("departments/", authority.department_queues, name="departments"),
    path("departments/<int:pk>/", authority.department_queue, name="department_queue"),
    path("ledger/", authority.ledger, name="ledger"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("dashboard/", review.review_dashboard, name="dashboard"),
    path("review/", review.review_queue, name="review"),
    path("shift/", shift.my_shift, name="my_shift"),
    path("shift/log/", shift.duty_log, name="duty_log"),
    path("shift/handover/", shift.handover_create, name="handover_create"),
    path("shift/handovers/<int:pk>/", shift.handover_detail, name="handover"),
    path("shift/handovers/<int:pk>/acknowledge/", shift.handover_acknowledge, name="handover_acknowledge"),
    path("shift/briefing/", shift.morning_briefing, name="briefing"),
    path("panels/arrivals-briefing/", shift.arrivals_briefing_panel, name="arrivals_briefing"),
]
