"""Every write to the room inventory."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hotel_crm.errors import DomainError, StaleRecord
from hotel_crm.models import Property
from rooms.models import Room, RoomStatus, RoomType

MAX_RANGE = 500


class RoomError(DomainError):
    """A room change that cannot be made; the message is for the clerk."""


class StaleRoom(RoomError, StaleRecord):
    """Someone else changed the room since the form was shown."""


@transaction.atomic
def room_set_status(
    *,
    room: Room,
    actor: User,
    status: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Room:
    """Change a room's housekeeping status; refuse if it changed since `expected_version`."""
    if status not in RoomStatus.values:
        raise RoomError(_("Unknown room status."))
    reason = reason.strip()
    if status == RoomStatus.OUT_OF_ORDER and not reason:
        raise RoomError(_("Say why the room is out of order."))
    locked = Room.objects.select_for_update().get(pk=room.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleRoom(
            _(
                "Room %(number)s was changed by someone else a moment ago (now: %(status)s). "
                "Check and try again."
            )
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    updated = Room.objects.filter(pk=locked.pk).update(
        status=status,
        out_of_order_reason=reason if status == RoomStatus.OUT_OF_ORDER else "",
        status_changed_at=timezone.now(),
        status_changed_by=actor,
        version=F("version") + 1,
    )
    assert updated == 1
    locked.refresh_from_db()
    return locked


@dataclass(frozen=True)
class RoomRange:
    first: int
    last: int
    floor: int | None = None

    def numbers(self) -> list[int]:
        return list(range(self.first, self.last + 1))


def _floor_of(number: int) -> int:
    # Hotels number rooms floor-first: 2101 is on floor 21, 905 on floor 9.
    return number // 100


@transaction.atomic
def rooms_create_range(*, prop: Property, room_type: RoomType, rooms: RoomRange) -> list[Room]:
    """Create rooms first..last of one type, all or none; the floor defaults to the leading digits."""
    if room_type.property_id != prop.pk:
        raise RoomError(_("That room type belongs to another property."))
    if rooms.first <= 0 or rooms.last < rooms.first:
        raise RoomError(_("The last room number must not be lower than the first."))
    numbers = rooms.numbers()
    if len(numbers) > MAX_RANGE:
        raise RoomError(_("At most %(max)d rooms at once.") % {"max": MAX_RANGE})
    wanted = [str(n) for n in numbers]
    taken = sorted(
        Room.objects.for_property(prop).filter(number__in=wanted).values_list("number", flat=True), key=int
    )
    if taken:
        raise RoomError(_("These rooms already exist: %(numbers)s.") % {"numbers": ", ".join(taken)})
    created = Room.objects.bulk_create(
        Room(
            property=prop,
            number=str(n),
            floor=rooms.floor if rooms.floor is not None else _floor_of(n),
            room_type=room_type,
        )
        for n in numbers
    )
    return created


def room_mark_checked_in(*, room: Room, actor: User) -> None:
    """A guest moved in: the room is occupied. Call while holding the room's lock."""
    Room.objects.filter(pk=room.pk).update(
        status=RoomStatus.OCCUPIED,
        out_of_order_reason="",
        status_changed_at=timezone.now(),
        status_changed_by=actor,
        version=F("version") + 1,
    )


def room_mark_checked_out(*, room: Room, actor: User) -> None:
    """The guest left: the room needs housekeeping. Call while holding the room's lock.

    A room put out of order while the guest was in it (a leak reported by engineering) stays out of
    order: marking it vacant would make it sellable again and lose the reason."""
    Room.objects.filter(pk=room.pk).exclude(status=RoomStatus.OUT_OF_ORDER).update(
        status=RoomStatus.VACANT_DIRTY,
        status_changed_at=timezone.now(),
        status_changed_by=actor,
        version=F("version") + 1,
    )
