"""The staff screens of complaints, one module per screen; complaints/urls.py routes to them."""

from complaints.views.authority import (
    approval_decide,
    approvals,
    department_queue,
    department_queues,
    ledger,
)
from complaints.views.case import FORMS, complaint_act, complaint_detail, guest_cases_panel
from complaints.views.case_list import PAGE_SIZE, complaint_list
from complaints.views.intake import complaint_create, courtesy_check
from complaints.views.notifications import notification_list
from complaints.views.review import review_dashboard, review_queue
from complaints.views.shift import (
    arrivals_briefing_panel,
    duty_log,
    handover_acknowledge,
    handover_create,
    handover_detail,
    morning_briefing,
    my_shift,
)

__all__ = [
    "FORMS",
    "PAGE_SIZE",
    "approval_decide",
    "approvals",
    "arrivals_briefing_panel",
    "complaint_act",
    "complaint_create",
    "complaint_detail",
    "complaint_list",
    "courtesy_check",
    "department_queue",
    "department_queues",
    "duty_log",
    "guest_cases_panel",
    "handover_acknowledge",
    "handover_create",
    "handover_detail",
    "ledger",
    "morning_briefing",
    "my_shift",
    "notification_list",
    "review_dashboard",
    "review_queue",
]
