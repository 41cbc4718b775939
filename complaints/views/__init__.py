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

__all__ = [
    "FORMS",
    "PAGE_SIZE",
    "approval_decide",
    "approvals",
    "complaint_act",
    "complaint_create",
    "complaint_detail",
    "complaint_list",
    "courtesy_check",
    "department_queue",
    "department_queues",
    "guest_cases_panel",
    "ledger",
    "notification_list",
    "review_dashboard",
    "review_queue",
]
