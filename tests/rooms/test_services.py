import pytest

from rooms import services
from rooms.models import Room, RoomStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_set_status_records_who_and_when_and_bumps_the_version(sha, clerk):
    room = factories.make_room(sha, "2101")
    updated = services.room_set_status(
        room=room, actor=clerk, status=RoomStatus.VACANT_DIRTY, expected_version=1
    )
    assert updated.status == RoomStatus.VACANT_DIRTY
    assert updated.status_changed_by == clerk
    assert updated.status_changed_at is not None
    assert updated.version == 2


def test_out_of_order_needs_a_reason(sha, clerk):
    room = factories.make_room(sha, "2101")
    with pytest.raises(services.RoomError, match="why"):
        services.room_set_status(room=room, actor=clerk, status=RoomStatus.OUT_OF_ORDER, reason="   ")
    room.refresh_from_db()
    assert room.status == RoomStatus.VACANT_CLEAN


def test_reason_is_cleared_when_the_room_is_back_in_order(sha, clerk):
    room = factories.make_room(sha, "2101")
    services.room_set_status(room=room, actor=clerk, status=RoomStatus.OUT_OF_ORDER, reason="Leak")
    back = services.room_set_status(room=room, actor=clerk, status=RoomStatus.VACANT_DIRTY)
    assert back.out_of_order_reason == ""


def test_a_stale_edit_does_not_overwrite_a_newer_one(sha, clerk, grm):
    # Given two clerks who opened the same room at version 1
    room = factories.make_room(sha, "2101")
    services.room_set_status(
        room=room, actor=grm, status=RoomStatus.OUT_OF_ORDER, reason="Leak", expected_version=1
    )
    # When the second one saves what they saw
    with pytest.raises(services.StaleRoom, match="changed by someone else"):
        services.room_set_status(room=room, actor=clerk, status=RoomStatus.VACANT_CLEAN, expected_version=1)
    # Then the first change stands
    room.refresh_from_db()
    assert (room.status, room.out_of_order_reason) == (RoomStatus.OUT_OF_ORDER, "Leak")


def test_database_refuses_out_of_order_without_reason(sha):
    from django.db import IntegrityError, transaction

    room = factories.make_room(sha, "2101")
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.filter(pk=room.pk).update(status=RoomStatus.OUT_OF_ORDER, out_of_order_reason="")


def test_create_a_range_of_rooms(sha):
    deluxe = factories.make_room_type(sha, "DK")
    created = services.rooms_create_range(prop=sha, room_type=deluxe, rooms=services.RoomRange(2101, 2114))
    assert [r.number for r in created] == [str(n) for n in range(2101, 2115)]
    assert Room.objects.for_property(sha).filter(floor=21, room_type=deluxe).count() == 14


def test_range_with_explicit_floor(sha):
    deluxe = factories.make_room_type(sha, "DK")
    services.rooms_create_range(prop=sha, room_type=deluxe, rooms=services.RoomRange(1, 3, floor=1))
    assert set(Room.objects.values_list("floor", flat=True)) == {1}


def test_range_is_all_or_nothing_when_a_room_exists(sha):
    deluxe = factories.make_room_type(sha, "DK")
    factories.make_room(sha, "2105", room_type=deluxe)
    with pytest.raises(services.RoomError, match="2105"):
        services.rooms_create_range(prop=sha, room_type=deluxe, rooms=services.RoomRange(2101, 2110))
    assert Room.objects.count() == 1


def test_same_numbers_are_fine_in_another_property(sha, hgh):
    factories.make_room(sha, "301")
    garden = factories.make_room_type(hgh, "GK")
    created = services.rooms_create_range(prop=hgh, room_type=garden, rooms=services.RoomRange(301, 302))
    assert len(created) == 2


def test_range_refuses_another_propertys_room_type_and_silly_ranges(sha, hgh):
    foreign = factories.make_room_type(hgh, "GK")
    with pytest.raises(services.RoomError, match="another property"):
        services.rooms_create_range(prop=sha, room_type=foreign, rooms=services.RoomRange(1, 2))
    deluxe = factories.make_room_type(sha, "DK")
    with pytest.raises(services.RoomError):
        services.rooms_create_range(prop=sha, room_type=deluxe, rooms=services.RoomRange(10, 5))
    with pytest.raises(services.RoomError, match="At most"):
        services.rooms_create_range(prop=sha, room_type=deluxe, rooms=services.RoomRange(1, 5000))
    assert not Room.objects.exists()
