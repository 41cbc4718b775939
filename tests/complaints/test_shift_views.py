"""The shift pages: the start page, the duty log, handing over and acknowledging, the briefing."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, DutyLogEntry, Handover, Problem, ProblemScope
from complaints.selectors.shift import SHIFT_CAP
from complaints.workflow import Verdict
from hotel_crm import roles
from tests import factories
from tests.complaints.shift_setup import arrival, past_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def duty(sha):
    return factories.make_staff("duty", roles_at={sha: roles.DUTY_MANAGER})


@pytest.mark.parametrize("role", [roles.FRONT_DESK, roles.DUTY_MANAGER, roles.GUEST_RELATIONS_MANAGER])
def test_my_shift_is_the_start_page_of_the_desk_and_the_managers(sha, login, role):
    client = login(factories.make_staff(roles_at={sha: role}))
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/complaints/shift/"
    page = client.get("/complaints/shift/")
    assert page.status_code == 200
    assert 'href="/rooms/"' in page.text  # the room board stays one click away


def test_a_group_director_still_starts_on_the_room_board(sha, login):
    client = login(factories.make_staff(group_role=roles.GROUP_DIRECTOR))
    assert client.get("/").url == "/rooms/"
    assert client.get("/complaints/shift/").status_code == 403


def test_every_item_on_my_shift_links_to_where_it_is_acted_on(sha, clerk, grm, login):
    case = factories.log_case(sha, clerk)
    Complaint.objects.filter(pk=case.pk).update(step_due_at=timezone.now() - dt.timedelta(minutes=5))
    guest = factories.make_guest("罗", "回", vip_level=1)
    past = past_case(sha, clerk, guest, verdict=Verdict.VERY_SATISFIED)
    arrival(sha, clerk, guest)
    handover = services.handover_create(prop=sha, actor=grm, notes="Fruit for 2305")
    page = login(clerk).get("/complaints/shift/").text
    assert f'href="/complaints/{case.pk}/"' in page  # overdue → the case
    assert f'href="/complaints/{past.pk}/"' in page  # the briefing's earlier case
    assert f'href="/complaints/shift/handovers/{handover.pk}/"' in page  # unread handover
    assert "Recovered last time" in page
    assert "Fruit for 2305" in page


def test_my_shift_counts_what_it_lists(sha, clerk, login):
    # Given one case overdue and one falling due before the shift ends
    overdue = factories.log_case(sha, clerk)
    due = factories.log_case(sha, clerk)
    Complaint.objects.filter(pk=overdue.pk).update(step_due_at=timezone.now() - dt.timedelta(minutes=5))
    Complaint.objects.filter(pk=due.pk).update(step_due_at=timezone.now() + dt.timedelta(minutes=5))
    # When the clerk opens my shift
    page = login(clerk).get("/complaints/shift/").text
    # Then each heading counts its items (the sum of two lengths once rendered as 0)
    assert re.search(r"Due before the shift ends\s*<span class=\"muted\">\(1\)", page)
    assert re.search(r"Overdue\s*<span class=\"muted\">\(1\)", page)


def _shift_rows(sha, clerk, n: int) -> None:
    now = timezone.now()
    for k in range(n):
        guest = factories.make_guest("周", f"{k}号", vip_level=k % 2, preferences=[("diet", "Halal")])
        past_case(sha, clerk, guest, verdict=Verdict.DISSATISFIED, compensation="20")
        arrival(sha, clerk, guest)
        case = factories.log_case(sha, clerk, guest=guest)
        Complaint.objects.filter(pk=case.pk).update(step_due_at=now + dt.timedelta(minutes=k - 3))
        services.duty_log_write(prop=sha, author=clerk, category="guest", text=f"note {k}", guest=guest)
    services.handover_create(prop=sha, actor=factories.front_desk_at(sha))


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url", ["/complaints/shift/", "/complaints/shift/log/", "/complaints/shift/briefing/"]
)
def test_the_shift_pages_query_count_does_not_grow_with_rows(sha, clerk, login, steady_session, url):
    client = login(clerk)
    _shift_rows(sha, clerk, 1)
    one = _count(client, url)
    _shift_rows(sha, clerk, 8)
    assert _count(client, url) == one


def test_the_handover_page_query_count_does_not_grow_with_rows(sha, clerk, login, steady_session):
    night = factories.front_desk_at(sha)
    client = login(night)
    _shift_rows(sha, clerk, 1)
    first = Handover.objects.get()
    one = _count(client, f"/complaints/shift/handovers/{first.pk}/")
    Handover.objects.all().delete()
    _shift_rows(sha, clerk, 8)
    assert _count(client, f"/complaints/shift/handovers/{Handover.objects.get().pk}/") == one


def test_writing_a_log_entry_from_the_page(sha, clerk, login):
    case = factories.log_case(sha, clerk)
    room = factories.make_room(sha, "2305")
    client = login(clerk)
    response = client.post(
        "/complaints/shift/log/",
        {
            "category": "room",
            "text": "Promised 2305 a new kettle",
            "case": case.reference.lower(),
            "room": "2305",
        },
    )
    assert response.status_code == 302
    entry = DutyLogEntry.objects.get()
    assert (entry.complaint, entry.room, entry.author) == (case, room, clerk)
    page = client.get("/complaints/shift/log/?q=kettle").text
    assert "Promised 2305 a new kettle" in page
    assert "Promised" not in client.get("/complaints/shift/log/?q=towel").text


def test_writing_in_the_duty_log_from_a_guests_profile_links_the_guest(sha, clerk, login):
    """Issue #19: an entry links to a case, a guest, a room or a stay; the guest from their profile."""
    from guests import services as guest_services

    guest = factories.make_guest("王", "芳")
    client = login(clerk)
    profile = client.get(f"/guests/{guest.pk}/").text
    assert f"/complaints/shift/log/?guest={guest.pk}#new-entry" in profile
    form = client.get(f"/complaints/shift/log/?guest={guest.pk}").text
    assert "About the guest:" in form and "王芳" in form
    response = client.post(
        "/complaints/shift/log/", {"category": "guest", "text": "Asked for a quiet room", "guest": guest.pk}
    )
    assert response.status_code == 302
    assert DutyLogEntry.objects.get().guest == guest
    # an erased or unknown guest is refused with a message, nothing saved
    guest_services.guest_erase(
        guest=guest,
        actor=factories.make_staff("gm", roles_at={sha: roles.GUEST_RELATIONS_MANAGER}),
        reason="PIPL",
    )
    for pk in (guest.pk, 999_999):
        refused = client.post("/complaints/shift/log/", {"category": "guest", "text": "x", "guest": pk})
        assert refused.status_code == 400 and "No such guest." in refused.text
    assert DutyLogEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"category": "room", "text": ""}, "This field is required"),
        ({"category": "room", "text": "x", "case": "SHA-1999-99999"}, "No such case in this hotel"),
        ({"category": "room", "text": "x", "room": "9999"}, "No such room in this hotel"),
        ({"category": "room", "text": "x", "stay": "NOPE"}, "No such stay in this hotel"),
        ({"category": "party", "text": "x"}, "Select a valid choice"),
        ({"category": "room", "text": "x", "corrects": "999999"}, "No such log entry"),
    ],
)
def test_a_bad_log_entry_is_refused_with_a_message_and_nothing_saved(sha, clerk, login, data, message):
    response = login(clerk).post("/complaints/shift/log/", data)
    assert response.status_code == 400
    assert message in response.text
    assert not DutyLogEntry.objects.exists()


@pytest.mark.parametrize(
    "query", ["day=0001-01-01", "day=9999-12-31", "day=2026-02-30", "shift=nope&day=2026-12-01", "page=x"]
)
def test_odd_log_filters_never_fail(sha, clerk, login, query):
    assert login(clerk).get(f"/complaints/shift/log/?{query}").status_code == 200


def test_the_log_filters_by_day_and_shift(sha, clerk, login):
    today = sha.today()
    at = dt.datetime.combine(today, dt.time(2, 0), tzinfo=sha.tzinfo)  # the night shift of yesterday evening
    services.duty_log_write(prop=sha, author=clerk, category="security", text="Night patrol", now=at)
    services.duty_log_write(
        prop=sha, author=clerk, category="guest", text="Morning call", now=at + dt.timedelta(hours=6)
    )
    client = login(clerk)
    night = client.get(f"/complaints/shift/log/?day={today - dt.timedelta(days=1)}&shift=night").text
    assert "Night patrol" in night and "Morning call" not in night
    morning = client.get(f"/complaints/shift/log/?day={today}&shift=morning").text
    assert "Morning call" in morning and "Night patrol" not in morning
    assert "Night patrol" not in client.get("/complaints/shift/log/?category=guest").text


def test_a_sensitive_entry_is_not_on_the_clerks_log(sha, clerk, grm, login):
    services.duty_log_write(
        prop=sha, author=grm, category="incident", text="Complaint about a colleague", is_sensitive=True
    )
    assert "Complaint about a colleague" not in login(clerk).get("/complaints/shift/log/").text
    assert "Complaint about a colleague" in login(grm).get("/complaints/shift/log/").text


def test_handing_over_and_acknowledging_from_the_pages(sha, clerk, duty, login):
    night = factories.front_desk_at(sha, first_name="Nick")
    evening = login(clerk)
    assert evening.get("/complaints/shift/handover/").status_code == 200
    response = evening.post(
        "/complaints/shift/handover/", {"notes": "2305 waits for a kettle", "to_user": night.pk}
    )
    handover = Handover.objects.get()
    assert response.status_code == 302 and response.url == f"/complaints/shift/handovers/{handover.pk}/"
    again = evening.post("/complaints/shift/handover/", {"notes": "again"})
    assert again.status_code == 400 and "already handed over" in again.text
    night_client = login(night)
    assert "Handover waiting for you" in night_client.get("/complaints/shift/").text
    stale = night_client.post(
        f"/complaints/shift/handovers/{handover.pk}/acknowledge/", {"version": handover.version + 5}
    )
    assert stale.status_code == 302
    handover.refresh_from_db()
    assert handover.acknowledged_at is None
    night_client.post(
        f"/complaints/shift/handovers/{handover.pk}/acknowledge/", {"version": handover.version}
    )
    handover.refresh_from_db()
    assert handover.acknowledged_by == night
    assert "Handover waiting for you" not in night_client.get("/complaints/shift/").text


def test_a_guest_flagged_only_by_a_sensitive_case_is_on_the_handover_page_only_for_who_sees_it(
    sha, clerk, grm, login
):
    # given a guest arriving today whose only case here is in a sensitive category, and a handover
    security = factories.make_department(sha, "security", categories=["Harassment"])
    security.categories.update(is_sensitive=True)
    guest = factories.make_guest("黄", "蕾")
    past_case(sha, grm, guest, category=security.categories.get(), words="Followed by a man")
    arrival(sha, clerk, guest)
    handover = services.handover_create(prop=sha, actor=factories.front_desk_at(sha))
    url = f"/complaints/shift/handovers/{handover.pk}/"
    # when the guest relations manager and a front-desk clerk read it
    for_grm = login(grm).get(url).text
    for_clerk = login(clerk).get(url).text
    # then only the manager is told the guest arrives with a briefing
    assert f'data-guest="{guest.pk}"' in for_grm and "Followed by a man" in for_grm
    assert f'data-guest="{guest.pk}"' not in for_clerk and "黄" not in for_clerk
    assert "No flagged guests arrive or leave." in for_clerk


def test_the_handover_page_shows_a_decision_waiting_on_a_problem(sha, clerk, grm, login):
    # given a decision asked about a problem, waiting when the shift is handed over
    now = timezone.now()
    problem = Problem.objects.create(
        property=sha,
        scope=ProblemScope.ROOMS,
        department=factories.make_department(sha, "engineering", categories=["Air conditioning"]),
        title="Air conditioning fails",
        raised_at=now,
        last_case_at=now,
    )
    services.problem_request_decision(problem=problem, actor=grm, question="Replace the chiller")
    handover = services.handover_create(prop=sha, actor=clerk)
    url = f"/complaints/shift/handovers/{handover.pk}/"
    # when the guest relations manager reads the handover, the problem and the question are there
    page = login(grm).get(url).text
    assert problem.reference() in page and "Replace the chiller" in page
    # and a front-desk clerk, who does not see problems, is not shown it
    assert "Replace the chiller" not in login(factories.front_desk_at(sha)).get(url).text


def test_another_hotels_handover_is_not_found(sha, hgh, clerk, login):
    other = services.handover_create(prop=hgh, actor=factories.front_desk_at(hgh))
    assert login(clerk).get(f"/complaints/shift/handovers/{other.pk}/").status_code == 404


def test_the_morning_briefing_prints_with_its_own_stylesheet(sha, clerk, login):
    guest = factories.make_guest("韩", "梅", vip_level=2)
    past_case(sha, clerk, guest, verdict=Verdict.DISSATISFIED, room_number="2511")
    arrival(sha, clerk, guest)
    page = login(clerk).get("/complaints/shift/briefing/").text
    assert "/static/css/print.css" in page
    assert "韩梅" in page and "VIP 2" in page and "2511" in page


def test_the_arrivals_list_loads_the_flagged_arrivals_briefing(sha, clerk, login):
    guest = factories.make_guest("冯", "晓")
    past_case(sha, clerk, guest, verdict=Verdict.DISSATISFIED)
    arrival(sha, clerk, guest)
    arrival(sha, clerk, factories.make_guest("蒋", "平常"))
    client = login(clerk)
    assert 'hx-get="/complaints/panels/arrivals-briefing/"' in client.get("/guests/?show=arrivals").text
    panel = client.get("/complaints/panels/arrivals-briefing/").text
    assert "冯晓" in panel and "蒋平常" not in panel


def test_the_profile_shows_the_briefing(sha, clerk, login):
    guest = factories.make_guest("曹", "雪")
    past_case(sha, clerk, guest, verdict=Verdict.VERY_SATISFIED)
    panel = login(clerk).get(f"/complaints/panels/guest/{guest.pk}/").text
    assert "Recovered last time" in panel


def test_the_shift_pages_in_chinese(sha, clerk, login):
    client = login(clerk)
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    page = client.get("/complaints/shift/").text
    assert "我的班次" in page and "值班日志" in page
    assert "值班日志" in client.get("/complaints/shift/log/").text


def test_a_long_list_on_my_shift_shows_its_first_rows_says_so_and_links_to_all(sha, clerk, login):
    # Given more overdue cases than my shift lists (its lists are a start page, not the backlog)
    past = timezone.now() - dt.timedelta(hours=2)
    cases = [factories.log_case(sha, clerk) for _ in range(SHIFT_CAP + 2)]
    Complaint.objects.filter(pk__in=[c.pk for c in cases]).update(step_due_at=past)
    # When the clerk opens my shift
    response = login(clerk).get("/complaints/shift/")
    page = response.context["page"]
    # Then it lists the first SHIFT_CAP, the count says there are more, and a link leads to all of them
    assert len(page.overdue_cases) == SHIFT_CAP and "overdue" in page.more
    html = response.text
    assert re.search(rf"Overdue\s*<span class=\"muted\">\({SHIFT_CAP}\+\)", html)
    assert 'href="/complaints/?overdue=1"' in html
    # and a short list says nothing of the kind
    assert "due" not in page.more and "The first" not in html.split('id="due"')[1].split("</section>")[0]
