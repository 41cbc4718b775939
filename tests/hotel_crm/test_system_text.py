"""System text stored as a key plus parameters, rendered in the reader's language (ADR 0018)."""

import datetime as dt

import pytest
from django.utils import translation

from complaints import system_text as keys
from hotel_crm import system_text


def test_a_stored_message_renders_in_each_readers_language():
    stored = system_text.message(
        keys.REPEAT,
        count=6,
        category=system_text.bilingual("Noise", "噪音"),
        where=system_text.message(keys.WHERE_ROOM, room="2909"),
        days=30,
    )
    with translation.override("en"):
        assert system_text.render(stored) == "6 cases of “Noise” in room 2909 within 30 days."
    with translation.override("zh-hans"):
        chinese = system_text.render(stored)
    assert "噪音" in chinese and "2909" in chinese and "Noise" not in chinese and "room" not in chinese


def test_nested_messages_and_areas_are_translated_too():
    stored = system_text.message(
        keys.APPROVAL_LINE,
        description="退一晚房费",
        value="1200",
        currency="CNY",
        why=system_text.message(keys.OVER_CASE_LIMIT, total="1200", limit="500"),
    )
    with translation.override("zh-hans"):
        assert "over the limit" not in system_text.render(stored)
    with translation.override("en"):
        assert (
            system_text.render(stored) == "退一晚房费 · 1200 CNY · over the limit on one case (1200 of 500)"
        )
        assert system_text.render(system_text.message(keys.area_key("lobby"))) == "Lobby"


def test_unknown_or_empty_stored_text_never_breaks_a_page():
    assert system_text.render({}) == "" and system_text.render(None) == ""
    assert system_text.render({"key": "gone.key", "params": {}}) == "gone.key"
    with pytest.raises(KeyError):
        system_text.message("never.registered")


def test_a_moment_is_shown_in_the_hotels_zone_and_the_readers_date_style():
    # Given a due time stored as a moment of a hotel in Shanghai (UTC+8)
    due = dt.datetime(2026, 12, 7, 10, 30, tzinfo=dt.UTC)
    stored = system_text.message(
        keys.PROBLEM_ACTION_LINE, who="Li Wei", when=system_text.moment(due, "Asia/Shanghai")
    )
    # Then each reader sees it in the hotel's local time, in their own language
    with translation.override("en"):
        assert system_text.render(stored) == "By Li Wei, due 7 Dec 2026 18:30"
    with translation.override("zh-hans"):
        assert system_text.render(stored) == "由 Li Wei 负责，截止 2026年12月7日 18:30"
    # and a moment that cannot be read shows what was stored instead of breaking the page
    broken = system_text.message(keys.PROBLEM_ACTION_LINE, who="Li Wei", when={"moment": "soon", "zone": "X"})
    assert system_text.render(broken) == "By Li Wei, due soon"
