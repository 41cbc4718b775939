"""Dates and times in the property's style and zone (hotel_crm.dates, ADR 0018)."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from hotel_crm import dates
from hotel_crm.middleware import SESSION_KEY
from tests import factories

INSTANT = dt.datetime(2026, 12, 2, 6, 5, tzinfo=dt.UTC)  # 14:05 in Shanghai, 01:05 in New York


@pytest.mark.parametrize(
    ("style", "language", "day", "moment"),
    [
        ("day_first", "en", "2 Dec 2026", "2 Dec 2026 14:05"),
        ("iso", "en", "2026-12-02", "2026-12-02 14:05"),
        ("day_first", "zh-hans", "2026年12月2日", "2026年12月2日 14:05"),
        ("iso", "zh-hans", "2026-12-02", "2026-12-02 14:05"),
    ],
)
def test_day_first_or_iso_and_a_24_hour_clock(style, language, day, moment):
    token = dates.activate(dates.DateSettings(style=style))
    try:
        with translation.override(language), timezone.override("Asia/Shanghai"):
            assert dates.format_day(INSTANT) == day
            assert dates.format_moment(INSTANT) == moment
    finally:
        dates.deactivate(token)


@pytest.mark.parametrize("style", ["day_first", "iso"])
def test_remembered_days_are_djangos_format_in_each_language_in_turn(style):
    # Given days of every month, formatted in English, then Chinese, then English again (a cache)
    from django.utils import dateformat

    token = dates.activate(dates.DateSettings(style=style))
    try:
        for language in ["en", "zh-hans", "en"]:
            with translation.override(language):
                pattern = dates._day_pattern(style)
                for month in range(1, 13):
                    day = dt.date(2026, month, 28)
                    # Then each is what Django's own formatting gives in that language
                    assert dates.format_day(day) == dateformat.format(day, pattern)
                    evening = dt.datetime(2026, month, 28, 23, 30)
                    assert dates.format_day(evening) == dateformat.format(evening, pattern)
        with translation.override("zh-hans"):
            assert dates.format_day(dt.date(2026, 3, 1)) == (
                "2026-03-01" if style == "iso" else "2026年3月1日"
            )
    finally:
        dates.deactivate(token)


def test_the_zone_is_shown_only_when_it_is_not_the_readers():
    token = dates.activate(dates.DateSettings(show_zone=True))
    try:
        with translation.override("en"), timezone.override("America/New_York"):
            assert dates.format_moment(INSTANT) == "2 Dec 2026 01:05 UTC−5"
        with timezone.override("Asia/Kolkata"):
            assert dates.format_moment(INSTANT).endswith("UTC+5:30")
    finally:
        dates.deactivate(token)


def test_pages_label_times_with_the_hotels_zone_when_the_reader_works_elsewhere(sha, login):
    # Given a clerk whose home hotel is in Shanghai, also on duty at a hotel in New York
    new_york = factories.make_property("NYC", time_zone="America/New_York")
    clerk = factories.front_desk_at(sha, new_york)
    room = factories.make_room(new_york, "501")
    client = login(clerk)
    # At the home hotel no time is labelled
    assert "UTC" not in client.get("/rooms/").content.decode()
    # When the clerk works at New York
    session = client.session
    session[SESSION_KEY] = new_york.pk
    session.save()
    client.post(f"/rooms/{room.pk}/status/", {"status": "vacant_dirty", "version": room.version})
    room.refresh_from_db()
    page = client.get(f"/rooms/{room.pk}/").content.decode()
    # Then its times carry New York's zone
    local = timezone.localtime(room.status_changed_at, new_york.tzinfo)
    assert f"{local:%H:%M} UTC−" in page


def test_property_date_style_is_iso_on_every_page(sha, login, clerk):
    sha.date_style = dates.DateStyle.ISO
    sha.save()
    page = login(clerk).get("/guests/").content.decode()
    assert sha.today().isoformat() in page


def test_no_page_or_message_uses_the_locales_short_numeric_formats():
    """Django's SHORT_DATE(TIME)_FORMAT is 12/07/2026 in English: 7 Dec to some readers, 12 Jul to
    others. Every date staff read goes through hotel_crm.dates (the `day`/`moment` filters)."""
    import re
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    files = [p for p in (root / "templates").rglob("*") if p.suffix in (".html", ".txt")]
    for app in ("rooms", "guests", "complaints", "hotel_crm"):
        files += [p for p in (root / app).rglob("*") if p.suffix in (".py", ".html", ".txt")]
    ambiguous = re.compile(r"SHORT_DATE(TIME)?_FORMAT|\|date:\"[nmj]/")
    offenders = [str(p.relative_to(root)) for p in files if ambiguous.search(p.read_text(encoding="utf-8"))]
    assert len(files) > 100 and not offenders, offenders


@pytest.mark.django_db
def test_the_case_messages_panel_shows_day_first_times(sha, clerk, login):
    from complaints import channels
    from complaints.models import Channel

    case = factories.log_case(sha, clerk)
    message, _created = channels.incoming_receive(
        prop=sha,
        data=channels.IncomingInput(
            channel=Channel.EMAIL,
            external_id="<d@x>",
            sender="g@x.example",
            raw=b"",
            body="Noise",
            received_at=INSTANT,
        ),
    )
    channels.incoming_attach(message=message, complaint=case, actor=clerk)
    page = login(clerk).get(f"/complaints/intake/cases/{case.pk}/messages/").content.decode()
    assert "2 Dec 2026 14:05" in page and "12/02/2026" not in page
