"""The repeat-problem rule: N cases about the same problem within M days."""

import datetime as dt

from django.db.models import Q

from complaints import system_text as keys
from complaints.models import (
    Area,
    Complaint,
    PreventionRule,
)
from complaints.workflow import Status
from hotel_crm import system_text
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


def repeat_notice(
    *, complaint: Complaint, now: dt.datetime, rule: PreventionRule | None = None
) -> system_text.Message:
    """Why this case is a repeat under the N-in-M-days rule, as system text; {} when it is not one.

    Without `rule`, the property's rule is read, only when the case could be a repeat at all.
    """
    same = _same_problem(complaint)
    if same is None:
        return {}
    rule = rule or prevention_rule(prop=complaint.property)
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
        return {}
    where = (
        system_text.message(keys.WHERE_ROOM, room=complaint.room.number)
        if complaint.area == Area.ROOM and complaint.room is not None
        else system_text.message(keys.area_key(complaint.area))
    )
    assert complaint.category is not None  # _same_problem matched on it
    return system_text.message(
        keys.REPEAT,
        count=count,
        category=system_text.bilingual(complaint.category.name_en, complaint.category.name_zh),
        where=where,
        days=rule.window_days,
    )
