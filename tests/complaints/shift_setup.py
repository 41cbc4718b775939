"""Data for the shift tests: earlier stays with cases that ended one way or another, today's arrivals."""

import datetime as dt
from decimal import Decimal

from complaints import services
from complaints.models import Category, Complaint, Department
from complaints.workflow import Status, Verdict
from guests import services as guest_services
from guests.models import Guest, Stay, StayStatus
from hotel_crm.models import Property
from tests import factories
from tests.complaints.services.cases import act, answer, walk

DAY = dt.timedelta(days=1)


def past_case(
    prop: Property,
    actor,
    guest: Guest,
    *,
    verdict: str | None = Verdict.DISSATISFIED,
    compensation: str = "0",
    room_number: str | None = None,
    category: Category | None = None,
    words: str = "The air conditioning was noisy all night.",
) -> Complaint:
    """A case on an earlier (checked-out) stay of `guest`, closed with `verdict` (None: left open)."""
    room = factories.make_room(prop, room_number) if room_number else factories.make_room(prop)
    today = prop.today()
    stay = Stay.objects.create(
        property=prop,
        guest=guest,
        room=room,
        arrival_date=today - 40 * DAY,
        departure_date=today - 37 * DAY,
        confirmation_number=f"OLD{Stay.objects.count() + 1:05d}",
        status=StayStatus.CHECKED_OUT,
    )
    department = (
        category.department
        if category
        else Department.objects.for_property(prop).order_by("pk").first() or factories.make_department(prop)
    )
    case = factories.log_case(
        prop,
        actor,
        guest=guest,
        stay=stay,
        room=room,
        department=department,
        guest_words=words,
        **({"category": category} if category else {}),
    )
    if verdict is None:
        return case
    walk(case, actor, Status.RESOLVING)
    offer = act(
        services.offer_make,
        case,
        actor,
        remedy_type="amenity",
        description="Fruit basket",
        value=Decimal(compensation),
    )
    answer(case, actor, offer, accepted=True)
    walk(case, actor, Status.VERIFYING)
    act(services.complaint_verify, case, actor, verdict=verdict)
    case.refresh_from_db()
    return case


def arrival(prop: Property, actor, guest: Guest, room_number: str | None = None) -> Stay:
    """A reservation arriving today, not checked in."""
    room = factories.make_room(prop, room_number) if room_number else factories.make_room(prop)
    today = prop.today()
    return guest_services.stay_create(
        prop=prop, guest=guest, room=room, arrival=today, departure=today + 2 * DAY, actor=actor
    )
