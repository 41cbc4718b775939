"""Guests, stays (the PMS upsert) and rooms through the API, on the same services as the UI."""

import datetime as dt

import pytest

from guests.models import Guest, GuestEvent, ProfileAccess, Stay, StayStatus
from rooms.models import Room, RoomStatus
from tests import factories

pytestmark = pytest.mark.django_db


# --- Guests ------------------------------------------------------------------------------


def test_create_read_update_a_guest(api):
    # when a guest is created with a Chinese name and a local phone number
    created = api.post(
        "/api/v1/guests/",
        {"family_name_cjk": "张", "given_name_cjk": "伟", "phones": ["138 1234 5678"], "vip_level": 1},
    )
    # then the profile is built like the UI's: pinyin, E.164 phone, a "created" event by the token's account
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["romanised_name"] == "zhang wei" or "zhang" in body["romanised_name"].lower()
    assert body["phones"] == ["+8613812345678"]
    guest = Guest.objects.get(pk=body["id"])
    assert GuestEvent.objects.get(guest=guest).actor == api.token.user
    # when it is read, the reading is logged like a profile opening
    assert api.get(f"/api/v1/guests/{guest.pk}/").json()["display_name"] == guest.display_name
    assert ProfileAccess.objects.filter(guest=guest, user=api.token.user).count() == 1
    # when it is updated with the version read
    updated = api.patch(
        f"/api/v1/guests/{guest.pk}/", {"email": "Zhang@Example.com", "version": body["version"]}
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["email"] == "zhang@example.com"
    assert updated.json()["phones"] == ["+8613812345678"]  # untouched fields stay
    # and a second update with the old version is a conflict, nothing saved
    stale = api.patch(f"/api/v1/guests/{guest.pk}/", {"company": "ACME", "version": body["version"]})
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    assert Guest.objects.get(pk=guest.pk).company == ""


def test_guest_without_a_name_is_a_clear_error(api):
    response = api.post("/api/v1/guests/", {"email": "x@example.com"})
    assert response.status_code == 400
    assert "name" in response.json()["errors"]["non_field_errors"][0]
    bad_phone = api.post("/api/v1/guests/", {"family_name_latin": "Smith", "phones": ["abc"]})
    assert bad_phone.status_code == 400
    assert "phones" in bad_phone.json()["errors"]
    assert not Guest.objects.exists()


def test_guest_search_is_the_ui_search(api, sha):
    # given a guest with a Chinese name and one in house in room 2101
    zhang = factories.make_guest("张", "伟", phones=["+8613812345678"])
    other = factories.make_guest(family_name_latin="Smith", given_name_latin="John")
    room = factories.make_room(sha, "2101")
    from guests.services import stay_create

    stay_create(
        prop=sha,
        guest=other,
        room=room,
        arrival=sha.today(),
        departure=sha.today() + dt.timedelta(days=2),
        actor=factories.make_staff(),
        check_in=True,
    )
    # then pinyin, the last four digits of the phone and the room number find them
    assert [g["id"] for g in api.get("/api/v1/guests/search/", q="zhang wei").json()["results"]] == [zhang.pk]
    assert [g["id"] for g in api.get("/api/v1/guests/search/", q="5678").json()["results"]] == [zhang.pk]
    assert [g["id"] for g in api.get("/api/v1/guests/search/", q="2101").json()["results"]] == [other.pk]


def test_guest_list_query_count_does_not_grow(api, django_assert_max_num_queries):
    for _ in range(3):
        factories.make_guest(phones=["+8613800000001"])
    with django_assert_max_num_queries(20) as few:
        assert len(api.get("/api/v1/guests/").json()["results"]) == 3
    for _ in range(30):
        factories.make_guest(phones=["+8613800000002"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/guests/").json()["results"]) == 33


# --- Stays: the PMS upsert ----------------------------------------------------------------


def _push(api, number, guest, room, status="reserved", **extra):
    today = dt.date.today()
    body = {
        "guest": guest.pk,
        "room": room.number,
        "arrival_date": str(extra.pop("arrival", today)),
        "departure_date": str(extra.pop("departure", today + dt.timedelta(days=3))),
        "status": status,
        **extra,
    }
    return api.put(f"/api/v1/stays/{number}/", body)


@pytest.fixture
def stay_today(sha):
    # The property's business day (Asia/Shanghai) may differ from the machine's date.
    return sha.today()


def test_the_same_pms_message_twice_makes_one_stay(api, sha, room, stay_today):
    guest = factories.make_guest()
    first = _push(
        api, "opera-123", guest, room, arrival=stay_today, departure=stay_today + dt.timedelta(days=2)
    )
    again = _push(
        api, "OPERA-123", guest, room, arrival=stay_today, departure=stay_today + dt.timedelta(days=2)
    )
    assert (first.status_code, again.status_code) == (201, 200), (first.content, again.content)
    assert Stay.objects.filter(property=sha).count() == 1
    assert again.json()["version"] == first.json()["version"]  # nothing changed the second time
    assert again.json()["confirmation_number"] == "OPERA-123"


def test_check_in_then_check_out_by_repeated_pushes_moves_the_room(api, sha, room, stay_today):
    guest = factories.make_guest()
    dates = {"arrival": stay_today, "departure": stay_today + dt.timedelta(days=2)}
    assert _push(api, "R1", guest, room, **dates).status_code == 201
    # when the PMS pushes the check-in (twice: it retries)
    for _ in range(2):
        response = _push(api, "R1", guest, room, status="in_house", **dates)
        assert response.status_code == 200, response.content
    stay = Stay.objects.get(confirmation_number="R1")
    assert stay.status == StayStatus.IN_HOUSE
    assert Room.objects.get(pk=room.pk).status == RoomStatus.OCCUPIED
    # when it pushes the check-out
    response = _push(api, "R1", guest, room, status="checked_out", **dates)
    assert response.status_code == 200
    assert Stay.objects.get(pk=stay.pk).status == StayStatus.CHECKED_OUT
    assert Room.objects.get(pk=room.pk).status == RoomStatus.VACANT_DIRTY
    # and a check-in after the check-out is refused with the reason, nothing changed
    response = _push(api, "R1", guest, room, status="in_house", **dates)
    assert response.status_code == 409
    assert "cannot become" in response.json()["detail"]


def test_pushed_changes_and_cancellation(api, sha, room, stay_today):
    guest = factories.make_guest()
    other_room = factories.make_room(sha, "2102")
    dates = {"arrival": stay_today + dt.timedelta(days=5), "departure": stay_today + dt.timedelta(days=7)}
    _push(api, "R2", guest, room, **dates)
    # a room change and a longer stay before arrival are applied to the same stay
    response = _push(
        api,
        "R2",
        guest,
        other_room,
        arrival=dates["arrival"],
        departure=dates["arrival"] + dt.timedelta(days=4),
    )
    assert response.status_code == 200, response.content
    assert response.json()["room"] == "2102"
    assert response.json()["departure_date"] == str(dates["arrival"] + dt.timedelta(days=4))
    # a check-in before the arrival day goes through the same rule as the front desk
    early = _push(
        api,
        "R2",
        guest,
        other_room,
        status="in_house",
        arrival=dates["arrival"],
        departure=dates["arrival"] + dt.timedelta(days=4),
    )
    assert early.status_code == 409
    assert "cannot be checked in earlier" in early.json()["detail"]
    # the cancellation
    cancelled = _push(
        api,
        "R2",
        guest,
        other_room,
        status="cancelled",
        arrival=dates["arrival"],
        departure=dates["arrival"] + dt.timedelta(days=4),
    )
    assert cancelled.status_code == 200
    assert Stay.objects.get(confirmation_number="R2").status == StayStatus.CANCELLED
    assert Stay.objects.count() == 1


def test_a_push_based_on_an_older_read_is_refused_not_applied(api, sha, room, stay_today):
    """Agent A extends the stay, agent B adds a note; A's retried push (read before B's) must not take
    B's note away. With the version it read, the older push is refused; without, it applies as before."""
    guest = factories.make_guest()
    dates = {"arrival": stay_today, "departure": stay_today + dt.timedelta(days=2)}
    read = _push(api, "R5", guest, room, **dates).json()["version"]
    noted = _push(api, "R5", guest, room, notes="nut allergy", version=read, **dates)
    assert noted.status_code == 200 and noted.json()["version"] == read + 1
    longer = {**dates, "departure": stay_today + dt.timedelta(days=4)}
    stale = _push(api, "R5", guest, room, version=read, **longer)
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict", stale.content
    stay = Stay.objects.get(confirmation_number="R5")
    assert (stay.notes, stay.departure_date) == ("nut allergy", dates["departure"])
    fresh = _push(api, "R5", guest, room, notes="nut allergy", version=stay.version, **longer)
    assert fresh.status_code == 200 and fresh.json()["departure_date"] == str(longer["departure"])


def test_stay_push_bad_input(api, room, stay_today):
    guest = factories.make_guest()
    backwards = _push(api, "R3", guest, room, arrival=stay_today, departure=stay_today)
    assert backwards.status_code == 400
    assert "departure_date" in backwards.json()["errors"]
    no_room = api.put(
        "/api/v1/stays/R3/",
        {
            "guest": guest.pk,
            "room": "9999",
            "arrival_date": str(stay_today),
            "departure_date": str(stay_today + dt.timedelta(days=1)),
        },
    )
    assert no_room.status_code == 409
    assert "9999" in no_room.json()["detail"]
    assert not Stay.objects.exists()


def test_stay_read(api, room, stay_today):
    guest = factories.make_guest()
    _push(api, "R4", guest, room, arrival=stay_today, departure=stay_today + dt.timedelta(days=1))
    assert api.get("/api/v1/stays/r4/").json()["guest"] == guest.pk
    assert [s["confirmation_number"] for s in api.get("/api/v1/stays/").json()["results"]] == ["R4"]


# --- Rooms --------------------------------------------------------------------------------


def test_room_status_goes_through_the_service_with_the_version_check(api, room):
    read = api.get("/api/v1/rooms/2101/").json()
    assert read["status"] == "vacant_clean"
    changed = api.put(
        "/api/v1/rooms/2101/status/", {"status": "out_of_order", "reason": "Leak", "version": read["version"]}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["status"] == "out_of_order"
    assert Room.objects.get(pk=room.pk).status_changed_by == api.token.user
    stale = api.put("/api/v1/rooms/2101/status/", {"status": "vacant_clean", "version": read["version"]})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    no_reason = api.put(
        "/api/v1/rooms/2101/status/", {"status": "out_of_order", "version": read["version"] + 1}
    )
    assert no_reason.status_code == 409
    assert "out of order" in no_reason.json()["detail"]


def test_room_list_query_count_does_not_grow(api, sha, django_assert_max_num_queries):
    for n in range(3):
        factories.make_room(sha, str(2201 + n))
    with django_assert_max_num_queries(20) as few:
        api.get("/api/v1/rooms/")
    for n in range(30):
        factories.make_room(sha, str(2301 + n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/rooms/").json()["results"]) == 33


def test_cursor_pagination(api, sha):
    for n in range(5):
        factories.make_room(sha, str(2401 + n))
    first = api.get("/api/v1/rooms/", page_size=2).json()
    second = api.client.get(first["next"], headers={"Authorization": f"Bearer {api.raw}"}).json()
    seen = [r["number"] for r in first["results"] + second["results"]]
    assert len(set(seen)) == 4


def test_guest_detail_has_preferences_and_notes(api):
    created = api.post(
        "/api/v1/guests/",
        {
            "family_name_latin": "Brown",
            "notes": "Late riser",
            "preferences": [{"category": "pillow", "value": "Soft"}],
        },
    ).json()
    assert created["preferences"] == [{"category": "pillow", "value": "Soft"}]
    detail = api.get(f"/api/v1/guests/{created['id']}/").json()
    assert (detail["notes"], detail["preferences"]) == (
        "Late riser",
        [{"category": "pillow", "value": "Soft"}],
    )
    assert "notes" not in api.get("/api/v1/guests/").json()["results"][0]


def test_search_and_stay_list_query_counts_do_not_grow(
    api, sha, room, stay_today, django_assert_max_num_queries
):
    def seed(n, start):
        for i in range(n):
            guest = factories.make_guest(family_name_latin="Wang", given_name_latin=f"Li{start + i}")
            _push(
                api,
                f"Q{start + i}",
                guest,
                room,
                arrival=stay_today + dt.timedelta(days=10 + 3 * (start + i)),
                departure=stay_today + dt.timedelta(days=11 + 3 * (start + i)),
            )

    seed(2, 0)
    with django_assert_max_num_queries(20) as search_few:
        assert len(api.get("/api/v1/guests/search/", q="wang").json()["results"]) == 2
    search_queries = len(search_few.captured_queries)  # the next capture resets the log
    with django_assert_max_num_queries(20) as stays_few:
        assert len(api.get("/api/v1/stays/").json()["results"]) == 2
    stay_queries = len(stays_few.captured_queries)
    seed(20, 2)
    with django_assert_max_num_queries(search_queries):
        assert len(api.get("/api/v1/guests/search/", q="wang").json()["results"]) == 22
    with django_assert_max_num_queries(stay_queries):
        assert len(api.get("/api/v1/stays/").json()["results"]) == 22
