"""Reads of complaint cases, always scoped to one property, with fixed query counts.

One module per screen or rule; other apps and the API call these as `complaints.selectors.X`.
"""

from complaints.selectors.access import (
    SENSITIVE_PERMISSION,
    VIEW_PERMISSION,
    complaint_visible,
    complaints_visible_to,
    has_perm_at,
    sensitive_rule,
    staff_of_property,
    staff_who_may_see,
)
from complaints.selectors.approvals import (
    approvers_for,
    pending_approval_count,
    pending_approvals,
    spend_ledger,
)
from complaints.selectors.case_page import (
    CasePage,
    case_facts,
    case_page,
    complaint_for_user,
    granted_on_case,
    granted_to_guest,
    guest_case_counts_elsewhere,
    guest_cases,
    similar_cases,
)
from complaints.selectors.lists import SORTS, ComplaintFilters, complaint_list, latest_guest_answer
from complaints.selectors.notifications import notifications, unread_notifications
from complaints.selectors.queues import department_open_counts, department_queue, review_queue
from complaints.selectors.repeats import DEFAULT_RULE, prevention_rule, repeat_notice

__all__ = [
    "DEFAULT_RULE",
    "SENSITIVE_PERMISSION",
    "SORTS",
    "VIEW_PERMISSION",
    "CasePage",
    "ComplaintFilters",
    "approvers_for",
    "case_facts",
    "case_page",
    "complaint_for_user",
    "complaint_list",
    "complaint_visible",
    "complaints_visible_to",
    "department_open_counts",
    "department_queue",
    "granted_on_case",
    "granted_to_guest",
    "guest_case_counts_elsewhere",
    "guest_cases",
    "has_perm_at",
    "latest_guest_answer",
    "notifications",
    "pending_approval_count",
    "pending_approvals",
    "prevention_rule",
    "repeat_notice",
    "review_queue",
    "sensitive_rule",
    "similar_cases",
    "spend_ledger",
    "staff_of_property",
    "staff_who_may_see",
    "unread_notifications",
]
