"""The guest relations manager's review (complaints.dashboard and its pages), on hand-built cases."""

import csv
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape

from complaints import dashboard, services, tasks
from complaints.models import (
    Area,
    Complaint,
    ComplaintEvent,
    DashboardSnapshot,
    EventKind,
    Offer,
    OfferStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Review,
    Severity,
)
from complaints.templatetags.complaint_tags import as_query
from complaints.workflow import Status, Verdict
from guests.models import Stay, StayStatus
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
BOM = b"\xef\xbb\xbf"


# --- helpers --------------------------------------------------------------------------------


def local(prop, day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An instant given as the hotel's wall-clock time."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=prop.tzinfo)


def act(service, case, actor, **kwargs):
    """Call a service the way the case page does: with the version the clerk loaded."""
    case.refresh_from_db()
    return service(complaint=case, actor=actor, expected_version=case.version, **kwargs)


def apologise(case, actor) -> None:
    act(services.complaint_confirm_restatement, case, actor, confirmed=True)
    act(services.complaint_apologise, case, actor, method="in_person")


def answered_offer(case, actor, value: str, *, accepted: bool) -> Offer:
    offer = act(
        services.offer_make,
        case,
        actor,
        remedy_type="amenity",
        description=f"Offer worth {value}",
        value=Decimal(value),
    )
    act(services.offer_answer, case, actor, offer_id=offer.pk, accepted=accepted)
    return offer


def verify(case, actor, verdict: str) -> None:
    act(services.complaint_request_verification, case, actor)
    act(
        services.complaint_verify,
        case,
        actor,
        verdict=verdict,
        root_cause="Housekeeping skipped the room",
        preventive_action="Supervisor checks every room",
    )


def set_times(case, *, apologised=None, verified=None) -> None:
    """Pin the step times to exact offsets from the report (the services stamp "now")."""
    changes = {}
    if apologised is not None:
        changes["apologised_at"] = case.reported_at + apologised
    if verified is not None:
        changes["verified_at"] = case.reported_at + verified
    Complaint.objects.filter(pk=case.pk).update(**changes)


def decided(offer: Offer, case, after: dt.timedelta) -> None:
    Offer.objects.filter(pk=offer.pk).update(decided_at=case.reported_at + after)


def goal(case, status: str, *, due: dt.datetime, kind: str = ReminderKind.DUE) -> Reminder:
    return Reminder.objects.create(
        property=case.property,
        complaint=case,
        kind=kind,
        subject="step",
        recipient=case.assignee,
        due_at=due,
        status=status,
        idempotency_key=f"test:{case.pk}:{Reminder.objects.count()}",
    )


def stay(guest, room, arrival: dt.date, status: str) -> Stay:
    return Stay.objects.create(
        property=room.property,
        guest=guest,
        room=room,
        arrival_date=arrival,
        departure_date=arrival + 2 * DAY,
        confirmation_number=f"T{Stay.objects.count() + 1:05d}",
        status=status,
    )


def csv_rows(response) -> tuple[bytes, list[list[str]]]:
    raw = b"".join(response.streaming_content)
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def listed(client, filters: dict):
    """The case list opened with the dashboard's drill-down parameters, as the template links them."""
    response = client.get(f"/complaints/?{as_query(filters)}")
    assert response.status_code == 200
    return response


# --- the hand-built hotel --------------------------------------------------------------------


@pytest.fixture
def world(sha, hgh, clerk, grm):
    """Seven cases this period, two in the previous one, one older, one at another hotel.

    This period (the last 30 local days), Shanghai time:
      A  张三  2606 not clean  high   apologised 1h; offer declined at 2h (999), accepted at 5h (200);
                                    verified very satisfied at 24h
      B  g2    2606 not clean         apologised 2h; accepted at 3h (50); verified OK at 30h
      C  g3    2701 not clean         apologised 3h; accepted at 8h (0); verified dissatisfied at 48h
      D  walk-in restaurant (F&B)     apologised 10h; an offer of 300 still open
      E  张三  2606 amenities         just listening
      F  g4    3201 not clean         withdrawn
      G  g5    2701 not clean         first minute of the period, listening
    Previous period: H (walk-in, last minute of it) and I (g6), both very satisfied.
    """
    today = sha.today()
    period = dashboard.Period(today - 29 * DAY, today)
    hk = factories.make_department(sha, "housekeeping", categories=["Room not clean", "Missing amenities"])
    fnb = factories.make_department(sha, "fnb", name_zh="餐饮", categories=["Slow service"])
    not_clean, amenities = hk.categories.order_by("pk")
    rooms = {n: factories.make_room(sha, n) for n in ("2606", "2701", "3201", "2801")}
    zhang = factories.make_guest("张", "三")
    g2, g3, g4, g5, g6 = (factories.make_guest() for _ in range(5))

    def log(name, guest, at, **fields):
        fields.setdefault("department", hk)
        if guest is None:
            fields.setdefault("complainant_name", f"Walk-in {name}")
        return factories.log_case(
            sha,
            clerk,
            guest=guest,
            reported_at=at,
            occurred_at=at - HOUR,
            guest_words=f"Case {name}",
            **fields,
        )

    a = log("A", zhang, local(sha, today - 20 * DAY), room=rooms["2606"], severity=Severity.HIGH)
    b = log("B", g2, local(sha, today - 15 * DAY), room=rooms["2606"])
    c = log("C", g3, local(sha, today - 10 * DAY), room=rooms["2701"])
    d = log("D", None, local(sha, today - 5 * DAY), department=fnb, area=Area.RESTAURANT)
    e = log("E", zhang, local(sha, today - 3 * DAY), room=rooms["2606"], category=amenities)
    f = log("F", g4, local(sha, today - 2 * DAY), room=rooms["3201"])
    g = log("G", g5, local(sha, today - 29 * DAY, 0, 10), room=rooms["2701"])
    h = log("H", None, local(sha, today - 30 * DAY, 23, 30), department=fnb, area=Area.BAR)
    i = log("I", g6, local(sha, today - 45 * DAY, 9), department=fnb, area=Area.BAR)
    old = log("old", None, local(sha, today - 60 * DAY, 12), department=fnb, area=Area.BAR)

    # A: a declined offer first, then an accepted one; very satisfied
    apologise(a, clerk)
    declined = answered_offer(a, clerk, "999", accepted=False)
    accepted_a = answered_offer(a, clerk, "200", accepted=True)
    verify(a, clerk, Verdict.VERY_SATISFIED)
    set_times(a, apologised=1 * HOUR, verified=24 * HOUR)
    decided(declined, a, 2 * HOUR)
    decided(accepted_a, a, 5 * HOUR)
    # B: only OK
    apologise(b, clerk)
    decided(answered_offer(b, clerk, "50", accepted=True), b, 3 * HOUR)
    verify(b, clerk, Verdict.SATISFIED)
    set_times(b, apologised=2 * HOUR, verified=30 * HOUR)
    # C: dissatisfied (back to resolving)
    apologise(c, clerk)
    decided(answered_offer(c, clerk, "0", accepted=True), c, 8 * HOUR)
    verify(c, clerk, Verdict.DISSATISFIED)
    set_times(c, apologised=3 * HOUR, verified=48 * HOUR)
    # D: apologised, an offer still waiting for the guest's answer
    apologise(d, clerk)
    act(services.offer_make, d, clerk, remedy_type="amenity", description="Dinner", value=Decimal("300"))
    set_times(d, apologised=10 * HOUR)
    # F: withdrawn
    act(services.complaint_withdraw, f, clerk, reason="Guest found the key card")
    # previous period: H and I very satisfied
    for case, apology, accepted_after, value, verified_after in (
        (h, 4 * HOUR, 6 * HOUR, "80", 12 * HOUR),
        (i, 6 * HOUR, 7 * HOUR, "0", 20 * HOUR),
    ):
        apologise(case, clerk)
        decided(answered_offer(case, clerk, value, accepted=True), case, accepted_after)
        verify(case, clerk, Verdict.VERY_SATISFIED)
        set_times(case, apologised=apology, verified=verified_after)
    # the older case, outside both periods, with everything a figure could pick up
    apologise(old, clerk)
    decided(answered_offer(old, clerk, "500", accepted=True), old, 1 * HOUR)
    verify(old, clerk, Verdict.DISSATISFIED)
    set_times(old, apologised=1 * HOUR, verified=2 * HOUR)

    # Another hotel's case this period: dissatisfied, compensated, a missed goal.
    hgh_clerk = factories.front_desk_at(hgh)
    hgh_dept = factories.make_department(hgh, "housekeeping")
    elsewhere = factories.log_case(
        hgh,
        hgh_clerk,
        department=hgh_dept,
        guest=zhang,
        room=factories.make_room(hgh, "2606"),
        reported_at=local(hgh, today - 4 * DAY),
    )
    apologise(elsewhere, hgh_clerk)
    answered_offer(elsewhere, hgh_clerk, "700", accepted=True)
    verify(elsewhere, hgh_clerk, Verdict.DISSATISFIED)

    # Goals (DUE reminders), replacing whatever the services scheduled.
    Reminder.objects.all().delete()
    now = timezone.now()
    goal(a, ReminderStatus.CANCELLED, due=now - DAY)  # met
    goal(a, ReminderStatus.CANCELLED, due=now - DAY)  # met
    goal(a, ReminderStatus.SENT, due=now - DAY, kind=ReminderKind.ESCALATION)  # not a goal
    goal(b, ReminderStatus.CANCELLED, due=now - DAY)  # met
    goal(b, ReminderStatus.SENT, due=now - DAY)  # missed
    goal(c, ReminderStatus.CLAIMED, due=now - DAY)  # missed: being sent
    goal(d, ReminderStatus.PENDING, due=now - HOUR)  # missed: due and not done
    goal(d, ReminderStatus.PENDING, due=now + HOUR)  # not decided yet
    goal(e, ReminderStatus.CANCELLED, due=now + HOUR)  # met
    goal(h, ReminderStatus.CANCELLED, due=now - DAY)  # previous period: met
    goal(old, ReminderStatus.SENT, due=now - DAY)
    goal(elsewhere, ReminderStatus.SENT, due=now - DAY)

    # Stays: 张三 and g5 came back, g6 came back after the previous period's case.
    stay(zhang, rooms["2801"], today + 10 * DAY, StayStatus.RESERVED)
    stay(g2, rooms["2801"], today - 15 * DAY, StayStatus.CHECKED_OUT)  # arrived the day of the complaint
    stay(g2, rooms["2801"], today + 5 * DAY, StayStatus.CANCELLED)
    stay(g3, rooms["2801"], today - 2 * DAY, StayStatus.NO_SHOW)
    stay(g4, rooms["2801"], today - 40 * DAY, StayStatus.CHECKED_OUT)  # before the complaint only
    stay(g5, rooms["3201"], today - 20 * DAY, StayStatus.CHECKED_OUT)
    stay(g6, rooms["3201"], today - 35 * DAY, StayStatus.CHECKED_OUT)

    cases = {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "G": g, "H": h, "I": i, "old": old}
    for case in cases.values():
        case.refresh_from_db()
    elsewhere.refresh_from_db()
    return SimpleNamespace(
        period=period,
        cases=cases,
        elsewhere=elsewhere,
        rooms=rooms,
        departments={"housekeeping": hk, "fnb": fnb},
        categories={"not_clean": not_clean, "amenities": amenities},
        query=f"start={period.start.isoformat()}&end={period.end.isoformat()}",
    )


# --- the figures ---------------------------------------------------------------------------------


def test_cases_and_verdicts_are_counted_with_ok_shown_as_a_flaw(sha, world):
    # Given seven cases this period: one very satisfied, one only OK, one dissatisfied, four unverified
    # When the KPIs are computed for the period
    current = dashboard.kpis(sha, world.period)["current"]
    # Then every case counts, withdrawn included, and the shares are of the verified cases only
    assert current["total"] == 7
    assert current["verified"] == 3
    assert current["recovered"] == 1
    assert current["ok"] == 1
    assert current["dissatisfied"] == 1
    assert current["recovery_rate"] == 33.3
    assert current["ok_share"] == 33.3


def test_timings_are_nearest_rank_median_and_p90_from_the_report(sha, world):
    # Given apologies 1, 2, 3 and 10 hours after the report, first accepted offers after 5 (a declined
    # one at 2 does not count), 3 and 8 hours, and verdicts after 24, 30 and 48 hours
    # When the KPIs are computed
    current = dashboard.kpis(sha, world.period)["current"]
    # Then the median and p90 are the nearest-rank values (index ceil(f·n) − 1)
    assert current["apologise"] == {"count": 4, "median": 2 * HOUR, "p90": 10 * HOUR}
    assert current["resolution"] == {"count": 3, "median": 5 * HOUR, "p90": 8 * HOUR}
    assert current["verification"] == {"count": 3, "median": 30 * HOUR, "p90": 48 * HOUR}


def test_granted_is_the_accepted_offers_only(sha, world):
    # Given accepted offers of 200, 50 and 0, a declined one of 999 and an open one of 300 this period
    # When the KPIs are computed
    current = dashboard.kpis(sha, world.period)["current"]
    # Then only what guests accepted counts as granted (not the other hotel's 700, not the older 500)
    assert current["granted"] == Decimal("250")


def test_service_level_is_goals_met_over_goals_decided(sha, world):
    # Given four reminders cancelled because the step was done in time, one sent, one being sent, one
    # pending past its due time, one pending in the future, and an escalation
    # When the KPIs are computed
    current = dashboard.kpis(sha, world.period)["current"]
    # Then met ÷ (met + missed): the future one is not decided yet and escalations are not goals
    assert (current["goals_met"], current["goals"]) == (4, 7)
    assert current["service_level"] == 57.1


def test_came_back_counts_guests_with_a_later_real_stay(sha, world):
    # Given five complaining guests: 张三 (two cases) with a reservation next week, g5 who stayed again,
    # g2 whose only stays arrive the day of the complaint or were cancelled, g3 a no-show, g4 with
    # only an earlier stay; and a walk-in without a profile
    # When the KPIs are computed
    current = dashboard.kpis(sha, world.period)["current"]
    # Then 张三 counts once and g5 once, out of five complainants
    assert current["complainants"] == 5
    assert current["came_back"] == 2
    assert current["came_back_share"] == 40.0


def test_previous_period_is_the_same_length_just_before(sha, world):
    # Given two very satisfied cases in the 30 days before the period (one in its last minute)
    # When the KPIs are computed
    kpis = dashboard.kpis(sha, world.period)
    previous = kpis["previous"]
    # Then the previous figures are theirs alone, beside this period's
    assert world.period.previous() == dashboard.Period(
        world.period.start - 30 * DAY, world.period.start - DAY
    )
    assert (previous["total"], previous["verified"], previous["recovered"], previous["ok"]) == (2, 2, 2, 0)
    assert (previous["recovery_rate"], previous["ok_share"]) == (100.0, 0.0)
    assert previous["granted"] == Decimal("80")
    assert (previous["service_level"], previous["goals"]) == (100.0, 1)
    assert (previous["came_back"], previous["complainants"], previous["came_back_share"]) == (1, 1, 100.0)
    assert previous["apologise"] == {"count": 2, "median": 4 * HOUR, "p90": 6 * HOUR}
    assert previous["resolution"] == {"count": 2, "median": 6 * HOUR, "p90": 7 * HOUR}
    assert previous["verification"] == {"count": 2, "median": 12 * HOUR, "p90": 20 * HOUR}
    assert kpis["current"]["total"] == 7


def test_no_cases_gives_zeros_and_no_shares_and_the_page_still_renders(sha, grm, login):
    # Given a hotel without a single case
    period = dashboard.Period(sha.today() - 29 * DAY, sha.today())
    # When the KPIs are computed and the dashboard is opened
    kpis = dashboard.kpis(sha, period)
    response = login(grm).get("/complaints/dashboard/")
    # Then counts are zero, shares and timings are unknown (not 0%), and the page says so
    for figures in (kpis["current"], kpis["previous"]):
        assert figures["total"] == figures["verified"] == figures["came_back"] == figures["goals"] == 0
        assert figures["granted"] == 0
        assert figures["recovery_rate"] is None and figures["ok_share"] is None
        assert figures["service_level"] is None and figures["came_back_share"] is None
        for timing in ("apologise", "resolution", "verification"):
            assert figures[timing] == {"count": 0, "median": None, "p90": None}
    assert response.status_code == 200
    page = response.content.decode()
    assert "No cases yet." in page and "Nothing recurs in this period." in page
    assert "—" in page


def test_cases_without_a_verdict_leave_the_shares_unknown(sha, clerk):
    # Given two cases this period, one apologised to, neither verified yet
    period = dashboard.Period(sha.today() - 29 * DAY, sha.today())
    apologised = factories.log_case(sha, clerk, reported_at=timezone.now() - 3 * HOUR)
    factories.log_case(sha, clerk, reported_at=timezone.now() - 2 * HOUR)
    apologise(apologised, clerk)
    set_times(apologised, apologised=HOUR)
    # When the KPIs are computed
    current = dashboard.kpis(sha, period)["current"]
    # Then they count as cases, but no recovery rate or OK share is invented
    assert (current["total"], current["verified"]) == (2, 0)
    assert current["recovery_rate"] is None and current["ok_share"] is None
    assert current["verification"] == {"count": 0, "median": None, "p90": None}
    assert current["apologise"] == {"count": 1, "median": HOUR, "p90": HOUR}


# --- drill-down ------------------------------------------------------------------------------------


def test_every_kpi_drills_down_to_exactly_the_cases_it_counts(sha, grm, login, world):
    # Given the hand-built period, opened on the dashboard by the guest relations manager
    client = login(grm)
    response = client.get(f"/complaints/dashboard/?{world.query}")
    assert response.status_code == 200
    kpis = response.context["kpis"]
    page = response.content.decode()
    # When each figure's drill-down link is followed
    counts = {
        key: listed(client, filters).context["page"].paginator.count for key, filters in kpis["drill"].items()
    }
    # Then the list holds as many cases as the figure says, and the page links exactly there
    current = kpis["current"]
    assert counts == {key: current[key] for key in kpis["drill"]}
    assert counts == {
        "total": 7,
        "verified": 3,
        "recovered": 1,
        "ok": 1,
        "dissatisfied": 1,
        "came_back": 2,
        # every verdict here was recorded by staff; no guest answered through a link
        "staff_verified": 3,
        "staff_recovered": 1,
        "staff_ok": 1,
        "guest_answered": 0,
        "guest_recovered": 0,
        "guest_ok": 0,
        "guest_dissatisfied": 0,
    }
    for key in ("total", "recovered", "ok", "dissatisfied", "came_back"):
        assert f'href="/complaints/?{escape(as_query(kpis["drill"][key]))}"' in page


def test_the_came_back_drill_down_lists_each_returning_guest_once(sha, grm, login, world):
    # Given 张三 complained twice this period and g5 once, and both came back
    # When the "came back" figure is drilled into
    filters = dashboard.kpis(sha, world.period)["drill"]["came_back"]
    shown = list(listed(login(grm), filters).context["page"].object_list)
    # Then each guest appears once, by their first case of the period
    assert sorted(c.reference for c in shown) == sorted(
        [world.cases["A"].reference, world.cases["G"].reference]
    )


def test_every_breakdown_and_recurring_row_drills_down_to_its_count(sha, grm, login, world):
    # Given the dashboard of the hand-built period
    client = login(grm)
    response = client.get(f"/complaints/dashboard/?{world.query}")
    breakdowns, recurring = response.context["breakdowns"], response.context["recurring"]
    page = response.content.decode()
    # When every row's link is followed
    rows = [row for key in breakdowns for row in breakdowns[key]] + recurring
    # Then each list holds exactly the row's count, and the page links exactly there
    for row in rows:
        assert listed(client, row["filters"]).context["page"].paginator.count == row["count"], row
        assert f'href="/complaints/?{escape(as_query(row["filters"]))}"' in page
    by = {key: {row["label"]: row["count"] for row in breakdowns[key]} for key in breakdowns}
    assert by["department"] == {"Housekeeping": 6, "Fnb": 1}
    assert by["category"] == {"Room not clean": 5, "Missing amenities": 1, "Slow service": 1}
    assert by["room"] == {"2606": 3, "2701": 2, "3201": 1}
    assert by["floor"] == {"26": 3, "27": 2, "32": 1}
    assert by["severity"] == {"Medium": 6, "High": 1}
    assert sorted((r["room"], r["category"], r["count"]) for r in recurring) == [
        ("2606", "Room not clean", 2),
        ("2701", "Room not clean", 2),
    ]


def test_drill_downs_never_show_another_hotels_cases(sha, grm, login, world):
    # Given a case at the West Lake hotel in the same days, for the same guest, in a room 2606 too
    client = login(grm)
    kpis = client.get(f"/complaints/dashboard/?{world.query}").context["kpis"]
    # When the period's cases and the verified ones are listed at Shanghai
    for key in ("total", "verified", "dissatisfied", "came_back"):
        response = listed(client, kpis["drill"][key])
        # Then the other hotel's case is not among them
        assert world.elsewhere.reference not in response.content.decode()
        assert world.elsewhere.pk not in {c.pk for c in response.context["page"].object_list}


def test_the_dashboard_page_shows_the_figures(grm, login, world):
    # Given the hand-built period
    # When the manager opens it
    page = login(grm).get(f"/complaints/dashboard/?{world.query}").content.decode()
    # Then the recovery rate, the flaw share, the service level and the return rate are on it
    assert "33.3%" in page and "(1/3)" in page
    assert "57.1%" in page and "(4/7)" in page
    assert "40.0%" in page and "(2/5)" in page
    assert "2.0 h / 10.0 h" in page


# --- CSV -----------------------------------------------------------------------------------------


def test_case_list_csv_round_trips_chinese_and_neutralises_formulas(sha, clerk, grm, login):
    # Given cases with Chinese names and words, one starting like a spreadsheet formula
    dept = factories.make_department(sha, "housekeeping", name_zh="客房")
    zhang = factories.make_guest("张", "三")
    quiet = factories.log_case(
        sha, clerk, department=dept, guest=zhang, guest_words="空调太吵，整晚睡不着\n第二行"
    )
    formula = factories.log_case(
        sha, clerk, department=dept, complainant_name="李四", guest_words='=HYPERLINK("http://x","点我")'
    )
    # When the manager downloads the whole list as CSV, in Chinese
    response = login(grm).get("/complaints/?status=all&format=csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    raw, rows = csv_rows(response)
    # Then it starts with a byte-order mark (Excel reads UTF-8), and the text comes back unchanged
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert raw.startswith(BOM)
    header, *cases = rows
    assert len(header) == 12 and all(len(row) == 12 for row in cases)
    by_reference = {row[0]: row for row in cases}
    assert set(by_reference) == {quiet.reference, formula.reference}
    assert by_reference[quiet.reference][2] == "张三"
    assert by_reference[quiet.reference][4] == "客房"
    assert by_reference[quiet.reference][11] == "空调太吵，整晚睡不着\n第二行"
    assert by_reference[formula.reference][2] == "李四"
    # and the formula is neutralised with a leading apostrophe
    assert by_reference[formula.reference][11] == '\'=HYPERLINK("http://x","点我")'


def test_case_list_csv_shows_times_in_the_hotels_time_zone(db, login):
    # Given a hotel in New York (the server's default zone is Shanghai) and a case reported at 09:30 there
    nyc = factories.make_property("NYC", time_zone="America/New_York")
    manager = factories.make_staff(roles_at={nyc: roles.GUEST_RELATIONS_MANAGER})
    reported = local(nyc, dt.date(2025, 3, 14), 9, 30)
    case = factories.log_case(nyc, manager, reported_at=reported, occurred_at=reported)
    # When the manager downloads the list
    _, rows = csv_rows(login(manager).get("/complaints/?status=all&format=csv"))
    # Then the reported time is the hotel's wall-clock time
    assert rows[1][0] == case.reference
    assert rows[1][1] == "2025-03-14 09:30"


def test_kpi_csv_has_the_figures_and_chinese_labels(sha, grm, login, world):
    # Given the hand-built period
    # When the manager downloads its KPI table, in English and in Chinese
    english = login(grm).get(f"/complaints/dashboard/?{world.query}&format=csv")
    raw, rows = csv_rows(english)
    chinese_raw, chinese_rows = csv_rows(
        login(grm).get(f"/complaints/dashboard/?{world.query}&format=csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    )
    # Then both parse, with a BOM, and carry this period's and the previous period's figures
    assert raw.startswith(BOM) and chinese_raw.startswith(BOM)
    assert rows[0] == ["Figure", "This period", "Previous period"]
    table = {label: (this, before) for label, this, before in rows[1:]}
    assert table["Cases"] == ("7", "2")
    assert table["Verified"] == ("3", "2")
    assert table["Recovery rate (very satisfied), %"] == ("33.3", "100.0")
    assert table["Only OK (a flaw), %"] == ("33.3", "0.0")
    assert table["Customer service level, %"] == ("57.1", "100.0")
    assert [Decimal(v) for v in table["Compensation granted"]] == [Decimal("250"), Decimal("80")]
    assert table["Complainants who came back, %"] == ("40.0", "100.0")
    assert table["Time to apologise — median, hours"] == ("2.0", "4.0")
    assert table["Time to verification — p90, hours"] == ("48.0", "20.0")
    with translation.override("zh-hans"):
        cases_label = translation.gettext("Cases")
    assert cases_label != "Cases"
    assert [cases_label, "7", "2"] in chinese_rows
    assert len(chinese_rows) == len(rows)


def test_kpi_csv_of_an_empty_period_has_blank_shares(sha, grm, login):
    # Given no cases
    # When the KPI table is downloaded
    _, rows = csv_rows(login(grm).get("/complaints/dashboard/?days=7&format=csv"))
    table = {label: (this, before) for label, this, before in rows[1:]}
    # Then counts are 0 and unknown shares and timings are left blank rather than 0
    assert table["Cases"] == ("0", "0")
    assert table["Recovery rate (very satisfied), %"] == ("", "")
    assert table["Time to apologise — median, hours"] == ("", "")


# --- who may see it ------------------------------------------------------------------------------


def test_front_desk_cannot_open_the_dashboard_or_the_review_queue(sha, clerk, login):
    # Given a front-desk clerk and a case of theirs
    case = factories.log_case(sha, clerk)
    client = login(clerk)
    # When they open the manager's pages or try to mark a case reviewed
    # Then each is refused, and nothing is recorded
    assert client.get("/complaints/dashboard/").status_code == 403
    assert client.get("/complaints/dashboard/?format=csv").status_code == 403
    assert client.get("/complaints/review/").status_code == 403
    assert client.post("/complaints/review/", {"complaint": case.pk, "comment": "x"}).status_code == 403
    assert not Review.objects.exists()


def test_guest_relations_manager_and_group_director_open_the_dashboard(sha, grm, login):
    # Given a guest relations manager at the hotel and a group director
    director = factories.make_staff("director", group_role=roles.GROUP_DIRECTOR)
    # When each opens the dashboard and the review queue
    # Then both are shown
    for user in (grm, director):
        client = login(user)
        assert client.get("/complaints/dashboard/").status_code == 200
        assert client.get("/complaints/review/").status_code == 200


# --- the review queue ------------------------------------------------------------------------------


def test_a_case_closed_today_is_reviewed_with_a_comment_on_its_timeline(sha, clerk, grm, login):
    # Given a case closed just now and one closed two days ago
    recent = factories.log_case(sha, clerk, guest_words="Noisy air conditioning")
    earlier = factories.log_case(sha, clerk)
    for case in (recent, earlier):
        apologise(case, clerk)
        answered_offer(case, clerk, "0", accepted=True)
        verify(case, clerk, Verdict.VERY_SATISFIED)
    Complaint.objects.filter(pk=earlier.pk).update(closed_at=timezone.now() - 2 * DAY)
    client = login(grm)
    # When the manager opens the review queue
    queue = client.get("/complaints/review/").context["queue"]
    # Then only the recent one waits there
    assert [c.pk for c in queue["closed"]] == [recent.pk]
    # When they mark it reviewed with a comment
    response = client.post(
        "/complaints/review/", {"complaint": recent.pk, "comment": "  已回访，客人很满意  "}
    )
    # Then the review is recorded and the comment is on the case's timeline
    assert response.status_code == 302 and response["Location"] == "/complaints/review/"
    review = Review.objects.get(complaint=recent)
    assert (review.reviewer, review.comment) == (grm, "已回访，客人很满意")
    event = ComplaintEvent.objects.get(complaint=recent, kind=EventKind.REVIEWED)
    assert (event.actor, event.note) == (grm, "已回访，客人很满意")
    assert "已回访，客人很满意" in client.get(f"/complaints/{recent.pk}/").content.decode()
    # and the reviewed case leaves the queue; "show reviewed" brings it back with the comment (issue #21)
    assert client.get("/complaints/review/").context["queue"]["closed"] == []
    assert "已回访，客人很满意" in client.get("/complaints/review/?reviewed=1").content.decode()


def test_the_review_queue_query_count_does_not_grow_with_reviewed_cases(sha, clerk, grm, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(grm)

    def closed_case():
        case = factories.log_case(sha, clerk)
        apologise(case, clerk)
        answered_offer(case, clerk, "0", accepted=True)
        verify(case, clerk, Verdict.VERY_SATISFIED)
        client.post("/complaints/review/", {"complaint": case.pk, "comment": "ok"})

    def count(url):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        return len(ctx.captured_queries)

    closed_case()
    one = count("/complaints/review/?reviewed=1"), count("/complaints/review/")
    for _ in range(5):
        closed_case()
    assert len(client.get("/complaints/review/?reviewed=1").context["queue"]["closed"]) == 6
    assert (count("/complaints/review/?reviewed=1"), count("/complaints/review/")) == one


def test_reviewing_a_case_of_another_hotel_or_no_case_is_not_found(sha, hgh, grm, login):
    # Given a case at another hotel
    other_clerk = factories.front_desk_at(hgh)
    other = factories.log_case(hgh, other_clerk, department=factories.make_department(hgh, "housekeeping"))
    client = login(grm)
    # When the Shanghai manager posts a review for it, or for something that is not a case number
    # Then it is not found, and nothing is recorded
    assert client.post("/complaints/review/", {"complaint": other.pk}).status_code == 404
    assert client.post("/complaints/review/", {"complaint": "abc"}).status_code == 404
    assert client.post("/complaints/review/", {}).status_code == 404
    assert not Review.objects.exists()


# --- query count -----------------------------------------------------------------------------------


def bulk_cases(prop, staff, *, first: int, count: int, departments, rooms, guests) -> None:
    """`count` cases straight into the database, spread over 60 days, steps, verdicts and rooms."""
    now = timezone.now()
    verdicts = ["", Verdict.VERY_SATISFIED, Verdict.SATISFIED, Verdict.DISSATISFIED]
    open_steps = [
        Status.LISTENING,
        Status.APOLOGISING,
        Status.RESOLVING,
        Status.FOLLOWING_UP,
        Status.VERIFYING,
    ]
    severities = list(Severity)
    categories = [list(d.categories.all()) for d in departments]
    cases = []
    for n in range(first, first + count):
        reported = now - dt.timedelta(days=(n * 7) % 60 + 1, hours=n % 5)
        verdict = verdicts[n % 4]
        status = {Verdict.VERY_SATISFIED: Status.CLOSED, Verdict.SATISFIED: Status.CLOSED}.get(
            verdict, Status.RESOLVING if verdict else open_steps[n % 5]
        )
        guest = guests[n % len(guests)] if n % 3 == 0 else None
        department = n % len(departments)
        cases.append(
            Complaint(
                property=prop,
                reference=f"{prop.code}-BULK-{n:05d}",
                guest=guest,
                complainant_name="" if guest else f"Walk-in {n}",
                room=rooms[n % len(rooms)] if n % 4 else None,
                department=departments[department],
                category=categories[department][n % len(categories[department])],
                severity=severities[n % len(severities)],
                guest_words=f"Case number {n}",
                occurred_at=reported - HOUR,
                reported_at=reported,
                owner=staff,
                assignee=staff,
                status=status,
                verdict=verdict,
                apologised_at=reported + dt.timedelta(minutes=10 + n % 90) if n % 5 else None,
                verified_at=reported + dt.timedelta(hours=1 + n % 48) if verdict else None,
                closed_at=reported + dt.timedelta(hours=1 + n % 48) if status == Status.CLOSED else None,
                is_repeat=n % 11 == 0,
            )
        )
    created = Complaint.objects.bulk_create(cases, batch_size=1000)
    Offer.objects.bulk_create(
        [
            Offer(
                complaint=case,
                remedy_type="amenity",
                description="Fruit basket",
                value=Decimal(n % 300),
                status=OfferStatus.ACCEPTED,
                offered_by=staff,
                decided_at=case.reported_at + dt.timedelta(hours=1 + n % 12),
            )
            for n, case in enumerate(created, start=first)
            if n % 3 == 0
        ],
        batch_size=1000,
    )
    statuses = [ReminderStatus.CANCELLED, ReminderStatus.SENT, ReminderStatus.PENDING, ReminderStatus.PENDING]
    Reminder.objects.bulk_create(
        [
            Reminder(
                property=prop,
                complaint=case,
                kind=ReminderKind.DUE,
                subject="resolve",
                recipient=staff,
                due_at=now + (DAY if n % 8 == 3 else -DAY),
                status=statuses[n % 4],
                idempotency_key=f"bulk:{case.pk}",
            )
            for n, case in enumerate(created, start=first)
        ],
        batch_size=1000,
    )


def test_dashboard_query_count_is_the_same_for_10_and_10000_cases(sha, clerk, grm, login, steady_session):
    # Given ten cases spread over both periods, with apologies, accepted offers, verdicts and returns
    departments = [
        factories.make_department(sha, "housekeeping", categories=["Room not clean", "Missing amenities"]),
        factories.make_department(sha, "engineering", categories=["Air conditioning", "Plumbing", "TV"]),
        factories.make_department(sha, "fnb", categories=["Slow service"]),
    ]
    rooms = [factories.make_room(sha, f"{floor}{n:02d}") for floor in range(21, 36) for n in (1, 2)]
    guests = [factories.make_guest() for _ in range(5)]
    for number, guest in enumerate(guests):
        stay(guest, rooms[number], sha.today() + (number + 1) * DAY, StayStatus.RESERVED)
    common = {"departments": departments, "rooms": rooms, "guests": guests}
    bulk_cases(sha, clerk, first=0, count=10, **common)
    client = login(grm)
    period = dashboard.rolling_period(sha, 30)
    live = f"/complaints/dashboard/?start={period.start}&end={period.end}"  # a custom period: computed live
    snapshot = "/complaints/dashboard/?days=30"  # the standard period: read from its snapshot
    assert client.get(snapshot).status_code == 200  # warm the session (and store the snapshot)

    def queries(url: str) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries), response.context["kpis"]["current"]

    few_live, few_kpis = queries(live)
    few_snapshot, _ = queries(snapshot)
    # When 9,990 more cases are added, and beat refreshes the snapshots
    bulk_cases(sha, clerk, first=10, count=9_990, **common)
    tasks.dashboard_snapshots_refresh()
    many_live, many_kpis = queries(live)
    many_snapshot, snapshot_kpis = queries(snapshot)
    # Then both ways run the same number of queries (and really did read the new cases)
    assert few_kpis["total"] < 10 and many_kpis["total"] > 4_000
    assert few_kpis["apologise"]["count"] and few_kpis["resolution"]["count"]
    assert few_kpis["verification"]["count"] and few_kpis["came_back"]
    assert many_live == few_live
    assert many_snapshot == few_snapshot < few_live
    # And the snapshot holds exactly the live figures, of the same types
    assert snapshot_kpis == many_kpis


# --- snapshots of the standard periods (ADR 0013) ---------------------------------------------


def test_a_standard_period_shows_its_snapshot_until_recomputed(sha, clerk, grm, login):
    # Given two cases this week, and the manager's 30-day dashboard (which stores its snapshot)
    factories.log_case(sha, clerk)
    factories.log_case(sha, clerk)
    client = login(grm)
    first = client.get("/complaints/dashboard/?days=30")
    assert first.context["kpis"]["current"]["total"] == 2
    computed_at = first.context["computed_at"]
    assert f"Figures as of {timezone.localtime(computed_at):%H:%M}" in first.content.decode()
    # When a third case is logged
    factories.log_case(sha, clerk)
    # Then the page still shows the figures as of the snapshot
    assert client.get("/complaints/dashboard/?days=30").context["kpis"]["current"]["total"] == 2
    # And "Recompute now" brings them up to date, for the same period
    response = client.post("/complaints/dashboard/", {"days": "30"})
    assert response.status_code == 302 and response["Location"] == "/complaints/dashboard/?days=30"
    again = client.get("/complaints/dashboard/?days=30")
    assert again.context["kpis"]["current"]["total"] == 3
    assert again.context["computed_at"] > computed_at
    # And a custom period is always computed live, with no "as of" time
    period = dashboard.rolling_period(sha, 30)
    custom = client.get(f"/complaints/dashboard/?start={period.start}&end={period.end}")
    assert custom.context["computed_at"] is None and "Figures as of" not in custom.content.decode()


def test_a_snapshot_older_than_the_max_age_or_of_another_day_is_recomputed(sha, clerk, grm, login, settings):
    # Given a stored 30-day snapshot with one case, then a second case
    factories.log_case(sha, clerk)
    client = login(grm)
    client.get("/complaints/dashboard/?days=30")
    factories.log_case(sha, clerk)
    snapshot = DashboardSnapshot.objects.get(property=sha, days=30)
    # When the snapshot is older than DASHBOARD_SNAPSHOT_MAX_AGE (beat stopped)
    snapshot.computed_at -= dt.timedelta(seconds=settings.DASHBOARD_SNAPSHOT_MAX_AGE + 1)
    snapshot.save()
    # Then the page recomputes it
    assert client.get("/complaints/dashboard/?days=30").context["kpis"]["current"]["total"] == 2
    # And a snapshot fresh in time but of yesterday's period (the day turned) is recomputed too
    factories.log_case(sha, clerk)
    DashboardSnapshot.objects.filter(pk=snapshot.pk).update(
        period_start=F("period_start") - dt.timedelta(days=1),
        period_end=F("period_end") - dt.timedelta(days=1),
    )
    assert client.get("/complaints/dashboard/?days=30").context["kpis"]["current"]["total"] == 3


def test_beat_refreshes_one_snapshot_per_hotel_and_period_and_is_safe_to_run_twice(sha, hgh, clerk, settings):
    settings.DASHBOARD_SNAPSHOT_DAYS = [7, 30]
    factories.log_case(sha, clerk)
    # When beat's task runs twice
    assert tasks.dashboard_snapshots_refresh() == 4
    assert tasks.dashboard_snapshots_refresh() == 4
    # Then each hotel has one snapshot per configured period, with that period's figures
    rows = DashboardSnapshot.objects.order_by("property__code", "days")
    assert [(r.property.code, r.days) for r in rows] == [("HGH", 7), ("HGH", 30), ("SHA", 7), ("SHA", 30)]
    sha30 = rows.get(property=sha, days=30)
    assert (sha30.period_start, sha30.period_end) == (sha.today() - 29 * DAY, sha.today())
    assert sha30.figures["kpis"]["current"]["total"] == 1
    assert rows.get(property=hgh, days=30).figures["kpis"]["current"]["total"] == 0


def test_a_snapshot_computed_in_english_is_shown_in_chinese(sha, clerk, grm, login):
    # Given a department and a category with Chinese names, and a snapshot computed by beat (English)
    department = factories.make_department(
        sha, "housekeeping", name_zh="客房部", categories=["Room not clean"]
    )
    department.categories.update(name_zh="房间不干净")
    room = factories.make_room(sha, "2606")
    for _ in range(2):
        factories.log_case(sha, clerk, department=department, room=room)
    with translation.override("en"):
        dashboard.snapshot_refresh(prop=sha, days=30)
    # When a manager reads the dashboard in Chinese
    client = login(grm)
    response = client.get("/complaints/dashboard/?days=30", headers={"accept-language": "zh-hans"})
    # Then the breakdowns and the recurring problems are labelled in Chinese, from the snapshot
    breakdowns = response.context["breakdowns"]
    assert [row["label"] for row in breakdowns["department"]] == ["客房部"]
    assert [row["label"] for row in breakdowns["category"]] == ["房间不干净"]
    assert [row["category"] for row in response.context["recurring"]] == ["房间不干净"]
    assert "客房部" in response.content.decode()
