from django.urls import path

from complaints.views import authority, case, case_list, intake, notifications, prevention, problems, review

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
    path("departments/actions/<int:pk>/<slug:move>/", prevention.action_move, name="action_move"),
    path("ledger/", authority.ledger, name="ledger"),
    path("problems/", problems.problem_list, name="problems"),
    path("problems/<int:pk>/", problems.problem_detail, name="problem"),
    path("problems/<int:pk>/<slug:step>/", problems.problem_act, name="problem_act"),
    path("panels/courtesy/", prevention.courtesy_column, name="courtesy_column"),
    path("compliments/", prevention.compliment_list, name="compliments"),
    path("compliments/new/", prevention.compliment_create, name="compliment_create"),
    path("notifications/bell/", prevention.bell, name="bell"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("dashboard/", review.review_dashboard, name="dashboard"),
    path("review/", review.review_queue, name="review"),
]
