"""Work queues: follow-up actions per department, and the manager's review queue."""

import datetime as dt

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case, Count, Exists, IntegerField, Max, OuterRef, Prefetch, When
from django.utils import timezone

from complaints.action_workflow import IN_DEPARTMENT, ActionState
from complaints.models import (
    ApprovalRequest,
    Complaint,
    FollowUpAction,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Review,
)
from complaints.selectors.access import complaints_visible_to
from hotel_crm.models import Property


def department_queue(
    *, user: User | AnonymousUser, prop: Property, department_id: int
) -> tuple[list[FollowUpAction], list[FollowUpAction]]:
    """Follow-up actions handed to a department: open ones first (oldest due first), then the last done.

    Only actions of cases `user` may see: the queue links to the case and names the guest.
    """
    base = FollowUpAction.objects.filter(
        complaint__in=complaints_visible_to(user=user, property=prop), department_id=department_id
    ).select_related("complaint__guest", "complaint__room", "created_by", "done_by")
    # Unacknowledged work first (it escalates), then by due time; handed-back work left the queue.
    open_actions: list[FollowUpAction] = list(
        base.filter(done_at__isnull=True, state__in=IN_DEPARTMENT)
        .select_related("acknowledged_by")
        .annotate(
            unacknowledged=Case(When(state=ActionState.SENT, then=0), default=1, output_field=IntegerField())
        )
        .order_by("unacknowledged", "due_at", "pk")[:200]
    )
    done = list(base.filter(done_at__isnull=False).order_by("-done_at")[:20])
    return open_actions, done


def department_open_counts(*, prop: Property) -> dict[int, int]:
    return dict(
        FollowUpAction.objects.filter(
            complaint__property=prop, done_at__isnull=True, department__isnull=False, state__in=IN_DEPARTMENT
        )
        .values_list("department")
        .annotate(n=Count("pk"))
        .order_by()
    )


def department_unacknowledged_counts(*, prop: Property) -> dict[int, int]:
    """Work sent to each department and not yet acknowledged."""
    return dict(
        FollowUpAction.objects.filter(
            complaint__property=prop, done_at__isnull=True, department__isnull=False, state=ActionState.SENT
        )
        .values_list("department")
        .annotate(n=Count("pk"))
        .order_by()
    )


def review_queue(
    *,
    user: User | AnonymousUser,
    prop: Property,
    now: dt.datetime | None = None,
    show_reviewed: bool = False,
) -> dict[str, list[Complaint]]:
    """Closed in the last 24 hours, escalated in the last 7 days, and cases with a pending approval.

    A case a manager has reviewed leaves the queue unless `show_reviewed` brings it back.
    """
    now = now or timezone.now()
    visible = complaints_visible_to(user=user, property=prop)
    if not show_reviewed:
        visible = visible.filter(~Exists(Review.objects.filter(complaint=OuterRef("pk"))))
    base = visible.select_related("guest", "department", "category").prefetch_related(
        Prefetch("reviews", queryset=Review.objects.select_related("reviewer").order_by("-at"))
    )
    escalated = Reminder.objects.filter(
        property=prop,
        kind__in=[ReminderKind.ESCALATION, ReminderKind.ESCALATION_2],
        status=ReminderStatus.SENT,
        sent_at__gte=now - dt.timedelta(days=7),
    ).values("complaint")
    pending = ApprovalRequest.objects.for_property(prop).filter(state="pending").values("offer__complaint")
    return {
        "closed": list(base.filter(closed_at__gte=now - dt.timedelta(hours=24)).order_by("-closed_at")[:100]),
        "escalated": list(
            base.filter(pk__in=escalated).annotate(last=Max("reminders__sent_at")).order_by("-last")[:100]
        ),
        "approvals": list(base.filter(pk__in=pending).order_by("-reported_at")[:100]),
    }
