"""The data migration turns existing English (or Chinese) system text into keys (complaints 0010)."""

import importlib

from django.utils import translation

from hotel_crm import system_text

migration = importlib.import_module("complaints.migrations.0010_system_text_keys")


class _Category:
    name_en, name_zh = "Noise", "噪音"


def test_an_english_repeat_notice_becomes_a_key_that_renders_in_chinese():
    stored = migration.repeat_message("6 cases of “Noise” in room 2909 within 30 days.", _Category())
    assert stored["key"] == "complaints.repeat" and stored["params"]["count"] == 6
    assert stored["params"]["where"] == {"key": "complaints.where_room", "params": {"room": "2909"}}
    with translation.override("zh-hans"):
        assert "2909" in system_text.render(stored) and "噪音" in system_text.render(stored)


def test_a_chinese_repeat_notice_in_an_area_is_understood_too():
    with translation.override("zh-hans"):
        text = system_text.render(
            {
                "key": "complaints.repeat",
                "params": {
                    "count": 3,
                    "category": {"en": "Noise", "zh": "噪音"},
                    "where": {"key": "complaints.area.lobby", "params": {}},
                    "days": 30,
                },
            }
        )
    stored = migration.repeat_message(text, _Category())
    assert stored["params"]["where"] == {"key": "complaints.area.lobby", "params": {}}
    with translation.override("en"):
        assert system_text.render(stored) == "3 cases of “Noise” in Lobby within 30 days."


def test_the_over_limit_line_and_the_link_notes_become_keys():
    line = migration.approval_message(
        "Two nights refunded · 2400.00 CNY · over today's limit (2900.00 of 2000.00)"
    )
    assert line["params"]["why"]["key"] == "complaints.over_day_limit"
    with translation.override("zh-hans"):
        assert "over today" not in system_text.render(line) and "2400.00" in system_text.render(line)
    assert migration.link_message("No email on file: show the QR code or print the link.") == {
        "key": "complaints.link_no_email",
        "params": {},
    }
    assert migration.link_message("Emailed to a@b.example.")["params"] == {"email": "a@b.example"}
    assert migration.link_message("Called the guest back") is None  # a person's note stays a note


def test_text_that_matches_nothing_is_kept_word_for_word():
    assert migration.repeat_message("something else", None) == {
        "key": "complaints.legacy",
        "params": {"text": "something else"},
    }
