import pytest

from hotel_crm import roles
from rooms.models import Room
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def property_admin(sha):
    return factories.make_staff("propadmin", roles_at={sha: roles.PROPERTY_ADMINISTRATOR}, is_staff=True)


def test_admin_creates_a_range_of_rooms_in_the_current_property(sha, hgh, property_admin, login):
    deluxe = factories.make_room_type(sha, "DK")
    client = login(property_admin)
    form_page = client.get("/admin/rooms/room/add-range/")
    assert form_page.status_code == 200
    response = client.post(
        "/admin/rooms/room/add-range/", {"room_type": deluxe.pk, "first_number": 2101, "last_number": 2114}
    )
    assert response.status_code == 302
    assert Room.objects.for_property(sha).count() == 14
    assert not Room.objects.for_property(hgh).exists()


def test_admin_range_form_reports_clashes_and_saves_nothing(sha, property_admin, login):
    deluxe = factories.make_room_type(sha, "DK")
    factories.make_room(sha, "2103", room_type=deluxe)
    response = login(property_admin).post(
        "/admin/rooms/room/add-range/", {"room_type": deluxe.pk, "first_number": 2101, "last_number": 2105}
    )
    assert response.status_code == 200
    assert "These rooms already exist: 2103." in response.content.decode()
    assert Room.objects.count() == 1


def test_admin_range_form_cannot_use_another_propertys_room_type(sha, hgh, property_admin, login):
    factories.make_room_type(sha, "DK")
    foreign = factories.make_room_type(hgh, "GK")
    response = login(property_admin).post(
        "/admin/rooms/room/add-range/", {"room_type": foreign.pk, "first_number": 1, "last_number": 2}
    )
    assert response.status_code == 200
    assert not Room.objects.exists()


def test_admin_room_list_filters_and_searches(sha, property_admin, login):
    factories.make_room(sha, "2101")
    factories.make_room(sha, "3301")
    client = login(property_admin)
    assert [r.number for r in client.get("/admin/rooms/room/?floor=33").context["cl"].result_list] == ["3301"]
    assert [r.number for r in client.get("/admin/rooms/room/?q=2101").context["cl"].result_list] == ["2101"]


def test_admin_add_form_rejects_out_of_order_without_reason(sha, property_admin, login):
    room_type = factories.make_room_type(sha, "DK")
    response = login(property_admin).post(
        "/admin/rooms/room/add/",
        {
            "property": sha.pk,
            "number": "2101",
            "floor": 21,
            "room_type": room_type.pk,
            "status": "out_of_order",
            "out_of_order_reason": "",
        },
    )
    assert response.status_code == 200
    assert "Say why the room is out of order." in response.content.decode()
    assert not Room.objects.exists()


def test_admin_cannot_change_a_rooms_status_behind_the_boards_back(sha, property_admin, login):
    # The board changes status through the service with a version check; the admin shows it read-only
    room = factories.make_room(sha, "2101")
    client = login(property_admin)
    page = client.get(f"/admin/rooms/room/{room.pk}/change/").content.decode()
    assert 'name="status"' not in page
    response = client.post(
        f"/admin/rooms/room/{room.pk}/change/",
        {
            "property": sha.pk,
            "number": "2101",
            "floor": 21,
            "room_type": room.room_type_id,
            "status": "out_of_order",
            "out_of_order_reason": "Flood",
        },
    )
    assert response.status_code == 302
    room.refresh_from_db()
    assert (room.status, room.out_of_order_reason, room.version) == ("vacant_clean", "", 1)
