"""Guest screens: what staff see and do, with bad input and foreign ids handled."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guests import services
from guests.models import Guest, GuestEvent, ProfileAccess, Stay, StayStatus
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db


def _count_queries(client, url) -> int:
    client.get(url)  # warm-up: session and per-user caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _in_house(prop, guest, number, *, actor, nights=2):
    room = factories.make_room(prop, number)
    today = prop.today()
    stay = services.stay_create(
        prop=prop,
        guest=guest,
        room=room,
        arrival=today,
        departure=today + dt.timedelta(days=nights),
        actor=actor,
    )
    return services.stay_check_in(stay=stay, actor=actor)


# --- In-house list ----------------------------------------------------------------


def test_in_house_list_shows_this_hotels_guests_vips_first(sha, hgh, clerk, login):
    plain = factories.make_guest(family_name_latin="Plain", given_name_latin="Paul")
    vip = factories.make_guest(family_name_latin="Important", given_name_latin="Iris", vip_level=2)
    elsewhere = factories.make_guest(family_name_latin="Faraway", given_name_latin="Fay")
    _in_house(sha, plain, "2101", actor=clerk)
    _in_house(sha, vip, "2102", actor=clerk)
    _in_house(hgh, elsewhere, "301", actor=clerk)
    response = login(clerk).get("/guests/")
    stays = list(response.context["page"].object_list)
    assert [s.guest for s in stays] == [vip, plain]
    page = response.content.decode()
    assert "Important" in page and "Faraway" not in page


def test_departures_tab_lists_guests_leaving_today(sha, clerk, login):
    leaving = factories.make_guest(family_name_latin="Leaving", given_name_latin="Lena")
    staying = factories.make_guest(family_name_latin="Staying", given_name_latin="Sam")
    room = factories.make_room(sha, "2101")
    today = sha.today()
    stay = services.stay_create(
        prop=sha, guest=leaving, room=room, arrival=today - dt.timedelta(days=2), departure=today, actor=clerk
    )
    Stay.objects.filter(pk=stay.pk).update(status=StayStatus.IN_HOUSE)
    _in_house(sha, staying, "2102", actor=clerk)
    response = login(clerk).get("/guests/?show=departures")
    assert [s.guest for s in response.context["page"].object_list] == [leaving]
    assert "Departs today" in response.content.decode()


def test_in_house_list_query_count_does_not_grow(sha, clerk, login):
    client = login(clerk)
    _in_house(sha, factories.make_guest(), "2001", actor=clerk)
    one = _count_queries(client, "/guests/")
    for n in range(2, 31):
        _in_house(sha, factories.make_guest(), f"20{n:02d}", actor=clerk)
    assert _count_queries(client, "/guests/") == one


@pytest.mark.parametrize("query", ["?show=nonsense", "?page=abc", "?page=99999", "?show=<b>"])
def test_in_house_list_shrugs_off_bad_parameters(sha, clerk, login, query):
    assert login(clerk).get("/guests/" + query).status_code == 200


def test_in_house_filter_by_room_name_vip_and_not_yet_asked(sha, clerk, login):
    # Given three guests in house: a VIP, a guest already asked how the stay is going, and one not yet
    from complaints.services import courtesy_check_log

    vip = _in_house(sha, factories.make_guest("王", "芳", vip_level=2), "2606", actor=clerk)
    asked = _in_house(
        sha, factories.make_guest(family_name_latin="Smith", given_name_latin="Anna"), "2101", actor=clerk
    )
    _in_house(sha, factories.make_guest("李", "雷"), "3105", actor=clerk)
    courtesy_check_log(prop=sha, stay=asked, actor=clerk, outcome="all_good")
    client = login(clerk)

    def rooms(query: str) -> list[str]:
        return sorted(s.room.number for s in client.get("/guests/" + query).context["page"].object_list)

    # When the clerk types a room, a name (pinyin, Chinese, Latin), ticks VIP or "not yet asked"
    assert rooms("?q=21") == ["2101"]
    assert rooms("?q=wang") == ["2606"]
    assert rooms("?q=李雷") == ["3105"]
    assert rooms("?q=smith") == ["2101"]
    assert rooms("?vip=1") == ["2606"]
    assert rooms("?not_asked=1") == ["2606", "3105"]
    assert rooms("?not_asked=1&vip=1") == ["2606"]
    # Then the filter works on departures too and survives paging links
    assert rooms("?show=departures&q=2606") == []
    page = client.get("/guests/?q=wang&not_asked=1").content.decode()
    assert 'name="not_asked" value="1" checked' in page and 'value="wang"' in page
    assert vip.guest.vip_level == 2


def test_in_house_filter_query_count_does_not_grow(sha, clerk, login):
    client = login(clerk)
    _in_house(sha, factories.make_guest(vip_level=1), "2001", actor=clerk)
    url = "/guests/?q=20&vip=1&not_asked=1"
    one = _count_queries(client, url)
    for n in range(2, 31):
        _in_house(sha, factories.make_guest(vip_level=1), f"20{n:02d}", actor=clerk)
    assert len(client.get(url).context["page"].object_list) == 30
    assert _count_queries(client, url) == one


@pytest.mark.parametrize("query", ["?q=%00", "?q=" + "x" * 500, "?vip=<b>", "?not_asked=2", "?q=+%2B"])
def test_in_house_filter_shrugs_off_bad_input(sha, clerk, login, query):
    assert login(clerk).get("/guests/" + query).status_code == 200


# --- Search -----------------------------------------------------------------------


def test_search_page_query_count_is_the_same_for_1_and_50_results(sha, clerk, login):
    client = login(clerk)
    factories.make_guest("王", "伟", phones=["+8613800000001"])
    # 50 a page (a staff member's choice; 25 by default)
    one = _count_queries(client, "/guests/search/?q=王&per_page=50")
    for n in range(2, 52):
        guest = factories.make_guest("王", f"小{chr(0x4E00 + n)}", phones=[f"+86138000000{n:02d}"])
        if n % 10 == 0:
            _in_house(sha, guest, f"21{n:02d}", actor=clerk)
    response = client.get("/guests/search/?q=王&per_page=50")
    assert len(response.context["result"].guests) == 50
    assert _count_queries(client, "/guests/search/?q=王&per_page=50") == one


def test_search_finds_by_room_number_and_shows_it(sha, clerk, login):
    guest = factories.make_guest("李", "娜")
    _in_house(sha, guest, "2808", actor=clerk)
    response = login(clerk).get("/guests/search/?q=2808")
    assert response.context["result"].guests == [guest]
    assert "Room 2808" in response.content.decode()


def test_header_search_box_is_on_every_page_for_front_desk(sha, clerk, login):
    assert 'action="/guests/search/"' in login(clerk).get("/rooms/").content.decode()


@pytest.mark.parametrize(
    "q", ["", " ", "%", "_", "' OR 1=1 --", "<script>alert(1)</script>", "😀", "x" * 500]
)
def test_search_handles_hostile_input(sha, clerk, login, q):
    response = login(clerk).get("/guests/search/", {"q": q})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


# --- Profile ----------------------------------------------------------------------


def test_opening_a_profile_is_recorded(sha, clerk, login):
    guest = factories.make_guest("张", "三")
    login(clerk).get(f"/guests/{guest.pk}/")
    access = ProfileAccess.objects.get(guest=guest)
    assert (access.user, access.property, access.action) == (clerk, sha, "view")


def test_profile_shows_name_salutation_and_preferences(sha, clerk, login):
    guest = factories.make_guest(
        "张", "三", salutation="mr", phones=["+8613812345678"], preferences=[("pillow", "feather")]
    )
    page = login(clerk).get(f"/guests/{guest.pk}/").content.decode()
    assert "Mr Zhang" in page and "张三" in page and "ZHANG San" in page
    assert "feather" in page
    assert "+86 138 1234 5678" in page


def test_profile_of_staff_at_one_hotel_summarises_other_hotels(sha, hgh, clerk, login):
    guest = factories.make_guest(family_name_latin="Traveller", given_name_latin="Tom")
    other_clerk = factories.front_desk_at(hgh)
    room = factories.make_room(hgh, "301")
    stay = services.stay_create(
        prop=hgh,
        guest=guest,
        room=room,
        arrival=dt.date(2026, 1, 1),
        departure=dt.date(2026, 1, 3),
        actor=other_clerk,
        confirmation_number="HGH-SECRET-1",
    )
    Stay.objects.filter(pk=stay.pk).update(status=StayStatus.CHECKED_OUT)
    page = login(clerk).get(f"/guests/{guest.pk}/").content.decode()
    assert "HGH-SECRET-1" not in page  # no row of another property
    assert "Also stayed at" in page and "HGH" in page  # but the guest is recognised
    director = factories.make_staff(group_role=roles.GROUP_DIRECTOR)
    assert "HGH-SECRET-1" in login(director).get(f"/guests/{guest.pk}/").content.decode()


def test_unknown_guest_is_404(sha, clerk, login):
    assert login(clerk).get("/guests/999999/").status_code == 404


def test_profile_query_count_does_not_grow_with_stays(sha, clerk, login):
    guest = factories.make_guest("陈", "静")
    client = login(clerk)
    first = _count_queries(client, f"/guests/{guest.pk}/")
    for n in range(10):
        room = factories.make_room(sha, f"25{n:02d}")
        stay = services.stay_create(
            prop=sha,
            guest=guest,
            room=room,
            arrival=dt.date(2025, 1, 1 + n),
            departure=dt.date(2025, 1, 2 + n),
            actor=clerk,
        )
        Stay.objects.filter(pk=stay.pk).update(status=StayStatus.CHECKED_OUT)
    assert _count_queries(client, f"/guests/{guest.pk}/") == first


# --- Create and edit ----------------------------------------------------------------


def _form(**overrides):
    data = {
        "salutation": "ms",
        "family_name_cjk": "",
        "given_name_cjk": "",
        "family_name_latin": "Smith",
        "given_name_latin": "Sarah",
        "phones": "",
        "email": "",
        "nationality": "",
        "preferred_language": "",
        "company": "",
        "vip_level": 0,
        "preference_notes": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_create_guest_with_normalised_phone_and_preferences(sha, clerk, login):
    response = login(clerk).post(
        "/guests/new/",
        _form(
            phones="138 1234 5678\n+44 20 7946 0958",
            email="Sarah@Example.COM",
            pref_pillow="feather, buckwheat",
            pref_allergy="peanuts",
        ),
    )
    guest = Guest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/guests/{guest.pk}/"
    assert sorted(guest.phones.values_list("number", flat=True)) == ["+442079460958", "+8613812345678"]
    assert guest.email == "sarah@example.com"
    assert sorted(guest.preferences.values_list("value", flat=True)) == ["buckwheat", "feather", "peanuts"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phones": "12"}, "phones", "Not a phone number: 12"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"family_name_latin": "", "given_name_latin": ""}, None, "Enter the guest's name"),
        ({"family_name_latin": "x" * 61}, "family_name_latin", "at most 60"),
        ({"family_name_cjk": "Smith"}, "family_name_cjk", "Chinese characters only"),
        ({"given_name_latin": "<script>"}, "given_name_latin", "letters only"),
        ({"nationality": "China"}, "nationality", "two-letter"),
        ({"vip_level": 9}, "vip_level", "valid choice"),
    ],
)
def test_bad_guest_input_is_a_field_error_and_nothing_is_saved(sha, clerk, login, overrides, field, message):
    response = login(clerk).post("/guests/new/", _form(**overrides))
    assert response.status_code == 400
    form = response.context["form"]
    errors = " ".join(form.errors.get(field or "__all__", []))
    assert message in errors, form.errors
    assert not Guest.objects.exists()


def test_duplicate_warning_then_create_anyway(sha, clerk, login):
    existing = factories.make_guest(
        family_name_latin="Smith", given_name_latin="Sarah", phones=["+8613812345678"]
    )
    client = login(clerk)
    response = client.post(
        "/guests/new/", _form(family_name_latin="Other", given_name_latin="Olga", phones="13812345678")
    )
    assert response.status_code == 200
    assert response.context["duplicates"] == [existing]
    assert "may already have a profile" in response.content.decode()
    assert Guest.objects.count() == 1
    response = client.post(
        "/guests/new/",
        _form(
            family_name_latin="Other",
            given_name_latin="Olga",
            phones="13812345678",
            confirm_not_duplicate="on",
        ),
    )
    assert response.status_code == 302
    assert Guest.objects.count() == 2


def test_duplicate_warning_by_email_and_by_name(sha, clerk, login):
    by_email = factories.make_guest(family_name_latin="Mail", given_name_latin="Max", email="max@example.com")
    by_name = factories.make_guest("张", "三")
    client = login(clerk)
    assert client.post("/guests/new/", _form(email="MAX@example.com")).context["duplicates"] == [by_email]
    response = client.post(
        "/guests/new/",
        _form(family_name_latin="", given_name_latin="", family_name_cjk="张", given_name_cjk="三"),
    )
    assert response.context["duplicates"] == [by_name]


def test_concurrent_edits_do_not_overwrite_each_other(sha, clerk, grm, login):
    guest = factories.make_guest(family_name_latin="Smith", given_name_latin="Sarah")
    first, second = login(clerk), login(grm)
    form_a = first.get(f"/guests/{guest.pk}/edit/").context["form"].initial
    form_b = second.get(f"/guests/{guest.pk}/edit/").context["form"].initial
    assert (
        first.post(f"/guests/{guest.pk}/edit/", _form(company="Alpha", version=form_a["version"])).status_code
        == 302
    )
    response = second.post(f"/guests/{guest.pk}/edit/", _form(company="Beta", version=form_b["version"]))
    assert response.status_code == 409
    assert "Someone else saved" in response.content.decode()
    guest.refresh_from_db()
    assert guest.company == "Alpha"


# --- Privacy: export, erase, merge -----------------------------------------------------


def test_front_desk_cannot_export_erase_or_merge(sha, clerk, login):
    guest = factories.make_guest("张", "三")
    client = login(clerk)
    assert client.get(f"/guests/{guest.pk}/export.json").status_code == 403
    assert client.post(f"/guests/{guest.pk}/erase/", {"reason": "x", "confirm": "on"}).status_code == 403
    assert client.post(f"/guests/{guest.pk}/merge/", {"source": guest.pk}).status_code == 403
    guest.refresh_from_db()
    assert guest.erased_at is None


def test_grm_exports_everything_held_about_a_guest(sha, grm, clerk, login):
    guest = factories.make_guest(
        "张", "三", phones=["+8613812345678"], email="zs@example.com", preferences=[("pillow", "feather")]
    )
    _in_house(sha, guest, "2101", actor=clerk)
    login(clerk).get(f"/guests/{guest.pk}/")
    response = login(grm).get(f"/guests/{guest.pk}/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    assert document["guest"]["family_name_cjk"] == "张"
    assert document["guest"]["email"] == "zs@example.com"
    assert document["phones"] == [{"number": "+8613812345678", "label": ""}]
    assert document["preferences"] == [{"category": "pillow", "value": "feather"}]
    assert [s["room__number"] for s in document["stays"]] == ["2101"]
    assert {a["user__username"] for a in document["profile_accesses"]} >= {"clerk"}
    assert {e["kind"] for e in document["events"]} >= {"created"}
    assert GuestEvent.objects.filter(guest=guest, kind="exported", actor=grm).exists()


def test_grm_erases_a_guest_and_the_old_identifiers_find_nothing(sha, grm, login):
    guest = factories.make_guest("张", "三", phones=["+8613812345678"], email="zs@example.com")
    client = login(grm)
    assert client.post(f"/guests/{guest.pk}/erase/", {"reason": ""}).status_code == 400
    response = client.post(f"/guests/{guest.pk}/erase/", {"reason": "Guest's request", "confirm": "on"})
    assert response.status_code == 302
    for q in ("张三", "zhangsan", "5678", "13812345678", "zs@example.com"):
        assert client.get("/guests/search/", {"q": q}).context["result"].guests == [], q
    page = client.get(f"/guests/{guest.pk}/").content.decode()
    assert "张三" not in page and "zs@example.com" not in page and "erased" in page


def test_grm_merges_a_duplicate_through_the_screen(sha, grm, clerk, login):
    keep = factories.make_guest("张", "三", phones=["+8613812345678"])
    duplicate = factories.make_guest("张", "三", email="zs@example.com")
    _in_house(sha, duplicate, "2101", actor=clerk)
    client = login(grm)
    assert client.get(f"/guests/{keep.pk}/merge/?q=张三").status_code == 200
    assert client.get(f"/guests/{keep.pk}/merge/?source={duplicate.pk}").status_code == 200
    response = client.post(f"/guests/{keep.pk}/merge/", {"source": duplicate.pk})
    assert response.status_code == 302
    keep.refresh_from_db()
    assert keep.email == "zs@example.com"
    assert Stay.objects.get().guest == keep
    # the old profile's address now leads to the kept one
    assert client.get(f"/guests/{duplicate.pk}/")["Location"] == f"/guests/{keep.pk}/"


# --- Stays: book, check in and out -------------------------------------------------------


def test_front_desk_books_and_checks_in_from_the_screen(sha, clerk, login):
    guest = factories.make_guest("李", "娜")
    room = factories.make_room(sha, "2101")
    today = sha.today()
    response = login(clerk).post(
        f"/guests/{guest.pk}/stays/new/",
        {
            "room": room.pk,
            "arrival": today.isoformat(),
            "departure": (today + dt.timedelta(days=2)).isoformat(),
            "adults": 1,
            "check_in_now": "on",
        },
    )
    assert response.status_code == 302
    stay = Stay.objects.get()
    assert stay.status == StayStatus.IN_HOUSE and stay.checked_in_at
    room.refresh_from_db()
    assert room.status == "occupied"


def test_double_booking_a_room_is_a_clear_message_and_saves_nothing(sha, clerk, login):
    first = factories.make_guest("李", "娜")
    second = factories.make_guest("王", "伟")
    stay = _in_house(sha, first, "2101", actor=clerk)
    today = sha.today()
    response = login(clerk).post(
        f"/guests/{second.pk}/stays/new/",
        {
            "room": stay.room_id,
            "arrival": today.isoformat(),
            "departure": (today + dt.timedelta(days=1)).isoformat(),
            "adults": 1,
            "check_in_now": "on",
        },
    )
    assert response.status_code == 400
    assert "is occupied by" in response.content.decode()
    assert Stay.objects.count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"departure": "2026-01-01", "arrival": "2026-01-05"},
        {"arrival": "not-a-date"},
        {"room": "999999"},
        {"adults": "0"},
        {"confirmation_number": "<bad>"},
    ],
)
def test_bad_stay_input_is_a_form_error(sha, clerk, login, overrides):
    guest = factories.make_guest("李", "娜")
    room = factories.make_room(sha, "2101")
    data = {"room": room.pk, "arrival": "2026-01-01", "departure": "2026-01-03", "adults": 1, **overrides}
    response = login(clerk).post(f"/guests/{guest.pk}/stays/new/", data)
    assert response.status_code == 400
    assert not Stay.objects.exists()


def test_cannot_book_another_hotels_room(sha, hgh, clerk, login):
    guest = factories.make_guest("李", "娜")
    foreign = factories.make_room(hgh, "301")
    response = login(clerk).post(
        f"/guests/{guest.pk}/stays/new/",
        {"room": foreign.pk, "arrival": "2026-01-01", "departure": "2026-01-03", "adults": 1},
    )
    assert response.status_code == 400
    assert not Stay.objects.exists()


def test_check_out_from_the_in_house_list(sha, clerk, login):
    stay = _in_house(sha, factories.make_guest("李", "娜"), "2101", actor=clerk)
    response = login(clerk).post(f"/guests/stays/{stay.pk}/check-out/", {"next": "/guests/"})
    assert response.status_code == 302 and response["Location"] == "/guests/"
    stay.refresh_from_db()
    assert stay.status == StayStatus.CHECKED_OUT
    assert stay.room.status == "vacant_dirty"


def test_another_hotels_stay_cannot_be_checked_out(sha, hgh, clerk, login):
    other = factories.front_desk_at(hgh)
    stay = _in_house(hgh, factories.make_guest("李", "娜"), "301", actor=other)
    assert login(clerk).post(f"/guests/stays/{stay.pk}/check-out/").status_code == 404
    stay.refresh_from_db()
    assert stay.status == StayStatus.IN_HOUSE


def test_check_in_and_out_need_post(sha, clerk, login):
    stay = _in_house(sha, factories.make_guest("李", "娜"), "2101", actor=clerk)
    assert login(clerk).get(f"/guests/stays/{stay.pk}/check-out/").status_code == 405


def test_room_page_shows_who_is_in_the_room(sha, clerk, login):
    stay = _in_house(sha, factories.make_guest("李", "娜", salutation="ms"), "2101", actor=clerk)
    panel = login(clerk).get(f"/guests/panels/room/{stay.room_id}/").content.decode()
    assert "Ms Li" in panel and "李娜" in panel


def test_group_director_reads_but_cannot_change_guests(sha, login):
    guest = factories.make_guest("李", "娜")
    director = factories.make_staff(group_role=roles.GROUP_DIRECTOR)
    client = login(director)
    assert client.get(f"/guests/{guest.pk}/").status_code == 200
    assert client.get("/guests/new/").status_code == 403
    assert client.post(f"/guests/{guest.pk}/edit/", _form()).status_code == 403
