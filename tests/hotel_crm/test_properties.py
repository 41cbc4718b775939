"""Hotel groups: each page shows the current property only; staff switch between theirs."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError
from django.utils import timezone

from hotel_crm import roles
from hotel_crm.models import StaffMembership, StaffProfile
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hotels(sha, hgh):
    sha_room = factories.make_room(sha, "2101")
    hgh_room = factories.make_room(hgh, "301")
    return sha_room, hgh_room


def test_room_board_lists_only_the_current_propertys_rooms(two_hotels, clerk, login):
    sha_room, hgh_room = two_hotels
    page = login(clerk).get("/rooms/").content.decode()
    assert f'href="/rooms/{sha_room.pk}/"' in page
    assert f'href="/rooms/{hgh_room.pk}/"' not in page


def test_another_propertys_room_by_id_is_404_for_every_view(two_hotels, clerk, login):
    _sha_room, hgh_room = two_hotels
    client = login(clerk)
    assert client.get(f"/rooms/{hgh_room.pk}/").status_code == 404
    response = client.post(f"/rooms/{hgh_room.pk}/status/", {"status": "vacant_dirty", "version": 1})
    assert response.status_code == 404
    hgh_room.refresh_from_db()
    assert hgh_room.status == "vacant_clean"


def test_switcher_is_hidden_with_one_property_and_shown_with_two(sha, hgh, two_hotels, login):
    one = factories.front_desk_at(sha)
    both = factories.front_desk_at(sha, hgh)
    assert 'name="property"' not in login(one).get("/rooms/").content.decode()
    assert 'name="property"' in login(both).get("/rooms/").content.decode()


def test_switching_property_changes_what_pages_show(sha, hgh, two_hotels, login):
    sha_room, hgh_room = two_hotels
    user = factories.front_desk_at(sha, hgh)
    client = login(user)
    client.post("/property/switch/", {"property": sha.pk})
    assert client.get(f"/rooms/{sha_room.pk}/").status_code == 200
    response = client.post("/property/switch/", {"property": hgh.pk, "next": "/rooms/"})
    assert response.status_code == 302 and response["Location"] == "/rooms/"
    page = client.get("/rooms/").content.decode()
    assert f'href="/rooms/{hgh_room.pk}/"' in page
    assert f'href="/rooms/{sha_room.pk}/"' not in page
    assert client.get(f"/rooms/{sha_room.pk}/").status_code == 404
    # and the choice is remembered for the next login
    assert StaffProfile.objects.get(user=user).last_property == hgh


def test_switching_to_a_property_you_do_not_work_in_is_refused(sha, hgh, clerk, login):
    client = login(clerk)
    assert client.post("/property/switch/", {"property": hgh.pk}).status_code == 404
    assert client.post("/property/switch/", {"property": "abc"}).status_code == 404
    assert client.get("/rooms/").context["current_property"] == sha


def test_switching_from_a_detail_page_lands_on_home_not_a_foreign_id(sha, hgh, two_hotels, login):
    sha_room, _ = two_hotels
    client = login(factories.front_desk_at(sha, hgh))
    response = client.post("/property/switch/", {"property": hgh.pk, "next": f"/rooms/{sha_room.pk}/"})
    assert response["Location"] == "/"
    response = client.post("/property/switch/", {"property": sha.pk, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_role_is_per_property(sha, hgh, two_hotels, login):
    sha_room, _hgh_room = two_hotels
    # A property administrator at SHA who is only a clerk at HGH
    user = factories.make_staff(
        roles_at={sha: roles.PROPERTY_ADMINISTRATOR, hgh: roles.FRONT_DESK}, is_staff=True
    )
    client = login(user)
    client.post("/property/switch/", {"property": sha.pk})
    assert client.get("/admin/rooms/room/add-range/").status_code == 200
    assert client.get(f"/rooms/{sha_room.pk}/").status_code == 200
    client.post("/property/switch/", {"property": hgh.pk})
    # the same person is only a clerk here: no room setup
    assert client.get("/admin/rooms/room/add-range/").status_code == 403
    assert client.get("/admin/rooms/room/add/").status_code == 403


def test_admin_for_a_property_scoped_staff_member_lists_only_their_propertys_rooms(
    sha, hgh, two_hotels, login
):
    sha_room, hgh_room = two_hotels
    user = factories.make_staff(roles_at={sha: roles.PROPERTY_ADMINISTRATOR}, is_staff=True)
    client = login(user)
    changelist = client.get("/admin/rooms/room/")
    assert changelist.status_code == 200
    numbers = [room.number for room in changelist.context["cl"].result_list]
    assert numbers == ["2101"]
    # another property's room cannot be opened or changed through the admin
    response = client.get(f"/admin/rooms/room/{hgh_room.pk}/change/")
    assert response.status_code == 302
    assert client.get(f"/admin/rooms/room/{sha_room.pk}/change/").status_code == 200


def test_group_director_sees_every_property_and_can_switch(sha, hgh, two_hotels, login):
    director = factories.make_staff(group_role=roles.GROUP_DIRECTOR)
    client = login(director)
    page = client.get("/rooms/")
    assert page.status_code == 200
    assert {p.code for p in page.context["switchable_properties"]} == {"SHA", "HGH"}
    client.post("/property/switch/", {"property": hgh.pk})
    assert client.get("/rooms/").context["current_property"] == hgh


def test_superuser_sees_all_properties_in_the_admin(sha, hgh, two_hotels, login):
    admin_user = factories.make_staff(is_staff=True, is_superuser=True)
    changelist = login(admin_user).get("/admin/rooms/room/")
    assert {room.number for room in changelist.context["cl"].result_list} == {"2101", "301"}


def test_inactive_property_is_not_offered(sha, hgh, login):
    user = factories.front_desk_at(sha, hgh)
    hgh.is_active = False
    hgh.save()
    page = login(user).get("/rooms/")
    assert page.context["switchable_properties"] == []
    assert page.context["current_property"] == sha


def test_business_day_follows_each_propertys_time_zone(db):
    shanghai = factories.make_property("SH1", time_zone="Asia/Shanghai")
    new_york = factories.make_property("NY1", time_zone="America/New_York")
    # 2026-11-23 20:30 UTC is already the 24th in Shanghai, still the 23rd in New York
    instant = dt.datetime(2026, 11, 23, 20, 30, tzinfo=dt.UTC)
    assert shanghai.today(instant) == dt.date(2026, 11, 24)
    assert new_york.today(instant) == dt.date(2026, 11, 23)
    start, end = new_york.day_bounds(dt.date(2026, 11, 23))
    assert start == dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(hours=24)


def test_pages_render_times_in_the_current_propertys_time_zone(sha, login):
    new_york = factories.make_property("NYC", time_zone="America/New_York")
    room = factories.make_room(new_york, "501")
    client = login(factories.front_desk_at(new_york))
    client.post(f"/rooms/{room.pk}/status/", {"status": "vacant_dirty", "version": room.version})
    room.refresh_from_db()
    page = client.get(f"/rooms/{room.pk}/").content.decode()
    # 24-hour times in the property's date style (hotel_crm.dates), e.g. "7 Dec 2026 03:09"
    in_new_york = timezone.localtime(room.status_changed_at, new_york.tzinfo).strftime("%H:%M")
    in_shanghai = timezone.localtime(room.status_changed_at, sha.tzinfo).strftime("%H:%M")
    assert in_new_york in page
    assert in_shanghai not in page


def test_one_role_per_user_and_property(sha, clerk):
    with pytest.raises(IntegrityError):
        StaffMembership.objects.create(
            user=clerk, property=sha, role=Group.objects.get(name=roles.FRONT_DESK)
        )


def test_first_login_opens_the_home_hotel_not_the_alphabetically_first(sha, hgh, login):
    # Given a clerk whose first role was at SHA and who later also got one at HGH
    user = factories.front_desk_at(sha, hgh)
    # Then SHA opens first, though HGH sorts first
    assert login(user).get("/rooms/").context["current_property"] == sha
