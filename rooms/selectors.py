"""Reads of the room inventory, always scoped to one property."""

from dataclasses import dataclass
from itertools import groupby

from django.db.models import Count, QuerySet
from django.utils.functional import Promise

from hotel_crm.models import Property
from rooms.models import FloorZone, Room, RoomStatus, RoomType


@dataclass(frozen=True)
class RoomBoardFilters:
    floor: int | None = None
    room_type: int | None = None
    status: str | None = None
    zone: int | None = None


@dataclass
class BoardFloor:
    number: int
    zone: FloorZone | None
    rooms: list[Room]


@dataclass
class RoomBoardOptions:
    """What the board can be filtered by."""

    floors: list[int]
    room_types: list[RoomType]
    zones: list[FloorZone]


@dataclass
class RoomBoard:
    floors: list[BoardFloor]
    status_counts: list[tuple[str, str | Promise, int]]
    total: int
    shown: int


def rooms_for(prop: Property | None) -> QuerySet[Room]:
    return Room.objects.for_property(prop).select_related("room_type")


def zones_for(prop: Property | None) -> list[FloorZone]:
    return list(FloorZone.objects.for_property(prop).prefetch_related("privileges"))


def zone_for_floor(zones: list[FloorZone], floor: int) -> FloorZone | None:
    return next((z for z in zones if z.covers(floor)), None)


def room_board_options(*, prop: Property) -> RoomBoardOptions:
    """Floors, room types and zones of the property (4 queries)."""
    return RoomBoardOptions(
        floors=list(
            Room.objects.for_property(prop).order_by("-floor").values_list("floor", flat=True).distinct()
        ),
        room_types=list(RoomType.objects.for_property(prop)),
        zones=zones_for(prop),
    )


def room_board(*, prop: Property, filters: RoomBoardFilters, zones: list[FloorZone]) -> RoomBoard:
    """Rooms grouped by floor (top floor first) with the status counts of the whole property (2 queries)."""
    rooms = rooms_for(prop)
    if filters.floor is not None:
        rooms = rooms.filter(floor=filters.floor)
    if filters.room_type is not None:
        rooms = rooms.filter(room_type_id=filters.room_type)
    if filters.status:
        rooms = rooms.filter(status=filters.status)
    if filters.zone is not None:
        zone = next((z for z in zones if z.pk == filters.zone), None)
        rooms = rooms.filter(floor__range=(zone.first_floor, zone.last_floor)) if zone else rooms.none()
    floors = [
        BoardFloor(number=floor, zone=zone_for_floor(zones, floor), rooms=list(group))
        for floor, group in groupby(rooms.order_by("-floor", "number"), key=lambda r: r.floor)
    ]
    counts = dict(Room.objects.for_property(prop).values_list("status").annotate(n=Count("pk")).order_by())
    return RoomBoard(
        floors=floors,
        status_counts=[(value, label, counts.get(value, 0)) for value, label in RoomStatus.choices],
        total=sum(counts.values()),
        shown=sum(len(f.rooms) for f in floors),
    )


def room_detail(*, prop: Property, pk: int) -> Room | None:
    """One room of the property with its type and facilities, or None if it is not this property's."""
    return (
        rooms_for(prop)
        .select_related("status_changed_by")
        .prefetch_related("room_type__facilities")
        .filter(pk=pk)
        .first()
    )
