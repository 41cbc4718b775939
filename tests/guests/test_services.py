import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from guests import services
from guests.models import Guest, GuestEvent, GuestPhone, GuestPreference, Stay, StayStatus
from guests.phones import InvalidPhone, normalise_phone
from guests.services import GuestData, GuestError, StaleGuest
from rooms.models import Room, RoomStatus
from tests import factories

pytestmark = pytest.mark.django_db

# A fixed instant (10:30 in Shanghai) so no test depends on the clock.
NOW = dt.datetime(2026, 3, 14, 2, 30, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def book(prop, guest, room, actor, *, arrival=None, nights=2, **kwargs) -> Stay:
    arrival = arrival or prop.today(NOW)
    return services.stay_create(
        prop=prop,
        guest=guest,
        room=room,
        arrival=arrival,
        departure=arrival + nights * DAY,
        actor=actor,
        **kwargs,
    )


def kinds(guest: Guest) -> list[str]:
    return sorted(GuestEvent.objects.filter(guest=guest).values_list("kind", flat=True))


# --- Phones ---------------------------------------------------------------------------


def test_a_phone_in_any_formatting_normalises_to_the_same_e164_number(settings):
    # Given a hotel in China (numbers without a country code are Chinese)
    settings.PHONE_DEFAULT_REGION = "CN"
    # When one mobile number is typed in the ways staff type it
    typed = ["138 1234 5678", "13812345678", "+86 138-1234-5678", "0086 138 1234 5678", "(138) 1234-5678"]
    # Then every form is the same E.164 number
    assert {normalise_phone(t) for t in typed} == {"+8613812345678"}
    # and a foreign number keeps its own country code
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize("typed", ["", "   ", "12", "not a phone", "+" + "1" * 45])
def test_what_is_not_a_phone_number_is_refused(typed):
    # Given something that cannot be a phone number
    # When it is normalised
    # Then it is refused
    with pytest.raises(InvalidPhone):
        normalise_phone(typed)


# --- Create and update ------------------------------------------------------------------


def test_create_stores_the_profile_with_phones_preferences_and_an_event(clerk):
    # Given what the front desk typed (phones already normalised by the form)
    data = GuestData(
        family_name_cjk="张",
        given_name_cjk="三",
        email="  Zhang.San@Example.COM ",
        nationality="cn",
        phones=[normalise_phone("138 1234 5678"), normalise_phone("+86 138-1234-5678")],
        preferences=[("pillow", "Buckwheat"), ("pillow", "Buckwheat"), ("floor", "High")],
    )
    # When the guest is created
    guest = services.guest_create(data=data, actor=clerk)
    # Then the profile is normalised: email lower-cased and trimmed, nationality upper case, pinyin derived
    guest.refresh_from_db()
    assert guest.email == "zhang.san@example.com"
    assert guest.nationality == "CN"
    assert guest.romanised_name == "ZHANG San"
    # and the phone is stored once, in E.164
    assert list(guest.phones.values_list("number", flat=True)) == ["+8613812345678"]
    # and duplicated preferences are stored once
    assert sorted(guest.preferences.values_list("category", "value")) == [
        ("floor", "High"),
        ("pillow", "Buckwheat"),
    ]
    # and search tokens cover the name, email and phone
    tokens = set(guest.search_tokens.split(" "))
    assert {"张三", "zhangsan", "@zhang.san@example.com", "tel:8613812345678", "t4:5678"} <= tokens
    assert GuestEvent.objects.get(guest=guest).kind == GuestEvent.Kind.CREATED


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_guest_needs_a_name(clerk, blank):
    # Given a profile with an email but no name
    data = GuestData(email="someone@example.com", family_name_latin=blank, given_name_cjk=blank)
    # When it is created
    with pytest.raises(GuestError, match="name"):
        services.guest_create(data=data, actor=clerk)
    # Then nothing is stored
    assert not Guest.objects.exists()


def test_names_are_stored_without_surrounding_spaces(clerk):
    # Given names typed with stray spaces
    data = GuestData(
        family_name_cjk=" 张 ", given_name_cjk="三 ", family_name_latin=" Zhang", given_name_latin="San "
    )
    # When the guest is created
    guest = services.guest_create(data=data, actor=clerk)
    # Then they are trimmed, so the name displays cleanly
    guest.refresh_from_db()
    assert (guest.display_name, guest.other_script_name) == ("张三", "San Zhang")


def test_the_database_refuses_a_guest_without_a_name(db):
    # Given no service in the way
    # When a nameless guest row is written directly
    # Then the check constraint refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        Guest.objects.create(email="x@example.com")


def test_marketing_consent_records_when_it_was_given_and_clears_when_withdrawn(clerk):
    # Given a guest who agrees to marketing
    guest = factories.make_guest(family_name_latin="Smith", given_name_latin="John", marketing_consent=True)
    assert guest.marketing_consent_at is not None
    # When the consent is withdrawn
    data = services.guest_data_of(guest)
    data.marketing_consent = False
    updated = services.guest_update(guest=guest, data=data, actor=clerk, expected_version=guest.version)
    # Then the date is cleared too
    assert (updated.marketing_consent, updated.marketing_consent_at) == (False, None)


def test_update_saves_the_change_bumps_the_version_and_rebuilds_tokens(clerk):
    # Given John Smith with one phone
    guest = factories.make_guest(
        family_name_latin="Smith", given_name_latin="John", phones=["+8613812345678"]
    )
    # When his family name and phone are corrected
    data = services.guest_data_of(guest)
    data.family_name_latin = "Smythe"
    data.phones = ["+8613900001111"]
    updated = services.guest_update(guest=guest, data=data, actor=clerk, expected_version=1)
    # Then the change is saved with a new version
    assert (updated.family_name_latin, updated.version) == ("Smythe", 2)
    assert list(updated.phones.values_list("number", flat=True)) == ["+8613900001111"]
    # and the search tokens follow: the old name and phone are gone
    tokens = set(updated.search_tokens.split(" "))
    assert {"smythe", "tel:8613900001111"} <= tokens
    assert not {"smith", "tel:8613812345678"} & tokens
    assert kinds(guest) == [GuestEvent.Kind.CREATED, GuestEvent.Kind.UPDATED]


def test_a_stale_update_is_refused_and_changes_nothing(clerk, grm):
    # Given two staff who opened the same profile at version 1, and the first one saved
    guest = factories.make_guest(family_name_latin="Smith", given_name_latin="John", email="john@example.com")
    first = services.guest_data_of(guest)
    first.email = "john.smith@example.com"
    services.guest_update(guest=guest, data=first, actor=grm, expected_version=1)
    # When the second one saves what they saw
    second = services.guest_data_of(guest)
    second.email = "js@example.com"
    second.phones = ["+8613812345678"]
    with pytest.raises(StaleGuest, match="Someone else saved"):
        services.guest_update(guest=guest, data=second, actor=clerk, expected_version=1)
    # Then the first change stands and nothing of the second was written
    guest.refresh_from_db()
    assert (guest.email, guest.version) == ("john.smith@example.com", 2)
    assert not guest.phones.exists()
    assert kinds(guest) == [GuestEvent.Kind.CREATED, GuestEvent.Kind.UPDATED]


def test_an_update_without_a_name_is_refused(clerk):
    # Given a guest
    guest = factories.make_guest(family_name_latin="Smith", given_name_latin="John")
    # When every name field is cleared
    data = services.guest_data_of(guest)
    data.family_name_latin = data.given_name_latin = ""
    with pytest.raises(GuestError, match="name"):
        services.guest_update(guest=guest, data=data, actor=clerk, expected_version=1)
    # Then the name stays
    guest.refresh_from_db()
    assert (guest.display_name, guest.version) == ("John Smith", 1)


# --- Merge ------------------------------------------------------------------------------


def test_merge_moves_stays_phones_and_preferences_and_retires_the_source(sha, clerk, grm):
    # Given two profiles of one person, each with a stay, phones and preferences (some shared)
    room = factories.make_room(sha, "2101")
    target = factories.make_guest(
        "张",
        "三",
        phones=["+8613812345678"],
        preferences=[("pillow", "Buckwheat")],
        notes="Likes tea.",
    )
    source = factories.make_guest(
        family_name_latin="Zhang",
        given_name_latin="San",
        email="zs@example.com",
        vip_level=2,
        phones=["+8613812345678", "+8613900001111"],
        preferences=[("pillow", "Buckwheat"), ("floor", "High")],
        notes="Allergic to peanuts.",
    )
    old_stay = book(sha, source, room, clerk, arrival=sha.today(NOW) - 10 * DAY)
    new_stay = book(sha, target, room, clerk)
    # When the source is merged into the target
    merged = services.guest_merge(source=source, target=target, actor=grm)
    # Then every stay, phone and preference belongs to the target, without duplicates
    assert set(Stay.objects.filter(guest=merged).values_list("pk", flat=True)) == {old_stay.pk, new_stay.pk}
    assert sorted(merged.phones.values_list("number", flat=True)) == ["+8613812345678", "+8613900001111"]
    assert sorted(merged.preferences.values_list("category", "value")) == [
        ("floor", "High"),
        ("pillow", "Buckwheat"),
    ]
    assert not GuestPhone.objects.filter(guest=source).exists()
    assert not GuestPreference.objects.filter(guest=source).exists()
    # and what the target lacked is filled from the source, without overwriting what it had
    assert (merged.family_name_cjk, merged.family_name_latin) == ("张", "Zhang")
    assert merged.email == "zs@example.com"
    assert merged.vip_level == 2
    assert "Likes tea." in merged.notes
    assert "Allergic to peanuts." in merged.notes
    # and the target is now found by the source's phone
    assert "tel:8613900001111" in merged.search_tokens.split(" ")
    # and the source is retired: merged into the target and no longer searchable
    source.refresh_from_db()
    assert source.merged_into == merged
    assert source.search_tokens == ""
    assert merged.version == 2


def test_merge_records_events_on_both_profiles_and_keeps_the_history(sha, clerk, grm):
    # Given two profiles, each with its creation event
    target = factories.make_guest(family_name_latin="Smith", given_name_latin="John")
    source = factories.make_guest(family_name_latin="Smith", given_name_latin="Jon")
    # When they are merged
    services.guest_merge(source=source, target=target, actor=grm)
    # Then the target holds both histories and a merge event naming the source
    assert kinds(target) == [GuestEvent.Kind.CREATED, GuestEvent.Kind.CREATED, GuestEvent.Kind.MERGED]
    merge_event = GuestEvent.objects.get(guest=target, kind=GuestEvent.Kind.MERGED)
    assert merge_event.actor == grm
    assert f"#{source.pk}" in merge_event.note
    # and the source keeps a pointer to where it went
    source_event = GuestEvent.objects.get(guest=source)
    assert source_event.kind == GuestEvent.Kind.MERGED
    assert f"#{target.pk}" in source_event.note


def test_a_profile_cannot_be_merged_into_itself(grm):
    # Given a guest
    guest = factories.make_guest(family_name_latin="Smith", given_name_latin="John")
    # When it is merged into itself
    with pytest.raises(GuestError, match="two different"):
        services.guest_merge(source=guest, target=guest, actor=grm)
    # Then nothing happened
    guest.refresh_from_db()
    assert guest.merged_into is None
    assert guest.version == 1
    assert kinds(guest) == [GuestEvent.Kind.CREATED]


def test_an_already_merged_profile_cannot_be_merged_again(grm):
    # Given a source already merged into a target
    target = factories.make_guest(family_name_latin="Smith", given_name_latin="John")
    other = factories.make_guest(family_name_latin="Smith", given_name_latin="Johnny")
    source = factories.make_guest(family_name_latin="Smith", given_name_latin="Jon")
    services.guest_merge(source=source, target=target, actor=grm)
    # When someone merges it again, into another profile
    with pytest.raises(GuestError, match="already merged"):
        services.guest_merge(source=source, target=other, actor=grm)
    # Then it still points to the first target
    source.refresh_from_db()
    assert source.merged_into == target


def test_a_merged_away_profile_cannot_be_edited(clerk, grm):
    # Given a retired source profile
    target = factories.make_guest(family_name_latin="Smith", given_name_latin="John")
    source = factories.make_guest(family_name_latin="Smith", given_name_latin="Jon")
    services.guest_merge(source=source, target=target, actor=grm)
    source.refresh_from_db()
    # When someone edits it
    data = services.guest_data_of(source)
    data.email = "late@example.com"
    with pytest.raises(GuestError, match="merged"):
        services.guest_update(guest=source, data=data, actor=clerk, expected_version=source.version)
    # Then it is unchanged
    source.refresh_from_db()
    assert source.email == ""


# --- Erase ------------------------------------------------------------------------------


def test_erase_blanks_personal_data_and_keeps_the_stays(sha, clerk, grm):
    # Given a guest with phones, preferences, notes and a stay with notes
    room = factories.make_room(sha, "2101")
    guest = factories.make_guest(
        "张",
        "三",
        family_name_latin="Zhang",
        given_name_latin="San",
        email="zs@example.com",
        company="ACME",
        nationality="CN",
        notes="Room key left at the bar.",
        preference_notes="Quiet room.",
        marketing_consent=True,
        phones=["+8613812345678"],
        preferences=[("allergy", "Peanuts")],
    )
    stay = book(sha, guest, room, clerk, notes="Anniversary of 张三 and his wife.")
    # When the guest is erased on request
    erased = services.guest_erase(guest=guest, actor=grm, reason="Guest's written request of 2026-03-01")
    # Then every personal field is blank
    for name in (
        "family_name_cjk",
        "given_name_cjk",
        "family_name_latin",
        "given_name_latin",
        "romanised_name",
        "email",
        "company",
        "nationality",
        "notes",
        "preference_notes",
    ):
        assert getattr(erased, name) == "", name
    assert (erased.marketing_consent, erased.marketing_consent_at) == (False, None)
    assert erased.erased_at is not None
    assert erased.display_name == f"Erased guest #{guest.pk}"
    # and phones and preferences are deleted, and it cannot be found any more
    assert not GuestPhone.objects.filter(guest=guest).exists()
    assert not GuestPreference.objects.filter(guest=guest).exists()
    assert erased.search_tokens == ""
    # and the stay is kept for statistics, its notes scrubbed
    stay.refresh_from_db()
    assert (stay.guest_id, stay.notes) == (guest.pk, "")
    # and the erasure is recorded with its reason
    event = GuestEvent.objects.get(guest=guest, kind=GuestEvent.Kind.ERASED)
    assert (event.actor, event.note) == (grm, "Guest's written request of 2026-03-01")


def test_erase_scrubs_earlier_event_notes_that_may_quote_the_name(grm):
    # Given a guest whose history quotes a merged profile's name
    target = factories.make_guest("张", "三")
    source = factories.make_guest(family_name_latin="Zhang", given_name_latin="San")
    services.guest_merge(source=source, target=target, actor=grm)
    assert "Zhang" in GuestEvent.objects.get(guest=target, kind=GuestEvent.Kind.MERGED).note
    # When the guest is erased
    services.guest_erase(guest=target, actor=grm, reason="Request")
    # Then no earlier event still holds the name
    notes = (
        GuestEvent.objects.filter(guest=target)
        .exclude(kind=GuestEvent.Kind.ERASED)
        .values_list("note", flat=True)
    )
    assert set(notes) == {""}


@pytest.mark.parametrize("reason", ["", "   "])
def test_erase_needs_a_reason(grm, reason):
    # Given a guest
    guest = factories.make_guest(
        family_name_latin="Smith", given_name_latin="John", phones=["+8613812345678"]
    )
    # When erasure is asked without a reason
    with pytest.raises(GuestError, match="why"):
        services.guest_erase(guest=guest, actor=grm, reason=reason)
    # Then nothing is erased
    guest.refresh_from_db()
    assert guest.erased_at is None
    assert guest.display_name == "John Smith"
    assert guest.phones.count() == 1
    assert "smith" in guest.search_tokens.split(" ")


def test_an_erased_guest_cannot_be_erased_edited_or_booked_again(sha, clerk, grm):
    # Given an erased guest
    guest = factories.make_guest(family_name_latin="Smith", given_name_latin="John")
    erased = services.guest_erase(guest=guest, actor=grm, reason="Request")
    room = factories.make_room(sha, "2101")
    # When anyone tries to erase, edit or book them
    # Then it is refused
    with pytest.raises(GuestError, match="already erased"):
        services.guest_erase(guest=erased, actor=grm, reason="Again")
    with pytest.raises(GuestError, match="erased"):
        services.guest_update(
            guest=erased,
            data=GuestData(family_name_latin="Smith"),
            actor=clerk,
            expected_version=erased.version,
        )
    with pytest.raises(GuestError, match="erased"):
        book(sha, erased, room, clerk)
    erased.refresh_from_db()
    assert erased.family_name_latin == ""
    assert not Stay.objects.exists()


# --- Stays: booking -----------------------------------------------------------------------


def test_a_stay_is_booked_as_reserved_with_a_confirmation_number(sha, clerk):
    # Given a guest and a room
    guest = factories.make_guest("张", "三")
    room = factories.make_room(sha, "2101")
    # When a stay is booked without a confirmation number
    stay = book(sha, guest, room, clerk, nights=3)
    # Then it is reserved, for three nights, with a number of this hotel
    assert stay.status == StayStatus.RESERVED
    assert stay.nights() == 3
    assert stay.confirmation_number.startswith("SHA-")
    assert stay.created_by == clerk


@pytest.mark.parametrize("nights", [0, -1])
def test_departure_must_be_after_arrival(sha, clerk, nights):
    # Given a guest and a room
    guest = factories.make_guest("张", "三")
    room = factories.make_room(sha, "2101")
    # When the departure is on or before the arrival
    with pytest.raises(GuestError, match="departure date must be after"):
        book(sha, guest, room, clerk, nights=nights)
    # Then no stay is booked
    assert not Stay.objects.exists()


def test_a_room_of_another_hotel_cannot_be_booked(sha, hgh, clerk):
    # Given a room in Hangzhou
    guest = factories.make_guest("张", "三")
    hangzhou_room = factories.make_room(hgh, "2101")
    # When a Shanghai stay is booked in it
    with pytest.raises(GuestError, match="another hotel"):
        book(sha, guest, hangzhou_room, clerk)
    # Then nothing is booked
    assert not Stay.objects.exists()


def test_a_confirmation_number_is_unique_within_a_hotel(sha, hgh, clerk):
    # Given a Shanghai stay SHA-0001
    guest = factories.make_guest("张", "三")
    book(sha, guest, factories.make_room(sha, "2101"), clerk, confirmation_number="SHA-0001")
    # When another Shanghai stay uses it (typed in lower case)
    with pytest.raises(GuestError, match="SHA-0001 is already used"):
        book(sha, guest, factories.make_room(sha, "2102"), clerk, confirmation_number=" sha-0001 ")
    # Then only the first exists, but Hangzhou may use the same number
    assert Stay.objects.for_property(sha).count() == 1
    other = book(hgh, guest, factories.make_room(hgh, "2101"), clerk, confirmation_number="SHA-0001")
    assert other.confirmation_number == "SHA-0001"


def test_a_merged_away_profile_cannot_be_booked(sha, clerk, grm):
    # Given a retired source profile
    target = factories.make_guest(family_name_latin="Smith", given_name_latin="John")
    source = factories.make_guest(family_name_latin="Smith", given_name_latin="Jon")
    services.guest_merge(source=source, target=target, actor=grm)
    source.refresh_from_db()
    # When a stay is booked on it
    with pytest.raises(GuestError, match="current profile"):
        book(sha, source, factories.make_room(sha, "2101"), clerk)
    # Then nothing is booked
    assert not Stay.objects.exists()


# --- Stays: check-in, check-out, cancel ---------------------------------------------------


def test_check_in_puts_the_guest_in_the_room(sha, clerk):
    # Given a stay arriving today
    room = factories.make_room(sha, "2101")
    stay = book(sha, factories.make_guest("张", "三"), room, clerk)
    # When the guest checks in
    checked_in = services.stay_check_in(stay=stay, actor=clerk, now=NOW)
    # Then the stay is in house since now, and the room is occupied
    assert (checked_in.status, checked_in.checked_in_at, checked_in.version) == (StayStatus.IN_HOUSE, NOW, 2)
    room.refresh_from_db()
    assert (room.status, room.status_changed_by) == (RoomStatus.OCCUPIED, clerk)


def test_a_second_overlapping_stay_in_an_occupied_room_cannot_check_in(sha, clerk):
    # Given Zhang San in house in 2101 for two nights, and Smith booked in 2101 from tomorrow
    room = factories.make_room(sha, "2101")
    today = sha.today(NOW)
    first = book(sha, factories.make_guest("张", "三"), room, clerk, arrival=today)
    services.stay_check_in(stay=first, actor=clerk, now=NOW)
    second = book(
        sha,
        factories.make_guest(family_name_latin="Smith", given_name_latin="John"),
        room,
        clerk,
        arrival=today + DAY,
    )
    # When Smith arrives tomorrow and the clerk checks him in
    tomorrow = NOW + DAY
    with pytest.raises(GuestError, match="2101 is occupied by 张三"):
        services.stay_check_in(stay=second, actor=clerk, now=tomorrow)
    # Then nothing changed: Smith is still reserved, Zhang San still in house
    second.refresh_from_db()
    assert (second.status, second.checked_in_at, second.version) == (StayStatus.RESERVED, None, 1)
    first.refresh_from_db()
    assert first.status == StayStatus.IN_HOUSE
    assert Stay.objects.filter(room=room, status=StayStatus.IN_HOUSE).count() == 1


def test_back_to_back_stays_do_not_clash_on_the_changeover_day(sha, clerk):
    # Given a guest in house in 2101 leaving today, and the next guest arriving today
    room = factories.make_room(sha, "2101")
    today = sha.today(NOW)
    leaving = book(sha, factories.make_guest("张", "三"), room, clerk, arrival=today - DAY, nights=1)
    services.stay_check_in(stay=leaving, actor=clerk, now=NOW - DAY)
    arriving = book(sha, factories.make_guest("李", "四"), room, clerk, arrival=today)
    # When the next guest checks in before the first one has checked out
    services.stay_check_in(stay=arriving, actor=clerk, now=NOW)
    # Then both are in house (the nights do not overlap), on every database
    assert Stay.objects.filter(room=room, status=StayStatus.IN_HOUSE).count() == 2


def test_the_database_itself_refuses_overlapping_in_house_stays(sha, clerk, monkeypatch):
    # Given Zhang San in house in 2101, and Smith booked in 2101 for the same nights
    room = factories.make_room(sha, "2101")
    first = book(sha, factories.make_guest("张", "三"), room, clerk)
    services.stay_check_in(stay=first, actor=clerk, now=NOW)
    second = book(sha, factories.make_guest(family_name_latin="Smith", given_name_latin="John"), room, clerk)
    if connection.vendor == "postgresql":
        # When the service is bypassed and Smith is put in house with a direct update
        # Then the exclusion constraint stay_room_no_overlapping_in_house refuses it
        with pytest.raises(IntegrityError, match="stay_room_no_overlapping_in_house"), transaction.atomic():
            Stay.objects.filter(pk=second.pk).update(status=StayStatus.IN_HOUSE)
        # and should the service's own check ever miss the clash, the constraint's error
        # reaches the clerk as a readable GuestError, not a 500
        monkeypatch.setattr(services, "_assert_room_free", lambda *args, **kwargs: None)
        with pytest.raises(GuestError, match="already holds a guest"):
            services.stay_check_in(stay=second, actor=clerk, now=NOW)
    else:
        # SQLite has no exclusion constraint: the check under the room lock is the protection.
        # When the clerk checks Smith in
        # Then the service refuses
        with pytest.raises(GuestError, match="2101 is occupied"):
            services.stay_check_in(stay=second, actor=clerk, now=NOW)
    second.refresh_from_db()
    assert second.status == StayStatus.RESERVED
    assert Stay.objects.filter(room=room, status=StayStatus.IN_HOUSE).get() == first


def test_a_stay_arriving_later_cannot_check_in_today(sha, clerk):
    # Given a stay arriving tomorrow
    room = factories.make_room(sha, "2101")
    stay = book(sha, factories.make_guest("张", "三"), room, clerk, arrival=sha.today(NOW) + DAY)
    # When the clerk checks it in today
    with pytest.raises(GuestError, match="cannot be checked in earlier"):
        services.stay_check_in(stay=stay, actor=clerk, now=NOW)
    # Then it is still reserved and the room still vacant
    stay.refresh_from_db()
    room.refresh_from_db()
    assert (stay.status, room.status) == (StayStatus.RESERVED, RoomStatus.VACANT_CLEAN)


def test_today_is_the_hotels_local_day_not_utc(sha, clerk):
    # Given a stay arriving on 15 March in Shanghai, and 17:00 UTC on 14 March (01:00 on 15 March in Shanghai)
    room = factories.make_room(sha, "2101")
    late_utc = dt.datetime(2026, 3, 14, 17, 0, tzinfo=dt.UTC)
    stay = book(sha, factories.make_guest("张", "三"), room, clerk, arrival=dt.date(2026, 3, 15))
    # When the night clerk checks the guest in
    checked_in = services.stay_check_in(stay=stay, actor=clerk, now=late_utc)
    # Then it is allowed: it is already the 15th at the hotel
    assert checked_in.status == StayStatus.IN_HOUSE


def test_a_stay_whose_departure_has_passed_cannot_check_in(sha, clerk):
    # Given a stay that should have left today
    room = factories.make_room(sha, "2101")
    stay = book(
        sha, factories.make_guest("张", "三"), room, clerk, arrival=sha.today(NOW) - 2 * DAY, nights=2
    )
    # When the clerk checks it in
    with pytest.raises(GuestError, match="departure date has passed"):
        services.stay_check_in(stay=stay, actor=clerk, now=NOW)
    # Then it stays reserved
    stay.refresh_from_db()
    assert stay.status == StayStatus.RESERVED


def test_a_room_out_of_order_cannot_be_checked_into(sha, clerk):
    # Given a stay in a room that is out of order
    room = factories.make_room(
        sha, "2101", status=RoomStatus.OUT_OF_ORDER, out_of_order_reason="Leaking ceiling"
    )
    stay = book(sha, factories.make_guest("张", "三"), room, clerk)
    # When the clerk checks it in
    with pytest.raises(GuestError, match="2101 is out of order: Leaking ceiling"):
        services.stay_check_in(stay=stay, actor=clerk, now=NOW)
    # Then nothing changed
    stay.refresh_from_db()
    room.refresh_from_db()
    assert (stay.status, room.status) == (StayStatus.RESERVED, RoomStatus.OUT_OF_ORDER)


def test_a_stay_can_check_in_only_once(sha, clerk):
    # Given a stay already in house
    room = factories.make_room(sha, "2101")
    stay = services.stay_check_in(
        stay=book(sha, factories.make_guest("张", "三"), room, clerk), actor=clerk, now=NOW
    )
    # When it is checked in again (a double click)
    with pytest.raises(GuestError, match="Only a reserved stay"):
        services.stay_check_in(stay=stay, actor=clerk, now=NOW + dt.timedelta(minutes=1))
    # Then the first check-in time stands
    stay.refresh_from_db()
    assert (stay.checked_in_at, stay.version) == (NOW, 2)


def test_check_out_leaves_the_room_vacant_dirty(sha, clerk):
    # Given a guest in house
    room = factories.make_room(sha, "2101")
    stay = services.stay_check_in(
        stay=book(sha, factories.make_guest("张", "三"), room, clerk), actor=clerk, now=NOW
    )
    # When the guest checks out two days later
    later = NOW + 2 * DAY
    checked_out = services.stay_check_out(stay=stay, actor=clerk, now=later)
    # Then the stay is over and housekeeping must clean the room
    assert (checked_out.status, checked_out.checked_out_at) == (StayStatus.CHECKED_OUT, later)
    room.refresh_from_db()
    assert room.status == RoomStatus.VACANT_DIRTY


def test_a_room_put_out_of_order_during_the_stay_stays_out_of_order_after_check_out(sha, clerk):
    """Engineering closes the room for a leak while the guest is still in; the check-out must not make
    it vacant (sellable) again nor lose the reason."""
    from rooms.services import room_set_status

    room = factories.make_room(sha, "2101")
    stay = services.stay_check_in(
        stay=book(sha, factories.make_guest("张", "三"), room, clerk), actor=clerk, now=NOW
    )
    room_set_status(room=room, actor=clerk, status=RoomStatus.OUT_OF_ORDER, reason="ceiling leak")
    services.stay_check_out(stay=stay, actor=clerk, now=NOW + 2 * DAY)
    room.refresh_from_db()
    assert (room.status, room.out_of_order_reason) == (RoomStatus.OUT_OF_ORDER, "ceiling leak")


def test_only_an_in_house_stay_can_check_out(sha, clerk):
    # Given a stay still reserved
    room = factories.make_room(sha, "2101")
    stay = book(sha, factories.make_guest("张", "三"), room, clerk)
    # When it is checked out
    with pytest.raises(GuestError, match="Only an in-house stay"):
        services.stay_check_out(stay=stay, actor=clerk, now=NOW)
    # Then nothing changed
    stay.refresh_from_db()
    room.refresh_from_db()
    assert (stay.status, stay.checked_out_at, room.status) == (
        StayStatus.RESERVED,
        None,
        RoomStatus.VACANT_CLEAN,
    )


def test_a_checked_out_room_can_take_the_next_guest(sha, clerk):
    # Given a guest who checked out early, and another booked for the same nights
    room = factories.make_room(sha, "2101")
    first = services.stay_check_in(
        stay=book(sha, factories.make_guest("张", "三"), room, clerk), actor=clerk, now=NOW
    )
    services.stay_check_out(stay=first, actor=clerk, now=NOW + dt.timedelta(hours=2))
    second = book(sha, factories.make_guest("李", "四"), room, clerk)
    # When the next guest checks in
    checked_in = services.stay_check_in(stay=second, actor=clerk, now=NOW + dt.timedelta(hours=5))
    # Then the room is theirs
    assert checked_in.status == StayStatus.IN_HOUSE
    assert Room.objects.get(pk=room.pk).status == RoomStatus.OCCUPIED


@pytest.mark.parametrize(("no_show", "status"), [(False, StayStatus.CANCELLED), (True, StayStatus.NO_SHOW)])
def test_a_reservation_can_be_cancelled_or_marked_no_show(sha, clerk, no_show, status):
    # Given a reserved stay
    room = factories.make_room(sha, "2101")
    stay = book(sha, factories.make_guest("张", "三"), room, clerk)
    # When it is cancelled (or the guest never came)
    cancelled = services.stay_cancel(stay=stay, actor=clerk, no_show=no_show)
    # Then it has that status and the room is untouched
    assert (cancelled.status, cancelled.version) == (status, 2)
    assert Stay.objects.get(pk=stay.pk).status == status
    room.refresh_from_db()
    assert room.status == RoomStatus.VACANT_CLEAN


def test_a_cancelled_stay_frees_the_room_for_another_booking_to_check_in(sha, clerk):
    # Given a cancelled stay and another one for the same nights
    room = factories.make_room(sha, "2101")
    services.stay_cancel(stay=book(sha, factories.make_guest("张", "三"), room, clerk), actor=clerk)
    other = book(sha, factories.make_guest("李", "四"), room, clerk)
    # When the other checks in
    # Then it is allowed: a cancelled stay holds no room
    assert services.stay_check_in(stay=other, actor=clerk, now=NOW).status == StayStatus.IN_HOUSE


def test_an_in_house_stay_cannot_be_cancelled(sha, clerk):
    # Given a guest in house
    room = factories.make_room(sha, "2101")
    stay = services.stay_check_in(
        stay=book(sha, factories.make_guest("张", "三"), room, clerk), actor=clerk, now=NOW
    )
    # When the stay is cancelled
    with pytest.raises(GuestError, match="Only a reserved stay can be cancelled"):
        services.stay_cancel(stay=stay, actor=clerk)
    # Then the guest is still in house
    stay.refresh_from_db()
    assert stay.status == StayStatus.IN_HOUSE
