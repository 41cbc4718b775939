"""Where the problems are: breakdowns, recurring problems, the weekly trend, the tiles for now."""

import datetime as dt

from django.conf import settings
from django.db.models import (
    Count,
    Q,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone, translation

from complaints.dashboard.periods import Period, cases_in
from complaints.models import (
    ApprovalRequest,
    Channel,
    Complaint,
    ComplaintKind,
    FollowUpAction,
    GuestCheck,
    GuestType,
    Mood,
    Severity,
)
from complaints.selectors import complaints_visible_to
from complaints.workflow import OPEN, Status, Verdict
from guests.models import Guest, Stay, StayStatus
from hotel_crm.i18n import localized
from hotel_crm.models import Property


def guest_unhappy_answers(*, user, prop: Property, period: Period, limit: int = 20) -> list[GuestCheck]:
    """Guests who answered "OK" or "dissatisfied" themselves in the period, newest first (one query).

    Answers about a case `user` may not see (a sensitive category, ADR 0009) are left out.
    """
    start = prop.day_bounds(period.start)[0]
    end = prop.day_bounds(period.end)[1]
    visible = Q(complaint__isnull=True) | Q(complaint__in=complaints_visible_to(user=user, property=prop))
    return list(
        GuestCheck.objects.for_property(prop)
        .filter(visible)
        .filter(used_at__gte=start, used_at__lt=end, answer__in=[Verdict.SATISFIED, Verdict.DISSATISFIED])
        .select_related("complaint__guest", "complaint__assignee")
        .order_by("-used_at", "-pk")[:limit]
    )


def _in_every_language(label) -> dict[str, str]:
    """A label in each of the site's languages, so figures computed once serve every reader."""
    labels = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels[code] = str(label())
    return labels


def localize_labels(labels: dict[str, str]) -> str:
    """The label in the current language, from the labels a snapshot keeps in every language."""
    return labels.get(translation.get_language() or "", labels.get(settings.LANGUAGE_CODE, ""))


def breakdowns(prop: Property, period: Period) -> dict:
    """Cases by department, category, room, floor, severity, kind, mood, guest type, channel and staff
    member (the case's assignee), each row with its drill-down: the case list with the same filters."""
    cases = cases_in(prop, period)
    base = {**period.query(), "status": "all"}

    def rows(group_by: list[str], key: str, label, *, blank_too: bool = False):
        out = []
        grouped = cases.exclude(**{f"{group_by[0]}__isnull": True})
        if blank_too:  # a choice left empty ("not noted") is not a group of its own
            grouped = grouped.exclude(**{group_by[0]: ""})
        grouped = grouped.values(*group_by)
        for row in grouped.annotate(n=Count("pk")).order_by("-n")[:20]:
            if row[group_by[0]] is None:
                continue
            labels = _in_every_language(lambda: label(row))  # noqa: B023 (called at once)
            out.append(
                {
                    "label": localize_labels(labels),
                    "labels": labels,
                    "count": row["n"],
                    "filters": {**base, key: row[group_by[0]]},
                }
            )
        return out

    return {
        "department": rows(
            ["department", "department__name_en", "department__name_zh"],
            "department",
            lambda r: localized(r["department__name_en"], r["department__name_zh"]),
        ),
        "category": rows(
            ["category", "category__name_en", "category__name_zh"],
            "category",
            lambda r: localized(r["category__name_en"], r["category__name_zh"]),
        ),
        "room": rows(["room", "room__number"], "room", lambda r: r["room__number"]),
        "floor": rows(["room__floor"], "floor", lambda r: str(r["room__floor"])),
        "severity": rows(
            ["severity"],
            "severity",
            lambda r: dict(Severity.choices)[r["severity"]],
        ),
        # Issue #20: what kind of complaint, the guest's mood and type, the channel, who handled it.
        "kind": rows(["kind"], "kind", lambda r: dict(ComplaintKind.choices)[r["kind"]], blank_too=True),
        "mood": rows(["mood"], "mood", lambda r: dict(Mood.choices)[r["mood"]], blank_too=True),
        "guest_type": rows(
            ["guest_type"], "guest_type", lambda r: dict(GuestType.choices)[r["guest_type"]], blank_too=True
        ),
        "channel": rows(
            ["channel"], "channel", lambda r: dict(Channel.choices)[r["channel"]], blank_too=True
        ),
        "assignee": rows(
            ["assignee", "assignee__username", "assignee__first_name", "assignee__last_name"],
            "assignee",
            lambda r: (
                f"{r['assignee__first_name']} {r['assignee__last_name']}".strip() or r["assignee__username"]
            ),
        ),
    }


def recurring_problems(prop: Property, period: Period, limit: int = 10) -> list[dict]:
    """The prevention list: the same category in the same room, most frequent first."""
    base = {**period.query(), "status": "all"}
    rows = (
        cases_in(prop, period)
        .filter(room__isnull=False, category__isnull=False)
        .values("room", "room__number", "category", "category__name_en", "category__name_zh")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("-n", "room__number")[:limit]
    )
    return [
        {
            "room": r["room__number"],
            "category": localized(r["category__name_en"], r["category__name_zh"]),
            "categories": _in_every_language(
                lambda r=r: localized(r["category__name_en"], r["category__name_zh"])
            ),
            "count": r["n"],
            "filters": {**base, "room": r["room"], "category": r["category"]},
        }
        for r in rows
    ]


def weekly_trend(prop: Property, weeks: int = 12) -> list[dict]:
    """Cases and recoveries per week, for the chart."""
    end = prop.today()
    period = Period(end - dt.timedelta(weeks=weeks) + dt.timedelta(days=1), end)
    rows = (
        cases_in(prop, period)
        .annotate(week=TruncWeek("reported_at", tzinfo=prop.tzinfo))
        .values("week")
        .annotate(n=Count("pk"), recoveries=Count("pk", filter=Q(verdict=Verdict.VERY_SATISFIED)))
        .order_by("week")
    )
    return [
        {
            "week": r["week"].date() if hasattr(r["week"], "date") else r["week"],
            "count": r["n"],
            "recovered": r["recoveries"],
        }
        for r in rows
    ]


def now_tiles(prop: Property) -> dict:
    """What needs attention right now, with drill-downs."""
    now = timezone.now()
    today = prop.today(now)
    cases = Complaint.objects.for_property(prop).filter(status__in=[s.value for s in OPEN])
    by_step = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
    # Hashed subqueries over the few VIP guests, departing stays and overdue actions, not one
    # probe per open case: the counts come from the open-case index alone (ADR 0013).
    vip_guests = Guest.objects.filter(vip_level__gt=0).values("pk")
    departing_stays = Stay.objects.filter(
        property=prop, departure_date=today, status=StayStatus.IN_HOUSE
    ).values("pk")
    counts = cases.aggregate(
        open=Count("pk"),
        vip=Count("pk", filter=Q(guest_id__in=vip_guests)),
        repeat=Count("pk", filter=Q(is_repeat=True)),
        departing=Count("pk", filter=Q(stay_id__in=departing_stays)),
    )
    overdue_actions = FollowUpAction.objects.filter(done_at__isnull=True, due_at__lt=now).values(
        "complaint_id"
    )
    counts["overdue"] = cases.filter(Q(step_due_at__lt=now) | Q(pk__in=overdue_actions)).count()
    counts["approvals"] = ApprovalRequest.objects.for_property(prop).filter(state="pending").count()
    counts["by_step"] = [(s.value, s.label, by_step.get(s.value, 0)) for s in Status if s in OPEN]
    return counts
