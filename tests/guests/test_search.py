import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from guests import selectors, services
from guests.models import Guest
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 14, 2, 30, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def found(prop, query: str) -> list[Guest]:
    return selectors.guest_search(prop=prop, query=query).guests


def in_house(prop, guest: Guest, room_number: str, actor, **kwargs):
    room = factories.make_room(prop, room_number)
    arrival = prop.today(NOW)
    stay = services.stay_create(
        prop=prop, guest=guest, room=room, arrival=arrival, departure=arrival + 2 * DAY, actor=actor, **kwargs
    )
    return services.stay_check_in(stay=stay, actor=actor, now=NOW)


@pytest.fixture
def zhang_san(db):
    return factories.make_guest(
        "张",
        "三",
        email="Zhang.San@Example.com",
        phones=["+8613812345678"],
    )


@pytest.fixture
def john_smith(db):
    return factories.make_guest(family_name_latin="Smith", given_name_latin="John", phones=["+442079460958"])


# --- What finds a guest -----------------------------------------------------------------


@pytest.mark.parametrize("query", ["张三", "张", "三", " 张三 "])
def test_any_part_of_a_chinese_name_finds_the_guest(sha, zhang_san, john_smith, query):
    # Given 张三 and John Smith
    # When staff search for part of the Chinese name
    # Then only 张三 is found
    assert found(sha, query) == [zhang_san]


@pytest.mark.parametrize("query", ["smith", "Smith", "SMI", "john", "John Smith", "smith john", "johnsmith"])
def test_a_latin_name_or_its_beginning_finds_the_guest(sha, zhang_san, john_smith, query):
    # Given 张三 and John Smith
    # When staff type the Latin name, whole or its beginning, in any case or order
    # Then only John Smith is found
    assert found(sha, query) == [john_smith]


@pytest.mark.parametrize(
    "query", ["zhang san", "zhangsan", "Zhang San", "zhāng sān", "ZHĀNGSĀN", "zhangs", "zs"]
)
def test_pinyin_with_or_without_spaces_and_tones_or_initials_finds_the_chinese_guest(
    sha, zhang_san, john_smith, query
):
    # Given 张三 (no Latin name on the profile)
    # When staff type the pinyin however they type it
    # Then 张三 is found
    assert found(sha, query) == [zhang_san]


def test_a_surname_with_two_readings_is_found_by_either(sha):
    # Given 曾小明 (曾 reads zeng as a surname)
    guest = factories.make_guest("曾", "小明")
    # When staff type either reading
    # Then the guest is found
    assert found(sha, "zeng xiaoming") == [guest]
    assert found(sha, "ceng xiaoming") == [guest]


def test_a_part_of_a_word_that_is_not_its_beginning_does_not_match(sha, john_smith):
    # Given John Smith
    # When staff type letters from the middle of his name
    # Then he is not found (tokens are prefixes, not substrings)
    assert found(sha, "mith") == []


@pytest.mark.parametrize(
    "query", ["+86 138-1234-5678", "13812345678", "138 1234 5678", "0086 138 1234 5678", "+8613812345678"]
)
def test_a_phone_number_in_any_formatting_finds_the_guest(sha, zhang_san, john_smith, query):
    # Given 张三 with mobile +86 138 1234 5678
    # When staff type the number as the guest says it
    # Then 张三 is found
    assert found(sha, query) == [zhang_san]


def test_a_foreign_phone_number_is_found_with_its_country_code(sha, zhang_san, john_smith):
    # Given John Smith with a London number
    # When staff type it
    # Then he is found
    assert found(sha, "+44 20 7946 0958") == [john_smith]


def test_the_last_four_digits_of_a_phone_find_the_guest(sha, zhang_san, john_smith):
    # Given 张三 (…5678) and John Smith (…0958)
    # When staff type the last four digits
    # Then the right guest is found
    assert found(sha, "5678") == [zhang_san]
    assert found(sha, "0958") == [john_smith]


@pytest.mark.parametrize(
    "query", ["zhang.san@example.com", "ZHANG.SAN@EXAMPLE.COM", " Zhang.San@Example.com "]
)
def test_the_email_finds_the_guest_whatever_the_case(sha, zhang_san, john_smith, query):
    # Given 张三 with an email
    # When staff type it in any case
    # Then 张三 is found
    assert found(sha, query) == [zhang_san]


def test_the_room_number_finds_who_is_in_house_in_that_room_at_this_hotel_only(sha, hgh, clerk):
    # Given 张三 in house in Shanghai 2101, Wang in house in Hangzhou 2101, and Li booked for Shanghai 2101
    zhang = factories.make_guest("张", "三")
    wang = factories.make_guest("王", "芳")
    li = factories.make_guest("李", "四")
    in_house(sha, zhang, "2101", clerk)
    in_house(hgh, wang, "2101", clerk)
    room = factories.make_room(sha, "2102")
    services.stay_create(
        prop=sha, guest=li, room=room, arrival=sha.today(NOW), departure=sha.today(NOW) + DAY, actor=clerk
    )
    # When each hotel searches for 2101
    # Then each finds its own in-house guest only
    assert found(sha, "2101") == [zhang]
    assert found(hgh, "2101") == [wang]
    # and a room with only a reservation finds no one
    assert found(sha, "2102") == []


def test_a_checked_out_guest_is_not_found_by_the_room_number(sha, clerk):
    # Given 张三 who has left room 2101
    zhang = factories.make_guest("张", "三")
    stay = in_house(sha, zhang, "2101", clerk)
    services.stay_check_out(stay=stay, actor=clerk, now=NOW + DAY)
    # When staff search for 2101
    # Then no one is found
    assert found(sha, "2101") == []


@pytest.mark.parametrize("query", ["SHA-7Q2K9", "sha-7q2k9"])
def test_the_confirmation_number_finds_the_guest_at_this_hotel(sha, hgh, clerk, query):
    # Given a Shanghai reservation SHA-7Q2K9 for 张三
    zhang = factories.make_guest("张", "三")
    services.stay_create(
        prop=sha,
        guest=zhang,
        room=factories.make_room(sha, "2101"),
        arrival=sha.today(NOW),
        departure=sha.today(NOW) + DAY,
        actor=clerk,
        confirmation_number="SHA-7Q2K9",
    )
    # When Shanghai searches for it, in any case
    # Then 张三 is found, but Hangzhou does not see another hotel's reservation
    assert found(sha, query) == [zhang]
    assert found(hgh, query) == []


def test_guest_profiles_are_found_at_every_hotel_of_the_group(hgh, zhang_san):
    # Given 张三, who has never stayed in Hangzhou
    # When Hangzhou searches by name
    # Then the group-wide profile is found
    assert found(hgh, "张三") == [zhang_san]


# --- What does not find a guest ---------------------------------------------------------------


def test_an_erased_guest_is_not_found_by_old_name_phone_or_email(sha, grm, zhang_san, john_smith):
    # Given 张三, found by name, phone and email
    old = ["张三", "zhangsan", "13812345678", "5678", "zhang.san@example.com"]
    assert all(found(sha, q) == [zhang_san] for q in old)
    # When the guest is erased
    services.guest_erase(guest=zhang_san, actor=grm, reason="Guest's request")
    # Then none of them finds the guest any more
    assert {q: found(sha, q) for q in old} == {q: [] for q in old}
    # while other guests are still found
    assert found(sha, "smith") == [john_smith]


def test_a_merged_away_profile_is_not_found_only_the_one_it_was_merged_into(sha, grm):
    # Given John Smith and a duplicate "Jon Smith" with its own phone
    target = factories.make_guest(family_name_latin="Smith", given_name_latin="John")
    source = factories.make_guest(
        family_name_latin="Smith", given_name_latin="Jon", phones=["+8613900001111"]
    )
    assert found(sha, "smith") == [source, target]
    # When the duplicate is merged into John Smith
    services.guest_merge(source=source, target=target, actor=grm)
    # Then searching finds only John Smith, by name or by the duplicate's phone
    assert found(sha, "smith") == [target]
    assert found(sha, "13900001111") == [target]
    assert found(sha, "jon") == []


# --- Ranking ----------------------------------------------------------------------------------


def test_guests_in_house_here_are_listed_first(sha, hgh, clerk):
    # Given two Zhangs: Zhang Wei (older profile) in house in Shanghai, Zhang Min (newer) not staying
    wei = factories.make_guest("张", "伟")
    min_ = factories.make_guest("张", "敏")
    in_house(sha, wei, "2101", clerk)
    # When Shanghai searches for "zhang"
    # Then the in-house guest comes first, though newer profiles otherwise come first
    assert found(sha, "zhang") == [wei, min_]
    # and in Hangzhou, where Zhang Wei is not staying, the newest profile comes first
    assert found(hgh, "zhang") == [min_, wei]


def test_an_exact_name_comes_before_longer_names_that_start_with_it(sha):
    # Given John Smith and, newer, John Smithson; 张三 and, newer, 张三丰
    smith = factories.make_guest(family_name_latin="Smith", given_name_latin="John")
    smithson = factories.make_guest(family_name_latin="Smithson", given_name_latin="John")
    zhang_san = factories.make_guest("张", "三")
    zhang_sanfeng = factories.make_guest("张", "三丰")
    # When staff type a full name
    # Then the exact match is first
    assert found(sha, "john smith") == [smith, smithson]
    assert found(sha, "张三") == [zhang_san, zhang_sanfeng]
    assert found(sha, "zhang san") == [zhang_san, zhang_sanfeng]


def test_results_are_capped_and_the_cap_is_reported(sha):
    # Given more Smiths than the limit
    smiths = [factories.make_guest(family_name_latin="Smith", given_name_latin=f"J{n}") for n in range(4)]
    # When searching with a limit of 3
    result = selectors.guest_search(prop=sha, query="smith", limit=3)
    # Then three newest are shown and the list says there are more
    assert result.guests == smiths[:0:-1]
    assert result.truncated


def test_search_runs_a_fixed_number_of_queries_however_many_guests_match(sha, clerk):
    # Given one Smith in house
    first = factories.make_guest(
        family_name_latin="Smith", given_name_latin="John", phones=["+8613812345678"]
    )
    in_house(sha, first, "2101", clerk)
    with CaptureQueriesContext(connection) as one:
        assert len(found(sha, "smith")) == 1
    # When twenty more Smiths, each with a phone and a stay, are searched for
    for n in range(20):
        guest = factories.make_guest(
            family_name_latin="Smith", given_name_latin=f"J{n}", phones=[f"+86139000011{n:02d}"]
        )
        in_house(sha, guest, str(2201 + n), clerk)
    with CaptureQueriesContext(connection) as many:
        assert len(found(sha, "smith")) == 21
    # Then the number of queries is the same, and small
    assert len(many) == len(one) <= 6


# --- Hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "a",
        "%",
        "_",
        "%%",
        "\\",
        "'",
        "😀",
        "😀😀😀",
        "x" * 500,
        "张" * 500,
        "1" * 500,
        "' OR 1=1 --",
        "Robert'); DROP TABLE guests_guest;--",
        "\x00",
        "a@b\x00.com",
        "2101\x00",
    ],
)
def test_hostile_input_returns_nothing_and_breaks_nothing(sha, john_smith, query):
    # Given a guest who must not be returned by a wildcard
    # When staff (or anyone) type something odd
    result = selectors.guest_search(prop=sha, query=query)
    # Then the search returns without error and without matching everyone
    assert result.guests == []
    # and the table is still there
    assert Guest.objects.count() == 1


def test_a_wildcard_next_to_a_name_is_taken_literally(sha, john_smith, zhang_san):
    # Given John Smith and 张三
    # When staff type a name with SQL wildcards or emoji around it
    # Then the name is still searched as typed, not as a pattern
    assert found(sha, "smith%") == [john_smith]
    assert found(sha, "_smi_") == [john_smith]
    assert found(sha, "张😀三") == [zhang_san]
    assert found(sha, "smith\x00") == [john_smith]


def test_a_nul_character_in_an_email_search_is_ignored(sha, zhang_san):
    # Given 张三 with an email
    # When the email is searched with a NUL byte in it (PostgreSQL refuses NUL in text)
    # Then the search neither fails nor misses the guest
    assert found(sha, "zhang.san@example.com\x00") == [zhang_san]
    assert found(sha, "zhang.san@\x00example.com") == [zhang_san]


# --- The index behind the search ----------------------------------------------------------------


def test_token_search_uses_the_gin_index_on_postgresql_and_like_elsewhere(zhang_san, john_smith):
    # Given 张三 and John Smith
    # When the token filter behind the search is built
    all_of = selectors._with_tokens(Guest.objects.all(), ["zhang", "san"])
    any_of = selectors._with_tokens(Guest.objects.all(), ["t4:5678", "t4:0958"], any_of=True)
    # Then it returns the right rows: whole tokens only, never a substring of one
    assert list(all_of) == [zhang_san]
    assert sorted(any_of, key=lambda g: g.pk) == [zhang_san, john_smith]
    assert list(selectors._with_tokens(Guest.objects.all(), ["han"])) == []
    if connection.vendor == "postgresql":
        # and on PostgreSQL the planner can answer it from the GIN index on the token array
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            assert "guest_search_tokens_gin" in str(all_of.explain())
            assert "guest_search_tokens_gin" in str(any_of.explain())
    else:
        # and elsewhere it is a LIKE on the space-padded token string
        assert " LIKE " in str(all_of.query)


def test_erased_guest_is_not_found_by_room_or_confirmation_number(sha, clerk):
    guest = factories.make_guest("张", "三")
    room = factories.make_room(sha, "2707")
    today = sha.today()
    stay = services.stay_create(
        prop=sha,
        guest=guest,
        room=room,
        arrival=today,
        departure=today + dt.timedelta(days=1),
        actor=clerk,
        confirmation_number="ERASE-ME-1",
        check_in=True,
    )
    services.guest_erase(guest=guest, actor=clerk, reason="Guest's request")
    assert selectors.guest_search(prop=sha, query="2707").guests == []
    assert selectors.guest_search(prop=sha, query=stay.confirmation_number).guests == []
