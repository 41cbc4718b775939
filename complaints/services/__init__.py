"""Every write to a complaint case. Status changes only here, checked against workflow.TRANSITIONS.

One module per part of the cycle; the building blocks they share (lock, check, move, event) are in
complaints.case_primitives. Other apps and the API call these as `complaints.services.X`.
"""

from complaints.case_primitives import FUTURE_SKEW, ComplaintError, StaleComplaint
from complaints.services.case_changes import (
    EDITABLE_DETAILS,
    complaint_add_note,
    complaint_assign,
    complaint_record_delight,
    complaint_reopen,
    complaint_review,
    complaint_update_details,
    complaint_withdraw,
)
from complaints.services.compliments import compliment_record
from complaints.services.department_work import action_move
from complaints.services.follow_up import (
    action_add,
    action_complete,
    complaint_request_verification,
    complaint_verify,
)
from complaints.services.intake import (
    ComplaintInput,
    complaint_confirm_restatement,
    complaint_log,
    courtesy_check_log,
)
from complaints.services.notifications import notifications_mark_read, notify
from complaints.services.problems import (
    ProblemError,
    StaleProblem,
    decision_makers,
    problem_close,
    problem_complete_action,
    problem_plan_action,
    problem_record_root_cause,
    problem_request_decision,
    problem_set_owner,
    problems_detect,
)
from complaints.services.resolution import (
    approval_decide,
    complaint_apologise,
    offer_answer,
    offer_make,
)
from complaints.services.shift import (
    ShiftError,
    arrival_checked_in_notify,
    duty_log_write,
    handover_acknowledge,
    handover_create,
)

__all__ = [
    "EDITABLE_DETAILS",
    "FUTURE_SKEW",
    "ComplaintError",
    "ComplaintInput",
    "ProblemError",
    "ShiftError",
    "StaleComplaint",
    "StaleProblem",
    "action_add",
    "action_complete",
    "action_move",
    "approval_decide",
    "arrival_checked_in_notify",
    "complaint_add_note",
    "complaint_apologise",
    "complaint_assign",
    "complaint_confirm_restatement",
    "complaint_log",
    "complaint_record_delight",
    "complaint_reopen",
    "complaint_request_verification",
    "complaint_review",
    "complaint_update_details",
    "complaint_verify",
    "complaint_withdraw",
    "compliment_record",
    "courtesy_check_log",
    "decision_makers",
    "duty_log_write",
    "handover_acknowledge",
    "handover_create",
    "notifications_mark_read",
    "notify",
    "offer_answer",
    "offer_make",
    "problem_close",
    "problem_complete_action",
    "problem_plan_action",
    "problem_record_root_cause",
    "problem_request_decision",
    "problem_set_owner",
    "problems_detect",
]
