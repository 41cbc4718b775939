"""The repeat-problem rule: N cases about the same problem within M days."""

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext as _

from complaints.models import (
    Area,
    Complaint,
    PreventionRule,
)
from complaints.workflow import Status
from hotel_crm.models import Property

DEFAULT_RULE = PreventionRule(threshold=3, window_days=30)


def prevention_rule(*, prop: Property) -> PreventionRule:
    return PreventionRule.objects.filter(property=prop).first() or DEFAULT_RULE


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
        if complaint.area == Area.ROOM and complaint.room is not None
        else complaint.get_area_display()
    )
    assert complaint.category is not None  # _same_problem matched on it
    return _("%(count)d cases of “%(category)s” in %(where)s within %(days)d days.") % {
        "count": count,
        "category": complaint.category.name,
        "where": where,
        "days": rule.window_days,
    }
