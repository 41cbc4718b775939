"""Take a case along the cycle the way the case page does, and read its timeline."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from complaints import services
from complaints.models import (
    Complaint,
    EventKind,
)
from complaints.workflow import Status, Verdict
from tests import factories

S = Status
K = EventKind
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def act(service, case, actor, **kwargs):
    """Call a service the way the case page does: with the version the clerk loaded."""
    case.refresh_from_db()
    return service(complaint=case, actor=actor, expected_version=case.version, **kwargs)


def offer(case, actor, description="Fruit basket", value="0"):
    return act(
        services.offer_make,
        case,
        actor,
        remedy_type="amenity",
        description=description,
        value=Decimal(value),
    )


def answer(case, actor, the_offer, *, accepted, response=""):
    return act(
        services.offer_answer, case, actor, offer_id=the_offer.pk, accepted=accepted, response=response
    )


def walk(case, actor, to: Status) -> Complaint:
    """Take a case along the happy path until it reaches `to`."""
    case.refresh_from_db()
    while case.status != to:
        if case.status == S.LISTENING:
            act(services.complaint_confirm_restatement, case, actor, confirmed=True)
        elif case.status == S.APOLOGISING:
            act(services.complaint_apologise, case, actor, method="in_person")
        elif case.status == S.RESOLVING:
            answer(case, actor, offer(case, actor), accepted=True)
        elif case.status == S.FOLLOWING_UP:
            act(services.complaint_request_verification, case, actor)
        elif case.status == S.VERIFYING:
            act(services.complaint_verify, case, actor, verdict=Verdict.VERY_SATISFIED)
        else:
            raise AssertionError(f"cannot walk from {case.status} to {to}")
        case.refresh_from_db()
    return case


def timeline(case) -> list[tuple[str, str, str]]:
    return list(case.events.order_by("at", "pk").values_list("kind", "from_status", "to_status"))


def status_events(case) -> list[tuple[str, str, str]]:
    return [e for e in timeline(case) if e[2]]


def log_days_ago(prop, actor, days: float, **overrides) -> Complaint:
    reported = timezone.now() - dt.timedelta(days=days)
    return factories.log_case(prop, actor, occurred_at=reported - HOUR, reported_at=reported, **overrides)
