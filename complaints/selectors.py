"""Reads of complaint cases, always scoped to one property, with fixed query counts."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import workflow
from complaints.models import (
    SEVERITY_RANK,
    Area,
    Complaint,
    ComplaintEvent,
    FollowUpAction,
    GuestCheck,
    Offer,
    OfferStatus,
    PreventionRule,
    Severity,
    VerdictSource,
)
from complaints.workflow import OPEN, Status
from hotel_crm.models import Property, StaffMembership

DEFAULT_RULE = PreventionRule(threshold=3, window_days=30)


# --- Who sees which case: the one access rule (ADR 0009) -----------------------------------

VIEW_PERMISSION = "complaints.view_complaint"
SENSITIVE_PERMISSION = "complaints.view_sensitive_complaints"


def has_perm_at(user, prop: Property, perm: str) -> bool:
    """Whether `user`'s role at `prop` (or group-level role) grants `perm`; works outside a request too."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if getattr(user, "active_property_id", None) == prop.pk:
        return user.has_perm(perm)  # roles already resolved (and cached) by CurrentPropertyMiddleware
    from django.contrib.auth.models import Permission

    from hotel_crm.models import StaffProfile

    app_label, codename = perm.split(".")
    roles = Q(group__in=StaffMembership.objects.filter(user=user, property=prop).values("role")) | Q(
        group__in=StaffProfile.objects.filter(user=user, group_role__isnull=False).values("group_role")
    )
    return Permission.objects.filter(roles, content_type__app_label=app_label, codename=codename).exists()


def _involved(user) -> Q:
    """Cases `user` takes part in: logged it, is its assignee, or owns one of its follow-up actions."""
    return (
        Q(owner_id=user.pk)
        | Q(assignee_id=user.pk)
        | Q(Exists(FollowUpAction.objects.filter(complaint=OuterRef("pk"), assignee_id=user.pk)))
    )


def sensitive_rule(*, user, may_see_sensitive: bool) -> Q:
    """The filter for sensitive categories alone: all cases, or the non-sensitive ones plus the user's own."""
    if may_see_sensitive:
        return Q()
    return Q(category__isnull=True) | Q(category__is_sensitive=False) | _involved(user)


def complaints_visible_to(*, user, property: Property | None) -> QuerySet[Complaint]:
    """Every case of `property` that `user` may see: the one rule for lists, detail, exports and links.

    A staff member whose role there grants complaints.view_complaint sees the property's cases, except
    cases in a sensitive category (Category.is_sensitive), which only roles with
    complaints.view_sensitive_complaints (guest relations managers; superusers) and the staff involved
    in the case (who logged it, its assignee, an assignee of one of its follow-up actions) see.
    """
    if property is None or not has_perm_at(user, property, VIEW_PERMISSION):
        return Complaint.objects.none()
    may_see = has_perm_at(user, property, SENSITIVE_PERMISSION)
    return Complaint.objects.for_property(property).filter(
        sensitive_rule(user=user, may_see_sensitive=may_see)
    )


def complaint_visible(*, user, complaint: Complaint) -> bool:
    """Whether `user` may open this case (the same rule as complaints_visible_to)."""
    return complaints_visible_to(user=user, property=complaint.property).filter(pk=complaint.pk).exists()


def staff_who_may_see(*, complaint: Complaint, candidates) -> list:
    """The subset of `candidates` (users) who may see the case: for notifications and escalations."""
    if complaint.category_id is None or not complaint.category.is_sensitive:
        return list(candidates)
    return [user for user in candidates if complaint_visible(user=user, complaint=complaint)]


def prevention_rule(*, prop: Property) -> PreventionRule:
    return PreventionRule.objects.filter(property=prop).first() or DEFAULT_RULE


def staff_of_property(*, prop: Property) -> QuerySet:
    """Active staff who hold a role at this property."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Exists(StaffMembership.objects.filter(user=OuterRef("pk"), property=prop)))
        .order_by("first_name", "last_name", "username")
    )


def _same_problem(complaint: Complaint) -> Q | None:
    """Cases about the same problem: same room and category, or same category in the same public area."""
    if complaint.category_id is None:
        return None
    if complaint.area == Area.ROOM:
        return Q(room_id=complaint.room_id, category_id=complaint.category_id) if complaint.room_id else None
    return Q(area=complaint.area, category_id=complaint.category_id)


def repeat_reason(*, complaint: Complaint, rule: PreventionRule, now: dt.datetime) -> str:
    """Why this case is a repeat under the N-in-M-days rule, or ''."""
    same = _same_problem(complaint)
    if same is None:
        return ""
    # Counted back from when this case was reported; withdrawn cases (no fault after all) do not count.
    reference_time = complaint.reported_at or now
    since = reference_time - dt.timedelta(days=rule.window_days)
    earlier = (
        Complaint.objects.for_property(complaint.property)
        .filter(same, reported_at__gte=since, reported_at__lte=reference_time)
        .exclude(status=Status.WITHDRAWN)
    )
    if complaint.pk:
        earlier = earlier.exclude(pk=complaint.pk)
    count = earlier.count() + 1
    if count < rule.threshold:
        return ""
    where = (
        _("room %(room)s") % {"room": complaint.room.number}
        if complaint.area == Area.ROOM
        else complaint.get_area_display()
    )
    return _("%(count)d cases of “%(category)s” in %(where)s within %(days)d days.") % {
        "count": count,
        "category": complaint.category.name,
        "where": where,
        "days": rule.window_days,
    }


# --- Lists ------------------------------------------------------------------------------


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
    *, user, prop: Property, filters: ComplaintFilters, now: dt.datetime | None = None
) -> QuerySet[Complaint]:
    """Cases `user` may see at the property with what the list shows, in a fixed number of queries."""
    from django.db.models import BooleanField, Case, IntegerField, Value, When

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
    if filters.status in (None, "", "open"):
        queryset = queryset.filter(status__in=[s.value for s in OPEN])
    elif filters.status != "all":
        queryset = queryset.filter(status=filters.status)
    if filters.department:
        queryset = queryset.filter(department_id=filters.department)
    if filters.severity:
        queryset = queryset.filter(severity=filters.severity)
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
        from guests.models import StayStatus as _StayStatus

        queryset = queryset.filter(stay__departure_date=prop.today(now), stay__status=_StayStatus.IN_HOUSE)
    if filters.came_back:
        from django.db.models.functions import TruncDate

        from guests.models import Stay, StayStatus

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
        queryset = (
            queryset.filter(guest__isnull=False)
            .annotate(reported_day=TruncDate("reported_at", tzinfo=prop.tzinfo))
            .filter(Exists(later), ~Exists(earlier))
        )
    return queryset.order_by(*SORTS.get(filters.sort, SORTS["-reported_at"]))


# --- The case page ------------------------------------------------------------------------


@dataclass
class CasePage:
    complaint: Complaint
    offers: list[Offer]
    actions: list[FollowUpAction]
    events: list[ComplaintEvent]
    facts: workflow.Facts
    other_cases: list[Complaint]
    similar: list[Complaint]
    granted: object = 0


def complaint_for_user(*, user, prop: Property, pk: int) -> Complaint | None:
    """The case, if `user` may see it at this property (else None: the view answers 404)."""
    complaint = (
        complaints_visible_to(user=user, property=prop)
        .select_related(
            "guest",
            "stay",
            "room__room_type",
            "department",
            "category",
            "owner",
            "assignee",
            "apologised_by",
        )
        .filter(pk=pk)
        .order_by()  # one row by key: no sort
        .first()
    )
    if complaint is not None:
        # The hotel is the one asked for: one join fewer keeps PostgreSQL's planning time down
        # (a 12-table join took longer to plan, 9 ms, than to run, 0.5 ms).
        complaint.property = prop
    return complaint


def case_page(*, complaint: Complaint, user) -> CasePage:
    """Everything the case page shows to `user`, in a fixed number of queries."""
    offers = list(complaint.offers.select_related("offered_by", "authorised_by", "approval__decided_by"))
    actions = list(complaint.actions.select_related("department", "assignee", "done_by"))
    events = list(complaint.events.select_related("actor"))
    facts = workflow.Facts(
        restated_confirmed=complaint.restated_confirmed,
        open_offers=sum(o.status == OfferStatus.PROPOSED for o in offers),
        accepted_offers=sum(o.status == OfferStatus.ACCEPTED for o in offers),
        open_actions=sum(a.done_at is None for a in actions),
        pending_approvals=sum(o.status == OfferStatus.AWAITING_APPROVAL for o in offers),
    )
    other = []
    if complaint.guest_id:
        # The guest's cases at every hotel (know the guest); sensitive ones only where the user may see them.
        here = has_perm_at(user, complaint.property, SENSITIVE_PERMISSION)
        other = list(
            Complaint.objects.filter(guest_id=complaint.guest_id)
            .filter(
                Q(property=complaint.property) & sensitive_rule(user=user, may_see_sensitive=here)
                | ~Q(property=complaint.property)
                & sensitive_rule(user=user, may_see_sensitive=user.is_superuser)
            )
            .exclude(pk=complaint.pk)
            .select_related("property", "category")
            .order_by("-reported_at")[:10]
        )
    return CasePage(
        complaint=complaint,
        offers=offers,
        actions=actions,
        events=events,
        facts=facts,
        other_cases=other,
        similar=similar_cases(complaint=complaint, user=user),
        granted=granted_on_case(offers=offers),
    )


def similar_cases(*, complaint: Complaint, user, days: int = 90, limit: int = 10) -> list[Complaint]:
    """Recent cases `user` may see about the same room, category in the same area, or guest."""
    condition = Q(pk__in=[])
    if complaint.room_id:
        condition |= Q(room_id=complaint.room_id)
    if complaint.category_id:
        condition |= Q(category_id=complaint.category_id, area=complaint.area)
    if complaint.guest_id:
        condition |= Q(guest_id=complaint.guest_id)
    since = (complaint.reported_at or timezone.now()) - dt.timedelta(days=days)
    queryset = complaints_visible_to(user=user, property=complaint.property).filter(
        condition, reported_at__gte=since
    )
    if complaint.pk:
        queryset = queryset.exclude(pk=complaint.pk)
    return list(queryset.select_related("room", "category", "guest").order_by("-reported_at")[:limit])


def guest_cases(*, user, guest_id: int, prop: Property, group_wide: bool) -> list[Complaint]:
    """A guest's cases `user` may see, for the profile: this hotel's (every hotel's if group-wide)."""
    if group_wide:
        # Group-level staff: sensitive cases elsewhere only for superusers or the staff involved.
        here = has_perm_at(user, prop, SENSITIVE_PERMISSION)
        queryset = Complaint.objects.filter(
            Q(property=prop) & sensitive_rule(user=user, may_see_sensitive=here)
            | ~Q(property=prop) & sensitive_rule(user=user, may_see_sensitive=user.is_superuser)
        )
    else:
        queryset = complaints_visible_to(user=user, property=prop)
    queryset = queryset.filter(guest_id=guest_id).select_related("property", "category", "department")
    return list(queryset.order_by("-reported_at")[:50])


def guest_case_counts_elsewhere(*, guest_id: int, prop: Property) -> int:
    return Complaint.objects.filter(guest_id=guest_id).exclude(property=prop).count()


def severity_choices():
    return Severity.choices


# --- Authority: approvals, department queues, the spend ledger ------------------------------


def pending_approvals(*, prop: Property, user) -> list:
    """Pending approval requests at this property, each marked whether `user` may decide it."""
    from complaints import authority
    from complaints.models import ApprovalRequest

    requests = list(
        ApprovalRequest.objects.for_property(prop)
        .filter(state=ApprovalRequest.State.PENDING)
        .filter(offer__complaint__in=complaints_visible_to(user=user, property=prop))
        .select_related("offer__complaint__guest", "requested_by")
        .order_by("requested_at")[:200]
    )
    limits = authority.limits_for(user, prop)
    for request in requests:
        request.can_decide = request.requested_by_id != user.pk and limits.per_case >= request.offer.value
    return requests


def pending_approval_count(*, prop: Property) -> int:
    from complaints.models import ApprovalRequest

    return ApprovalRequest.objects.for_property(prop).filter(state=ApprovalRequest.State.PENDING).count()


def department_queue(*, user, prop: Property, department_id: int):
    """Follow-up actions handed to a department: open ones first (oldest due first), then the last done.

    Only actions of cases `user` may see: the queue links to the case and names the guest.
    """
    base = FollowUpAction.objects.filter(
        complaint__in=complaints_visible_to(user=user, property=prop), department_id=department_id
    ).select_related("complaint__guest", "complaint__room", "created_by", "done_by")
    open_actions = list(base.filter(done_at__isnull=True).order_by("due_at")[:200])
    done = list(base.filter(done_at__isnull=False).order_by("-done_at")[:20])
    return open_actions, done


def department_open_counts(*, prop: Property) -> dict[int, int]:
    return dict(
        FollowUpAction.objects.filter(
            complaint__property=prop, done_at__isnull=True, department__isnull=False
        )
        .values_list("department")
        .annotate(n=Count("pk"))
        .order_by()
    )


def spend_ledger(*, prop: Property, months: int = 12) -> dict:
    """Compensation granted (accepted offers) per month and per department, in SQL."""
    from django.db.models import Sum
    from django.db.models.functions import TruncMonth

    accepted = Offer.objects.filter(complaint__property=prop, status=OfferStatus.ACCEPTED)
    since = prop.today() - dt.timedelta(days=31 * months)
    accepted = accepted.filter(business_day__gte=since)
    by_month = list(
        accepted.annotate(month=TruncMonth("business_day"))
        .values("month")
        .annotate(total=Sum("value"), offers=Count("pk"))
        .order_by("-month")
    )
    by_department = list(
        accepted.values("complaint__department__name_en", "complaint__department__name_zh")
        .annotate(total=Sum("value"), offers=Count("pk"))
        .order_by("-total")
    )
    return {
        "by_month": by_month,
        "by_department": by_department,
        "total": sum((row["total"] for row in by_month), start=0),
    }


def granted_on_case(*, offers: list[Offer]):
    return sum((o.value for o in offers if o.status == OfferStatus.ACCEPTED), start=0)


def granted_to_guest(*, guest_id: int, prop: Property):
    """Compensation the guest has accepted at this hotel, over their lifetime (one currency per hotel)."""
    from django.db.models import Sum

    offers = Offer.objects.filter(
        complaint__guest_id=guest_id, complaint__property=prop, status=OfferStatus.ACCEPTED
    )
    return offers.aggregate(t=Sum("value"))["t"] or 0


def unread_notifications(*, user, prop: Property) -> int:
    from complaints.models import Notification

    return Notification.objects.filter(recipient=user, property=prop, read_at__isnull=True).count()


def notifications(*, user, prop: Property, limit: int = 100):
    from complaints.models import Notification

    return list(Notification.objects.filter(recipient=user, property=prop)[:limit])


def review_queue(*, user, prop: Property, now: dt.datetime | None = None) -> dict:
    """Closed in the last 24 hours, escalated in the last 7 days, and cases with a pending approval."""
    from django.db.models import Max, Prefetch

    from complaints.models import ApprovalRequest, Reminder, ReminderKind, ReminderStatus, Review

    now = now or timezone.now()
    base = (
        complaints_visible_to(user=user, property=prop)
        .select_related("guest", "department", "category")
        .prefetch_related(
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer").order_by("-at"))
        )
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
