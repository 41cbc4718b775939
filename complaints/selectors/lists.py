"""The case list: filters, sorting and what each row shows, in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from complaints.models import (
    SEVERITY_RANK,
    Complaint,
    FollowUpAction,
    GuestCheck,
    VerdictSource,
)
from complaints.selectors.access import (
    complaints_visible_to,
)
from complaints.workflow import OPEN, Status
from guests.models import Stay, StayStatus
from hotel_crm.models import Property


@dataclass(frozen=True)
class ComplaintFilters:
    status: str | None = None  # a Status value, "open" or "all"
    department: int | None = None
    severity: str | None = None
    overdue: bool = False
    repeat: bool = False
    vip: bool = False
    assignee: int | None = None
    sort: str = "-reported_at"
    # drill-down from the dashboard
    reported_from: dt.date | None = None
    reported_to: dt.date | None = None
    category: int | None = None
    room: int | None = None
    floor: int | None = None
    verdict: str | None = None  # a Verdict value, or "any" for every verified case
    came_back: bool = False
    departing: bool = False  # the guest checks out today
    verdict_source: str | None = None  # "staff" (recorded by staff) or "guest" (the guest's own link)
    guest_answer: str | None = None  # the guest's latest own answer: a Verdict value, or "any"
    kind: str | None = None
    mood: str | None = None
    guest_type: str | None = None
    channel: str | None = None


SORTS = {
    "-reported_at": ("-reported_at", "-pk"),
    "reported_at": ("reported_at", "pk"),
    "-severity": ("-severity_rank", "-reported_at", "-pk"),
    "status": ("status_rank", "-reported_at", "-pk"),
}


def latest_guest_answer() -> Subquery:
    """The guest's own last word on a case (verification link or post-stay check), for annotate()."""
    return Subquery(
        GuestCheck.objects.filter(complaint=OuterRef("pk"), used_at__isnull=False)
        .order_by("-used_at", "-pk")
        .values("answer")[:1]
    )


def complaint_list(
    *, user: User | AnonymousUser, prop: Property, filters: ComplaintFilters, now: dt.datetime | None = None
) -> QuerySet[Complaint]:
    """Cases `user` may see at the property with what the list shows, in a fixed number of queries."""
    now = now or timezone.now()
    overdue_actions = FollowUpAction.objects.filter(
        complaint=OuterRef("pk"), done_at__isnull=True, due_at__lt=now
    )
    queryset = (
        complaints_visible_to(user=user, property=prop)
        .select_related("guest", "room", "department", "category", "assignee")
        .annotate(
            # Overdue: the step's own due time has passed, or a follow-up action's has.
            overdue=Case(
                When(Q(step_due_at__lt=now) | Exists(overdue_actions), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            # A subquery per listed row, not a join and GROUP BY over every matching case.
            open_actions=Coalesce(
                Subquery(
                    FollowUpAction.objects.filter(complaint=OuterRef("pk"), done_at__isnull=True)
                    .order_by()
                    .values("complaint")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            severity_rank=Case(
                *[When(severity=s, then=Value(r)) for s, r in SEVERITY_RANK.items()],
                output_field=IntegerField(),
            ),
            status_rank=Case(
                *[When(status=s, then=Value(i)) for i, s in enumerate(Status.values)],
                output_field=IntegerField(),
            ),
        )
    )
    queryset = _filtered(queryset, prop=prop, filters=filters, now=now)
    return queryset.order_by(*SORTS.get(filters.sort, SORTS["-reported_at"]))


def _filtered(queryset: QuerySet, *, prop: Property, filters: ComplaintFilters, now: dt.datetime) -> QuerySet:
    """The list's filters, each one WHERE clause (or one EXISTS)."""
    if filters.status in (None, "", "open"):
        queryset = queryset.filter(status__in=[s.value for s in OPEN])
    elif filters.status != "all":
        queryset = queryset.filter(status=filters.status)
    if filters.department:
        queryset = queryset.filter(department_id=filters.department)
    if filters.severity:
        queryset = queryset.filter(severity=filters.severity)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.overdue:
        queryset = queryset.filter(overdue=True)
    if filters.repeat:
        queryset = queryset.filter(is_repeat=True)
    if filters.vip:
        queryset = queryset.filter(guest__vip_level__gt=0)
    if filters.assignee:
        queryset = queryset.filter(assignee_id=filters.assignee)
    if filters.reported_from:
        queryset = queryset.filter(reported_at__gte=prop.day_bounds(filters.reported_from)[0])
    if filters.reported_to:
        queryset = queryset.filter(reported_at__lt=prop.day_bounds(filters.reported_to)[1])
    if filters.category:
        queryset = queryset.filter(category_id=filters.category)
    for field in ("kind", "mood", "guest_type", "channel"):
        if getattr(filters, field):
            queryset = queryset.filter(**{field: getattr(filters, field)})
    if filters.room:
        queryset = queryset.filter(room_id=filters.room)
    if filters.floor is not None:
        queryset = queryset.filter(room__floor=filters.floor)
    if filters.verdict == "any":
        queryset = queryset.exclude(verdict="")
    elif filters.verdict:
        queryset = queryset.filter(verdict=filters.verdict)
    if filters.verdict_source == VerdictSource.GUEST:
        queryset = queryset.filter(verdict_source=VerdictSource.GUEST)
    elif (
        filters.verdict_source == VerdictSource.STAFF
    ):  # verdicts from before the guest's link count as staff
        queryset = queryset.exclude(verdict_source=VerdictSource.GUEST)
    if filters.guest_answer:
        queryset = queryset.annotate(guest_answer=latest_guest_answer())
        if filters.guest_answer == "any":
            queryset = queryset.filter(guest_answer__isnull=False)
        else:
            queryset = queryset.filter(guest_answer=filters.guest_answer)
    if filters.departing:
        queryset = queryset.filter(stay__departure_date=prop.today(now), stay__status=StayStatus.IN_HOUSE)
    if filters.came_back:
        queryset = _came_back(queryset, prop=prop, filters=filters)
    return queryset


def _came_back(queryset: QuerySet, *, prop: Property, filters: ComplaintFilters) -> QuerySet:
    """Cases whose guest stayed again later: each returning guest once (the dashboard counts guests)."""
    later = Stay.objects.filter(
        guest=OuterRef("guest"),
        arrival_date__gt=OuterRef("reported_day"),
        status__in=[StayStatus.RESERVED, StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT],
    )
    # The dashboard counts guests, not cases: list each returning guest once, by their first case
    # in the period. If any of their cases has a later stay, so has the first (the stay is later still).
    earlier = Complaint.objects.for_property(prop).filter(
        Q(reported_at__lt=OuterRef("reported_at"))
        | Q(reported_at=OuterRef("reported_at"), pk__lt=OuterRef("pk")),
        guest=OuterRef("guest"),
    )
    if filters.reported_from:
        earlier = earlier.filter(reported_at__gte=prop.day_bounds(filters.reported_from)[0])
    return (
        queryset.filter(guest__isnull=False)
        .annotate(reported_day=TruncDate("reported_at", tzinfo=prop.tzinfo))
        .filter(Exists(later), ~Exists(earlier))
    )
