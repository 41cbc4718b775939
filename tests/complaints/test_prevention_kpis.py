"""The KPIs of issue #20: three return-rate cohorts, new breakdowns, coverage, department times."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import dashboard, selectors, services
from complaints.models import Channel, Complaint, ComplaintKind, CourtesyCheck, GuestType, Mood
from complaints.templatetags.complaint_tags import as_query
from complaints.workflow import Status, Verdict
from guests.models import Stay, StayStatus
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _stay(guest, room, arrival: dt.date, status: str, nights: int = 2) -> Stay:
    return Stay.objects.create(
        property=room.property,
        guest=guest,
        room=room,
        arrival_date=arrival,
        departure_date=arrival + nights * DAY,
        confirmation_number=f"K{Stay.objects.count() + 1:05d}",
        status=status,
    )


def _case(prop, clerk, guest, *, days_ago: int, verdict: str = "", status: str = Status.CLOSED) -> Complaint:
    when = timezone.now() - days_ago * DAY
    case = factories.log_case(prop, clerk, guest=guest, reported_at=when, now=when)
    Complaint.objects.filter(pk=case.pk).update(verdict=verdict, status=status)
    return case


def test_three_return_rate_cohorts_on_a_hand_built_hotel(sha, clerk):
    # Given, over the last 30 days:
    today = sha.today()
    room = factories.make_room(sha, "2101")
    g = {name: factories.make_guest(family_name_latin=name, given_name_latin="T") for name in "ABCDEFGHIJ"}
    later = today + 5 * DAY
    # recovered to very satisfied: A and B came back, C did not            -> 2 of 3
    for name in "ABC":
        _case(sha, clerk, g[name], days_ago=10, verdict=Verdict.VERY_SATISFIED)
    _stay(g["A"], room, later, StayStatus.RESERVED)
    _stay(g["B"], room, today - 2 * DAY, StayStatus.IN_HOUSE, nights=5)
    # not recovered: D only "OK" and came back; E one recovered and one dissatisfied case, did not -> 1 of 2
    _case(sha, clerk, g["D"], days_ago=12, verdict=Verdict.SATISFIED)
    _stay(g["D"], room, later + 3 * DAY, StayStatus.RESERVED)
    _case(sha, clerk, g["E"], days_ago=20, verdict=Verdict.VERY_SATISFIED)
    _case(sha, clerk, g["E"], days_ago=15, verdict=Verdict.DISSATISFIED)
    # a withdrawn case is no complaint at all (F is in no cohort)
    _case(sha, clerk, g["F"], days_ago=9, status=Status.WITHDRAWN)
    # never complained, left in the period: G came back, H and I did not        -> 1 of 3
    for name in "GHI":
        _stay(g[name], room, today - 12 * DAY, StayStatus.CHECKED_OUT)
    _stay(g["G"], room, later + 8 * DAY, StayStatus.RESERVED)
    # J left in the period but complained before it: not "never complained"
    _case(sha, clerk, g["J"], days_ago=60, verdict=Verdict.VERY_SATISFIED)
    _stay(g["J"], room, today - 8 * DAY, StayStatus.CHECKED_OUT)
    # When the cohorts of the last 30 days are computed
    with CaptureQueriesContext(connection) as captured:
        figures = dashboard.return_cohorts(sha, dashboard.rolling_period(sha, 30))
    rows = {row["cohort"]: row for row in figures["rows"]}
    # Then each cohort has its own guests, returns and rate, next to the 75% benchmark
    assert (rows["recovered"]["guests"], rows["recovered"]["came_back"], rows["recovered"]["rate"]) == (
        3,
        2,
        66.7,
    )
    assert (rows["not_recovered"]["guests"], rows["not_recovered"]["came_back"]) == (2, 1)
    assert rows["not_recovered"]["rate"] == 50.0
    assert (rows["never"]["guests"], rows["never"]["came_back"], rows["never"]["rate"]) == (3, 1, 33.3)
    assert figures["benchmark"] == 75.0
    assert len(captured.captured_queries) == 2


BREAKDOWNS = ("kind", "mood", "guest_type", "channel", "assignee")


def test_every_new_breakdowns_drill_down_lists_as_many_cases_as_its_figure(sha, clerk, grm, login):
    # Given cases of every kind, mood, guest type and channel, handled by two staff members
    other = factories.front_desk_at(sha, username="second_clerk")
    kinds, moods, types, channels = list(ComplaintKind), list(Mood), list(GuestType), list(Channel)
    for n in range(23):
        factories.log_case(
            sha,
            clerk if n % 3 else other,
            kind=kinds[n % len(kinds)] if n % 7 else "",
            mood=moods[n % len(moods)] if n % 5 else "",
            guest_type=types[n % len(types)],
            channel=channels[n % len(channels)],
        )
    # a case reported long ago is outside the period and must not be listed
    old = timezone.now() - 60 * DAY
    factories.log_case(
        sha, clerk, kind=kinds[0], mood=moods[0], guest_type=types[0], reported_at=old, now=old
    )
    client = login(grm)
    response = client.get("/complaints/dashboard/?days=30")
    figures = response.context["breakdowns"]
    # Then every row of the new breakdowns links to a list with exactly its count
    checked = 0
    for key in BREAKDOWNS:
        assert figures[key], key
        for row in figures[key]:
            listed = client.get(f"/complaints/?{as_query(row['filters'])}")
            assert listed.status_code == 200
            assert listed.context["page"].paginator.count == row["count"], (key, row["label"])
            checked += 1
    # and the rows of each breakdown add up to the cases that have that detail
    assert sum(r["count"] for r in figures["guest_type"]) == 23
    assert sum(r["count"] for r in figures["assignee"]) == 23
    assert checked >= 15
    # and the labels are the source's: 要求型 is information-seeking, not "demanding"
    labels = [r["label"] for r in figures["guest_type"]]
    assert "Information-seeking: wants facts" in labels


def test_courtesy_coverage_counts_guest_nights_asked_by_day_and_staff(sha, clerk, grm):
    # Given four stays over the last three days (two guest-nights each day at least)
    today = sha.today()
    rooms = [factories.make_room(sha, f"21{n:02d}") for n in range(1, 5)]
    guests = [factories.make_guest() for _ in range(4)]
    a = _stay(guests[0], rooms[0], today - 2 * DAY, StayStatus.IN_HOUSE, nights=4)  # nights d-2, d-1, d
    b = _stay(guests[1], rooms[1], today - 2 * DAY, StayStatus.CHECKED_OUT, nights=1)  # night d-2
    c = _stay(guests[2], rooms[2], today - DAY, StayStatus.IN_HOUSE, nights=3)  # nights d-1, d
    _stay(guests[3], rooms[3], today, StayStatus.IN_HOUSE, nights=2)  # night d, never asked
    _stay(guests[3], rooms[3], today - 2 * DAY, StayStatus.CANCELLED)  # no night at all
    # a asked on d-1 (covers d-1 and d), b on d-2, c today (twice: still one guest-night)
    noon = dt.time(12, 0)

    def asked(stay, day, who):
        check = services.courtesy_check_log(prop=sha, stay=stay, actor=who, outcome="all_good")
        at = dt.datetime.combine(day, noon, tzinfo=sha.tzinfo)
        CourtesyCheck.objects.filter(pk=check.pk).update(checked_at=at)

    asked(a, today - DAY, clerk)
    asked(b, today - 2 * DAY, grm)
    asked(c, today, clerk)
    asked(c, today, clerk)
    # When coverage is computed for the three days
    with CaptureQueriesContext(connection) as captured:
        coverage = selectors.courtesy_coverage(prop=sha, start=today - 2 * DAY, end=today)
    # Then, by day: d-2: a, b in house, b asked (1/2); d-1: a, c, a asked (1/2);
    # d: a, c, d in house, a and c asked (2/3)
    by_day = [(r["nights"], r["asked"]) for r in coverage["days"]]
    assert by_day == [(2, 1), (2, 1), (3, 2)]
    assert coverage["nights"] == 7 and coverage["asked"] == 4 and coverage["share"] == 57.1
    # and today's share is exactly what the "not yet asked" list leaves out
    not_asked = selectors.stays_not_yet_asked(prop=sha)
    assert [s.room.number for s in not_asked] == ["2104"]
    # and by staff member: the clerk asked two guests (three checks), the manager one
    staff = {row["name"]: (row["guests"], row["checks"]) for row in coverage["staff"]}
    assert staff == {"clerk": (2, 3), "manager": (1, 1)}
    assert len(captured.captured_queries) == 2


def test_department_times_on_the_dashboard(sha, clerk):
    from complaints.action_workflow import ActionState
    from complaints.models import FollowUpAction
    from tests.complaints.services.cases import act, walk

    engineering = factories.make_department(sha, "engineering", categories=["Air conditioning"])
    case = walk(factories.log_case(sha, clerk, department=engineering), clerk, Status.FOLLOWING_UP)
    first = act(
        services.action_add, case, clerk, description="A", due_at=timezone.now() + DAY, department=engineering
    )
    act(
        services.action_add, case, clerk, description="B", due_at=timezone.now() + DAY, department=engineering
    )
    FollowUpAction.objects.filter(pk=first.pk).update(
        state=ActionState.DONE,
        acknowledged_at=first.created_at + dt.timedelta(minutes=30),
        done_at=first.created_at + dt.timedelta(hours=3),
    )
    rows = dashboard.department_times(sha, dashboard.rolling_period(sha, 7))
    assert rows == [
        {
            "department": engineering.pk,
            "name": "Engineering",
            "name_en": "Engineering",
            "name_zh": "",
            "actions": 2,
            "unacknowledged": 1,
            "handed_back": 0,
            "acknowledged": 1,
            "done": 1,
            "hours_to_acknowledge": 0.5,
            "hours_to_done": 3.0,
        }
    ]


def test_the_dashboard_shows_cohorts_coverage_problems_and_department_work(sha, grm, login):
    factories.make_staff("duty_x", roles_at={sha: roles.DUTY_MANAGER})
    page = login(grm).get("/complaints/dashboard/?days=30").content.decode()
    for text in (
        "Who comes back",
        "Never complained",
        "Asked how their stay is going",
        "open problems",
        "Department work",
    ):
        assert text in page
