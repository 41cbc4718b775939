"""Complaint cases and everything recorded along the cycle, one module per concern.

Every model and choices class is re-exported here: `from complaints.models import X` is the way in.
"""

from complaints.models.case import (
    OPEN_CONDITION,
    SEVERITY_RANK,
    ApologyMethod,
    Area,
    Channel,
    Complaint,
    ComplaintKind,
    GuestType,
    Mood,
    Severity,
    VerdictSource,
)
from complaints.models.dashboard import DashboardSnapshot, FiguresDecoder, FiguresEncoder
from complaints.models.guest_checks import GuestCheck, GuestCheckKind
from complaints.models.notifications import Notification
from complaints.models.problem import (
    OPEN_PROBLEM_STATES,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemGrouping,
    ProblemScope,
    ProblemState,
    ProblemTrigger,
)
from complaints.models.rate_limit import RateLimitBucket
from complaints.models.reminders import (
    DigestSetting,
    Reminder,
    ReminderKind,
    ReminderStatus,
    ServiceLevelRule,
)
from complaints.models.resolution import (
    COMMITTED_OFFER_STATUSES,
    ApprovalRequest,
    AuthorityLimit,
    FollowUpAction,
    Offer,
    OfferStatus,
    Remedy,
    RemedyType,
)
from complaints.models.setup import Category, Department, PreventionRule
from complaints.models.shift import (
    AppendOnly,
    DutyLogEntry,
    Handover,
    LogCategory,
    Shift,
    ShiftSetting,
)
from complaints.models.timeline import (
    ComplaintEvent,
    Compliment,
    CourtesyCheck,
    CourtesyOutcome,
    EventKind,
    Review,
)

__all__ = [
    "COMMITTED_OFFER_STATUSES",
    "OPEN_CONDITION",
    "OPEN_PROBLEM_STATES",
    "SEVERITY_RANK",
    "ApologyMethod",
    "AppendOnly",
    "ApprovalRequest",
    "Area",
    "AuthorityLimit",
    "Category",
    "Channel",
    "Complaint",
    "ComplaintEvent",
    "ComplaintKind",
    "Compliment",
    "CourtesyCheck",
    "CourtesyOutcome",
    "DashboardSnapshot",
    "Department",
    "DigestSetting",
    "DutyLogEntry",
    "EventKind",
    "FiguresDecoder",
    "FiguresEncoder",
    "FollowUpAction",
    "GuestCheck",
    "GuestCheckKind",
    "GuestType",
    "Handover",
    "LogCategory",
    "Mood",
    "Notification",
    "Offer",
    "OfferStatus",
    "PreventionRule",
    "Problem",
    "ProblemEvent",
    "ProblemEventKind",
    "ProblemGrouping",
    "ProblemScope",
    "ProblemState",
    "ProblemTrigger",
    "RateLimitBucket",
    "Remedy",
    "RemedyType",
    "Reminder",
    "ReminderKind",
    "ReminderStatus",
    "Review",
    "ServiceLevelRule",
    "Severity",
    "Shift",
    "ShiftSetting",
    "VerdictSource",
]
