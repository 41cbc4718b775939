"""The prevention screens (issue #20): query counts, bad input, the in-house "asked" column, the bell."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from complaints import services
from complaints.models import (
    Compliment,
    Notification,
    Problem,
    ProblemGrouping,
    ProblemScope,
    ProblemState,
    ProblemTrigger,
)
from complaints.workflow import Status
from guests import services as guest_services
from hotel_crm import roles
from tests import factories
from tests.complaints.services.cases import act, walk

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _queries(client, url: str):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries), response


@pytest.fixture
def engineering(sha):
    return factories.make_department(sha, "engineering", categories=["Air conditioning"])


@pytest.fixture
def trigger(sha):
    return ProblemTrigger.objects.create(
        property=sha, scope=ProblemScope.FLOOR, group_by=ProblemGrouping.CATEGORY, threshold=2, window_days=30
    )


def _problems(sha, clerk, engineering, floors):
    for floor in floors:
        for n in (1, 2):
            factories.log_case(
                sha, clerk, department=engineering, room=factories.make_room(sha, f"{floor}{n:02d}")
            )


def test_problem_list_and_page_query_counts_do_not_grow(
    sha, clerk, grm, login, engineering, trigger, steady_session
):
    # Given one problem (two rooms on floor 21), the list and its page
    _problems(sha, clerk, engineering, [21])
    client = login(grm)
    problem = Problem.objects.get()
    client.get("/complaints/problems/")  # warm the session
    list_one, _ = _queries(client, "/complaints/problems/")
    page_few, _ = _queries(client, f"/complaints/problems/{problem.pk}/")
    # When there are 12 problems and the first one gathers 20 more cases
    _problems(sha, clerk, engineering, range(22, 33))
    for n in range(3, 23):
        factories.log_case(sha, clerk, department=engineering, room=factories.make_room(sha, f"21{n:02d}"))
    list_many, response = _queries(client, "/complaints/problems/")
    page_many, page = _queries(client, f"/complaints/problems/{problem.pk}/")
    # Then both pages run the same number of queries
    assert len(response.context["page"].object_list) == 12
    assert len(page.context["page"].cases) == 22
    assert (list_many, page_many) == (list_one, page_few)
    # and the list shows the open problems oldest first
    refs = [p.pk for p in response.context["page"].object_list]
    assert refs == sorted(refs)


def test_problem_steps_through_the_page_with_bad_input_and_a_stale_form(
    sha, clerk, grm, login, engineering, trigger
):
    _problems(sha, clerk, engineering, [21])
    problem = Problem.objects.get()
    client = login(grm)
    url = f"/complaints/problems/{problem.pk}"
    # An empty root cause: a clear message, nothing saved
    response = client.post(f"{url}/root-cause/", {"version": problem.version, "root_cause": " "})
    assert response.status_code == 400
    # A corrective action before the root cause: refused by the service, shown as a form error
    response = client.post(
        f"{url}/action/",
        {
            "version": problem.version,
            "corrective_action": "Reset the chiller",
            "action_owner": clerk.pk,
            "due_at": (timezone.localtime() + DAY).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400 and "root cause" in response.content.decode()
    # The root cause, then a second submit of the same (now stale) form: 409, not overwritten
    assert (
        client.post(f"{url}/root-cause/", {"version": problem.version, "root_cause": "Chiller"}).status_code
        == 302
    )
    response = client.post(f"{url}/root-cause/", {"version": problem.version, "root_cause": "Other"})
    assert response.status_code == 409
    problem.refresh_from_db()
    assert problem.root_cause == "Chiller"
    # A decision request lands on the approvals page for the duty manager, who decides it there
    duty = factories.make_staff("duty_mgr", roles_at={sha: roles.DUTY_MANAGER})
    assert client.post(f"{url}/decision/", {"question": "Replace the chiller"}).status_code == 302
    duty_client = login(duty)
    approvals = duty_client.get("/complaints/approvals/")
    request = approvals.context["pending"][0]
    assert request.problem_id == problem.pk and request.can_decide
    assert "Replace the chiller" in approvals.content.decode()
    assert (
        duty_client.post(f"/complaints/approvals/{request.pk}/decide/", {"decision": "approve"}).status_code
        == 302
    )
    request.refresh_from_db()
    assert request.state == "approved"
    # An unknown step is a 404, a front-desk clerk may not change a problem
    assert client.post(f"{url}/nonsense/").status_code == 404
    assert login(clerk).post(f"{url}/close/", {"version": problem.version}).status_code == 403
    problem.refresh_from_db()
    assert problem.state == ProblemState.RAISED


def test_the_problem_timeline_is_in_the_readers_language(sha, clerk, grm, login, engineering, trigger):
    # Given a problem raised by the repeat rule and a decision on it, both written in English
    _problems(sha, clerk, engineering, [21])
    problem = Problem.objects.get()
    client = login(grm)
    url = f"/complaints/problems/{problem.pk}/"
    assert client.post(f"{url}decision/", {"question": "Replace the chiller"}).status_code == 302
    duty = factories.make_staff("duty_mgr", roles_at={sha: roles.DUTY_MANAGER})
    request = problem.decision_requests.get()
    decided = login(duty).post(f"/complaints/approvals/{request.pk}/decide/", {"decision": "approve"})
    assert decided.status_code == 302
    # When a manager who reads Chinese opens the problem
    with translation.override(settings.LANGUAGE_CODE):
        english = client.get(url).content.decode()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        chinese = client.get(url).content.decode()
    # Then the trigger's line and the decision are in Chinese, not in the writer's English
    assert "30 天内 2 房间（阈值 2）。" in chinese and "决定：同意（Replace the chiller）" in chinese
    assert "within 30 days" not in chinese and "Decided yes" not in chinese
    # and an English reader still reads English
    assert (
        "2 rooms within 30 days (threshold 2)." in english and "Decided yes: Replace the chiller" in english
    )


def test_department_queue_query_count_does_not_grow_and_shows_unacknowledged_first(
    sha, clerk, login, engineering, steady_session
):
    case = walk(factories.log_case(sha, clerk, department=engineering), clerk, Status.FOLLOWING_UP)
    act(
        services.action_add,
        case,
        clerk,
        description="Fix 1",
        due_at=timezone.now() + DAY,
        department=engineering,
    )
    client = login(clerk)
    url = f"/complaints/departments/{engineering.pk}/"
    client.get(url)  # warm the session
    one, _ = _queries(client, url)
    for n in range(20):
        other = walk(factories.log_case(sha, clerk, department=engineering), clerk, Status.FOLLOWING_UP)
        action = act(
            services.action_add,
            other,
            clerk,
            description=f"Fix {n}",
            due_at=timezone.now() + DAY,
            department=engineering,
        )
        if n % 2:
            services.action_move(prop=sha, action_id=action.pk, actor=clerk, move="acknowledge")
    many, response = _queries(client, url)
    assert many == one
    states = [a.state for a in response.context["open_actions"]]
    assert states == sorted(states, key=lambda s: s != "sent")  # not acknowledged first
    assert response.content.decode().count("Acknowledge</button>") == 11


def test_acknowledging_from_the_queue(sha, clerk, login, engineering):
    case = walk(factories.log_case(sha, clerk, department=engineering), clerk, Status.FOLLOWING_UP)
    action = act(
        services.action_add,
        case,
        clerk,
        description="Fix",
        due_at=timezone.now() + DAY,
        department=engineering,
    )
    client = login(clerk)
    response = client.post(f"/complaints/departments/actions/{action.pk}/acknowledge/")
    assert (
        response.status_code == 302 and response["Location"] == f"/complaints/departments/{engineering.pk}/"
    )
    action.refresh_from_db()
    assert action.state == "acknowledged" and action.acknowledged_by == clerk
    # a hand-back without a reason is refused with a message, nothing changes
    response = client.post(
        f"/complaints/departments/actions/{action.pk}/hand_back/", {"department": engineering.pk}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.state == "acknowledged"
    assert client.post(f"/complaints/departments/actions/{action.pk}/complete/").status_code == 404


def _in_house(sha, clerk, n: int):
    today = sha.today()
    stays = []
    for i in range(n):
        stays.append(
            guest_services.stay_create(
                prop=sha,
                guest=factories.make_guest(),
                room=factories.make_room(sha, f"28{i:02d}"),
                arrival=today,
                departure=today + DAY,
                actor=clerk,
                check_in=True,
            )
        )
    return stays


def test_the_in_house_list_asks_complaints_for_the_asked_column(sha, clerk, login, steady_session):
    # Given two guests in house, one asked how the stay is going
    first, second = _in_house(sha, clerk, 2)
    services.courtesy_check_log(
        prop=sha, stay=first, actor=clerk, outcome="minor", note="Wants a firmer pillow"
    )
    client = login(clerk)
    # The in-house page (guests) loads the column from complaints, for the stays on the page
    page = client.get("/guests/").content.decode()
    assert f'id="asked-{first.pk}"' in page and "/complaints/panels/courtesy/?stay=" in page
    # The panel answers per stay: asked, when, by whom, what they heard; or not yet asked
    panel = client.get(f"/complaints/panels/courtesy/?stay={first.pk}&stay={second.pk}").content.decode()
    first_cell, second_cell = panel.split(f'id="asked-{second.pk}"')
    assert "Wants a firmer pillow" in first_cell and "Small wish" in first_cell
    assert "Not yet asked" in second_cell
    # Its query count does not grow with the stays asked about
    few, _ = _queries(client, f"/complaints/panels/courtesy/?stay={first.pk}")
    more = _in_house(sha, clerk, 0) or [first, second]
    many, _ = _queries(
        client, "/complaints/panels/courtesy/?" + "&".join(f"stay={s.pk}" for s in more) + "&stay=x"
    )
    assert many == few


def test_another_hotels_stays_are_not_shown_in_the_column(sha, hgh, clerk, login):
    (stay,) = _in_house(sha, clerk, 1)
    services.courtesy_check_log(prop=sha, stay=stay, actor=clerk, outcome="all_good", note="secret words")
    outsider = factories.front_desk_at(hgh)
    panel = login(outsider).get(f"/complaints/panels/courtesy/?stay={stay.pk}").content.decode()
    assert "secret words" not in panel


def test_compliments_recorded_counted_and_exported(sha, clerk, grm, login, steady_session):
    (stay,) = _in_house(sha, clerk, 1)
    client = login(clerk)
    # a compliment needs the staff member and the words
    assert (
        client.post(
            "/compliments/new/" if False else "/complaints/compliments/new/", {"words": "x"}
        ).status_code
        == 400
    )
    for words in ("Remembered my name", "Fixed my laptop cable", "=SUM(A1)"):
        response = client.post(
            f"/complaints/compliments/new/?stay={stay.pk}",
            {"praised": clerk.pk, "words": words, "stay": stay.pk},
        )
        assert response.status_code == 302
    client.post("/complaints/compliments/new/", {"praised": grm.pk, "words": "Kind"})
    assert Compliment.objects.filter(praised=clerk, stay=stay).count() == 3
    manager = login(grm)
    manager.get("/complaints/compliments/")  # warm the session
    few, page = _queries(manager, "/complaints/compliments/")
    assert page.context["per_staff"][0]["count"] == 3 and page.context["per_staff"][1]["count"] == 1
    raw = b"".join(manager.get("/complaints/compliments/?format=csv").streaming_content).decode("utf-8-sig")
    assert "Remembered my name" in raw and "'=SUM(A1)" in raw
    for n in range(10):
        services.compliment_record(prop=sha, actor=clerk, praised=grm, words=f"Thanks {n}")
    many, _ = _queries(manager, "/complaints/compliments/")
    assert many == few


def test_the_bell_is_polled_and_shows_new_work(sha, clerk, login):
    client = login(clerk)
    page = client.get("/complaints/").content.decode()
    assert 'hx-get="/complaints/notifications/bell/"' in page and 'hx-trigger="every 20s"' in page
    Notification.objects.create(recipient=clerk, property=sha, text="New work for Engineering")
    bell = client.get("/complaints/notifications/bell/").content.decode()
    assert 'class="badge overdue">1<' in bell
