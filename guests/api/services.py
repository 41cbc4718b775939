"""The PMS's stay pushes: one reservation at a time, through the same services as the front desk."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from guests import services as guest_services
from guests.models import Guest, Stay, StayStatus
from guests.services import GuestError
from hotel_crm.models import Property
from rooms.models import Room


@dataclass(frozen=True)
class StayPush:
    """One reservation as the PMS sends it, keyed by its confirmation number."""

    confirmation_number: str
    guest_id: int
    room_number: str
    arrival: dt.date
    departure: dt.date
    status: str
    adults: int = 1
    notes: str = ""
    # The stay's version as the PMS last read it: given, a push based on an older read is refused.
    version: int | None = None


# From the stay's status now, what to do to reach the pushed one.
_STEPS: dict[tuple[str, str], tuple[str, ...]] = {
    (StayStatus.RESERVED, StayStatus.IN_HOUSE): ("check_in",),
    (StayStatus.RESERVED, StayStatus.CHECKED_OUT): ("check_in", "check_out"),
    (StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT): ("check_out",),
    (StayStatus.RESERVED, StayStatus.CANCELLED): ("cancel",),
    (StayStatus.RESERVED, StayStatus.NO_SHOW): ("no_show",),
}


@transaction.atomic
def stay_push(*, prop: Property, actor: User, push: StayPush) -> tuple[Stay, bool]:
    """Create or update the stay with this confirmation number; the same push twice changes nothing.

    Every change goes through guests.services (booking, amending, check-in, check-out, cancelling),
    so the room's status follows exactly as at the front desk. All or nothing.
    """
    number = push.confirmation_number.strip().upper()
    if not number or len(number) > 30:
        raise GuestError(_("A confirmation number has 1 to 30 characters."))
    guest = Guest.objects.filter(pk=push.guest_id).first()
    if guest is None:
        raise GuestError(_("No guest #%(id)s.") % {"id": push.guest_id})
    if guest.merged_into_id:
        guest = Guest.objects.get(pk=guest.merged_into_id)  # the PMS may still hold the old profile's id
    room = Room.objects.for_property(prop).filter(number=push.room_number.strip()).first()
    if room is None:
        raise GuestError(_("Room %(room)s does not exist in this hotel.") % {"room": push.room_number})
    stay = Stay.objects.for_property(prop).filter(confirmation_number=number).first()
    created = stay is None
    if stay is None:
        stay = guest_services.stay_create(
            prop=prop,
            guest=guest,
            room=room,
            arrival=push.arrival,
            departure=push.departure,
            actor=actor,
            confirmation_number=number,
            adults=push.adults,
            notes=push.notes,
        )
    elif (stay.guest_id, stay.room_id, stay.arrival_date, stay.departure_date, stay.adults, stay.notes) != (
        guest.pk,
        room.pk,
        push.arrival,
        push.departure,
        push.adults,
        push.notes,
    ):
        stay = guest_services.stay_amend(
            stay=stay,
            actor=actor,
            guest=guest,
            room=room,
            arrival=push.arrival,
            departure=push.departure,
            adults=push.adults,
            notes=push.notes,
            expected_version=push.version,
        )
    if stay.status != push.status:
        stay = _stay_move_to(stay, push.status, actor=actor)
    return Stay.objects.select_related("room").get(pk=stay.pk), created


def _stay_move_to(stay: Stay, status: str, *, actor: User) -> Stay:
    """Take the stay to `status` through the front desk's own steps, or refuse if none leads there."""
    steps = _STEPS.get((stay.status, status))
    if steps is None:
        raise GuestError(
            _("Stay %(number)s is %(now)s; it cannot become %(then)s.")
            % {
                "number": stay.confirmation_number,
                "now": stay.get_status_display(),
                "then": StayStatus(status).label,
            }
        )
    for step in steps:
        if step == "check_in":
            stay = guest_services.stay_check_in(stay=stay, actor=actor)
        elif step == "check_out":
            stay = guest_services.stay_check_out(stay=stay, actor=actor)
        else:
            stay = guest_services.stay_cancel(stay=stay, actor=actor, no_show=step == "no_show")
    return stay
