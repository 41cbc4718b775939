import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rooms.models import FloorZone, Room, RoomStatus
from tests import factories

pytestmark = pytest.mark.django_db


def _board_queries(client, url="/rooms/") -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_room_board_query_count_does_not_grow_with_rooms(sha, clerk, login):
    client = login(clerk)
    factories.make_room(sha, "2101")
    client.get("/rooms/")  # the first visit stores the current property in the session
    one = _board_queries(client)
    for floor in range(22, 27):
        for n in range(1, 11):
            factories.make_room(sha, f"{floor}{n:02d}")
    fifty_one = _board_queries(client)
    assert one == fifty_one
    assert fifty_one <= 12  # session, user, staff profile, memberships, permissions, bell, board


def test_room_board_groups_by_floor_and_marks_the_executive_floor(sha, clerk, login):
    factories.make_room(sha, "2101")
    factories.make_room(sha, "3301")
    FloorZone.objects.create(
        property=sha, code="exec", name_en="Executive Floor", first_floor=32, last_floor=35, is_executive=True
    )
    response = login(clerk).get("/rooms/")
    floors = response.context["board"].floors
    assert [f.number for f in floors] == [33, 21]
    assert floors[0].zone.is_executive and floors[1].zone is None
    assert 'class="floor executive"' in response.content.decode()


def test_room_board_filters(sha, clerk, login):
    deluxe = factories.make_room_type(sha, "DK")
    twin = factories.make_room_type(sha, "DT")
    factories.make_room(sha, "2101", room_type=deluxe)
    factories.make_room(sha, "2102", room_type=twin, status=RoomStatus.VACANT_DIRTY)
    factories.make_room(sha, "2201", room_type=twin)
    client = login(clerk)

    def numbers(query):
        board = client.get("/rooms/" + query).context["board"]
        return sorted(room.number for floor in board.floors for room in floor.rooms)

    assert numbers(f"?room_type={twin.pk}") == ["2102", "2201"]
    assert numbers("?status=vacant_dirty") == ["2102"]
    assert numbers("?floor=22") == ["2201"]
    assert numbers(f"?floor=21&room_type={twin.pk}") == ["2102"]


@pytest.mark.parametrize(
    "query",
    ["?floor=abc", "?status=<script>", "?room_type=999999", "?zone=-1", "?floor=21%00", "?floor=" + "9" * 40],
)
def test_room_board_shrugs_off_hostile_filters(sha, clerk, login, query):
    factories.make_room(sha, "2101")
    response = login(clerk).get("/rooms/" + query)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_front_desk_changes_a_room_status(sha, clerk, login):
    room = factories.make_room(sha, "2101")
    response = login(clerk).post(
        f"/rooms/{room.pk}/status/",
        {"status": "out_of_order", "reason": "Shower leaking", "version": 1},
        follow=True,
    )
    assert response.status_code == 200
    room.refresh_from_db()
    assert (room.status, room.out_of_order_reason, room.status_changed_by) == (
        "out_of_order",
        "Shower leaking",
        clerk,
    )
    assert "is now Out of order" in response.content.decode()


def test_out_of_order_without_reason_is_a_form_error_and_nothing_changes(sha, clerk, login):
    room = factories.make_room(sha, "2101")
    response = login(clerk).post(
        f"/rooms/{room.pk}/status/", {"status": "out_of_order", "reason": "", "version": 1}
    )
    assert response.status_code == 400
    assert "Say why the room is out of order." in response.content.decode()
    room.refresh_from_db()
    assert room.status == "vacant_clean"


def test_a_stale_form_tells_the_clerk_and_keeps_the_newer_status(sha, clerk, grm, login):
    room = factories.make_room(sha, "2101")
    login(grm).post(f"/rooms/{room.pk}/status/", {"status": "vacant_dirty", "version": 1})
    response = login(clerk).post(
        f"/rooms/{room.pk}/status/", {"status": "occupied", "version": 1}, follow=True
    )
    assert "changed by someone else" in response.content.decode()
    room.refresh_from_db()
    assert room.status == "vacant_dirty"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"status": "nonsense", "version": 1},
        {"status": "occupied", "version": "x"},
        {"status": "occupied"},
    ],
)
def test_malformed_status_posts_are_400_not_500(sha, clerk, login, data):
    room = factories.make_room(sha, "2101")
    assert login(clerk).post(f"/rooms/{room.pk}/status/", data).status_code == 400
    assert Room.objects.get(pk=room.pk).version == 1


def test_room_detail_shows_facilities_and_executive_privileges(sha, clerk, login):
    from rooms.models import Facility, ZonePrivilege

    room_type = factories.make_room_type(sha, "XK")
    room_type.facilities.add(Facility.objects.create(property=sha, code="safe", name_en="In-room safe"))
    zone = FloorZone.objects.create(
        property=sha, code="exec", name_en="Executive Floor", first_floor=32, last_floor=35, is_executive=True
    )
    ZonePrivilege.objects.create(zone=zone, name_en="Complimentary continental breakfast buffet")
    room = factories.make_room(sha, "3301", room_type=room_type)
    page = login(clerk).get(f"/rooms/{room.pk}/").content.decode()
    assert "In-room safe" in page
    assert "Complimentary continental breakfast buffet" in page


def test_room_detail_query_count_is_fixed(sha, clerk, login):
    room = factories.make_room(sha, "2101")
    client = login(clerk)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/rooms/{room.pk}/").status_code == 200
    assert len(ctx.captured_queries) <= 12
