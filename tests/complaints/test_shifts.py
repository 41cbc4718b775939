"""Shift boundaries as pure data: across midnight, in two time zones, across a DST change (no database)."""

import datetime as dt
import zoneinfo

import pytest

from complaints.shifts import DEFAULT_SHIFTS, ShiftSpec, shift_after, shift_at, shift_before

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def at(tz, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(
    ("local", "code", "start", "end"),
    [
        ((2026, 12, 7, 7, 0), "morning", (2026, 12, 7, 7, 0), (2026, 12, 7, 15, 0)),
        ((2026, 12, 7, 14, 59), "morning", (2026, 12, 7, 7, 0), (2026, 12, 7, 15, 0)),
        ((2026, 12, 7, 15, 0), "evening", (2026, 12, 7, 15, 0), (2026, 12, 7, 23, 0)),
        ((2026, 12, 7, 23, 30), "night", (2026, 12, 7, 23, 0), (2026, 12, 8, 7, 0)),
        # 2 a.m. belongs to the night shift that began the evening before.
        ((2026, 12, 8, 2, 0), "night", (2026, 12, 7, 23, 0), (2026, 12, 8, 7, 0)),
        ((2026, 12, 8, 6, 59), "night", (2026, 12, 7, 23, 0), (2026, 12, 8, 7, 0)),
    ],
)
def test_the_night_shift_runs_across_midnight(local, code, start, end):
    # given the default shifts 07–15, 15–23, 23–07 in Shanghai; when we ask at a local time
    window = shift_at(DEFAULT_SHIFTS, SHANGHAI, at(SHANGHAI, *local))
    # then the shift and its bounds are the local ones
    assert window.code == code
    assert window.start == at(SHANGHAI, *start)
    assert window.end == at(SHANGHAI, *end)


def test_the_same_instant_is_a_different_shift_in_two_time_zones():
    # given one instant: 2026-12-07 16:00 UTC
    instant = dt.datetime(2026, 12, 7, 16, 0, tzinfo=dt.UTC)
    # when Shanghai (UTC+8, 00:00 on the 8th) and New York (UTC-5, 11:00 on the 7th) ask
    shanghai = shift_at(DEFAULT_SHIFTS, SHANGHAI, instant)
    new_york = shift_at(DEFAULT_SHIFTS, NEW_YORK, instant)
    # then each hotel is in its own local shift
    assert (shanghai.code, shanghai.start) == ("night", at(SHANGHAI, 2026, 12, 7, 23, 0))
    assert (new_york.code, new_york.start) == ("morning", at(NEW_YORK, 2026, 12, 7, 7, 0))
    assert shanghai.start.utcoffset() == dt.timedelta(hours=8)
    assert new_york.start.utcoffset() == dt.timedelta(hours=-5)


def test_next_and_previous_shift_wrap_around_the_day():
    now = at(SHANGHAI, 2026, 12, 7, 20, 0)
    current = shift_at(DEFAULT_SHIFTS, SHANGHAI, now)
    following = shift_after(DEFAULT_SHIFTS, SHANGHAI, current)
    after_that = shift_after(DEFAULT_SHIFTS, SHANGHAI, following)
    assert (current.code, following.code, after_that.code) == ("evening", "night", "morning")
    assert following.start == current.end
    assert after_that.start == at(SHANGHAI, 2026, 12, 8, 7, 0)
    assert shift_before(DEFAULT_SHIFTS, SHANGHAI, current).code == "morning"


def test_a_night_shift_over_the_dst_change_is_an_hour_longer():
    # given a hotel in New York with two 12-hour shifts; clocks go back at 02:00 on 2026-11-01
    specs = (ShiftSpec("day", "Day", "白班", dt.time(7)), ShiftSpec("night", "Night", "夜班", dt.time(19)))
    window = shift_at(specs, NEW_YORK, dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC))
    # then the night of Oct 31 → Nov 1 lasts 13 real hours and ends at 07:00 local
    assert window.code == "night"
    # (subtracted in UTC: Python subtracts two times of the same zone on the wall clock)
    assert window.end.astimezone(dt.UTC) - window.start.astimezone(dt.UTC) == dt.timedelta(hours=13)
    assert window.end.astimezone(NEW_YORK).hour == 7


def test_one_shift_a_day_covers_the_whole_day():
    specs = (ShiftSpec("all", "All day", "全天", dt.time(6)),)
    window = shift_at(specs, SHANGHAI, at(SHANGHAI, 2026, 12, 7, 5, 59))
    assert window.start == at(SHANGHAI, 2026, 12, 6, 6, 0)
    assert window.end == at(SHANGHAI, 2026, 12, 7, 6, 0)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        shift_at(DEFAULT_SHIFTS, SHANGHAI, dt.datetime(2026, 12, 7, 8, 0))
