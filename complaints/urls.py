from django.urls import path

from complaints.views import authority, case, case_list, channels, intake, notifications, review, shift

app_name = "complaints"
urlpatterns = [
    path("", case_list.complaint_list, name="list"),
    path("mine/", case_list.complaint_list, {"mine": True}, name="mine"),
    path("new/", intake.complaint_create, name="create"),
    # Guests' own channels (ADR 0020): the intake queue, replies, the review import.
    path("intake/", channels.intake_queue, name="intake"),
    path("intake/<int:pk>/", channels.intake_detail, name="intake_detail"),
    path("intake/<int:pk>/case/", channels.intake_to_case, name="intake_to_case"),
    path("intake/<int:pk>/attach/", channels.intake_attach, name="intake_attach"),
    path("intake/<int:pk>/dismiss/", channels.intake_dismiss, name="intake_dismiss"),
    path("intake/attachments/<int:pk>/", channels.intake_attachment, name="intake_attachment"),
    path("intake/cases/<int:pk>/messages/", channels.case_messages_panel, name="case_messages"),
    path("intake/cases/<int:pk>/reply/", channels.case_reply, name="case_reply"),
    path("intake/reviews/", channels.review_import, name="reviews"),
    path("intake/reviews/<int:pk>/reply/", channels.review_reply, name="review_reply"),
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
