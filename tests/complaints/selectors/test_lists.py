"""The case list: filters, sorting, scoping and its query budget (complaints.selectors.lists)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import selectors, services
from complaints.selectors import ComplaintFilters
from complaints.workflow import Status
from tests import factories
from tests.complaints.selectors.cases import a_viewer, act, listed, refs, to_resolving

pytestmark = pytest.mark.django_db

S = Status
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def test_the_list_shows_open_cases_by_default_and_ended_ones_when_asked(sha, board):
    # Given open cases a, b, c and closed case d
    # When the list is read with no filter, with "all", and with "closed"
    # Then the default is the open cases, newest first
    assert refs(listed(sha)) == refs([board["c"], board["b"], board["a"]])
    assert refs(listed(sha, status="open")) == refs([board["c"], board["b"], board["a"]])
    assert refs(listed(sha, status="all")) == refs([board["c"], board["b"], board["a"], board["d"]])
    assert refs(listed(sha, status="closed")) == refs([board["d"]])
    assert refs(listed(sha, status=S.RESOLVING)) == refs([board["b"]])


def test_the_list_filters_by_department_severity_repeat_vip_and_assignee(sha, grm, board):
    # Given the cases on the board
    # When each filter is applied
    # Then only the matching cases are listed
    assert refs(listed(sha, department=board["housekeeping"].pk)) == refs([board["a"]])
    assert refs(listed(sha, department=board["engineering"].pk)) == refs([board["c"], board["b"]])
    assert refs(listed(sha, severity="critical")) == refs([board["b"]])
    assert refs(listed(sha, repeat=True)) == refs([board["c"]])
    assert refs(listed(sha, vip=True)) == refs([board["b"]])
    assert refs(listed(sha, assignee=grm.pk)) == refs([board["b"]])
    # and filters combine
    assert listed(sha, department=board["housekeeping"].pk, severity="critical") == []


def test_overdue_means_the_step_or_an_open_action_is_past_its_due_time(sha, board):
    # Given a was logged 3 days ago and never apologised for (a low case allows an hour);
    # b has an open action due in an hour (and, critical for a VIP, 15 minutes to make an offer);
    # c's action was done and its follow-up step allows 4 hours
    now = board["now"]
    # When the list is read now, and two hours later
    # Then now only a is overdue; later b is too, while c, whose action was done, is not
    assert refs(listed(sha, overdue=True, now=now)) == refs([board["a"]])
    later = listed(sha, overdue=True, now=now + 2 * HOUR)
    assert refs(later) == refs([board["b"], board["a"]])
    rows = {c.reference: c for c in listed(sha, now=now + 2 * HOUR)}
    assert rows[board["b"].reference].overdue is True and rows[board["b"].reference].open_actions == 1
    assert rows[board["c"].reference].overdue is False and rows[board["c"].reference].open_actions == 0


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("-reported_at", "cba"),
        ("reported_at", "abc"),
        ("-severity", "bca"),  # critical, high, low
        ("status", "abc"),  # listening, resolving, following up
        ("nonsense", "cba"),  # an unknown sort falls back to newest first
    ],
)
def test_the_list_sorts(sha, board, sort, order):
    # Given three open cases
    # When the list is sorted
    rows = listed(sha, sort=sort)
    # Then they come in the expected order
    assert refs(rows) == refs([board[key] for key in order])


def test_the_list_never_shows_another_hotels_cases(sha, board):
    # Given a case at the other hotel (critical, engineering)
    # When this hotel's list is read with every kind of filter, including the other hotel's ids
    everything = listed(sha, status="all")
    by_their_department = listed(sha, status="all", department=board["hgh_engineering"].pk)
    by_their_clerk = listed(sha, status="all", assignee=board["hgh_clerk"].pk)
    # Then its case never appears
    assert board["elsewhere"].reference not in refs(everything)
    assert {c.property_id for c in everything} == {sha.pk}
    assert by_their_department == [] and by_their_clerk == []


def _touch_row(case) -> tuple:
    """What the list row (the row of complaints/complaint_list.html) reads from each case."""
    guest = case.guest
    return (
        case.reference,
        guest.addressed_as if guest else case.complainant_name,
        guest.display_name if guest else "",
        guest.vip_level if guest else 0,
        case.room.number if case.room else "",
        case.department.name,
        case.category.name if case.category else "",
        case.assignee.get_full_name() or case.assignee.get_username(),
        case.get_status_display(),
        case.get_severity_display(),
        case.overdue,
        case.open_actions,
    )


def _list_queries(prop) -> tuple[int, list[tuple]]:
    viewer = a_viewer()
    with CaptureQueriesContext(connection) as ctx:
        rows = [
            _touch_row(c)
            for c in list(selectors.complaint_list(user=viewer, prop=prop, filters=ComplaintFilters())[:50])
        ]
    return len(ctx.captured_queries), rows


def _busy_case(prop, actor, n, department):
    guest = factories.make_guest(vip_level=n % 2)
    room = factories.make_room(prop, str(3000 + n))
    assignee = factories.front_desk_at(prop)
    case = factories.log_case(prop, actor, department=department, guest=guest, room=room)
    act(services.complaint_assign, case, actor, assignee=assignee)
    if n % 3 == 0:
        to_resolving(case, actor)
        act(services.action_add, case, actor, description=f"Fix {n}", due_at=timezone.now() + HOUR)
    return case


def test_the_list_query_count_is_the_same_for_one_case_and_thirty(sha, hgh, clerk):
    # Given one case at SHA, and thirty at HGH with guests, rooms, categories, assignees and actions
    sha_dept = factories.make_department(sha, "engineering", categories=["Air conditioning"])
    hgh_dept = factories.make_department(hgh, "engineering", categories=["Air conditioning"])
    hgh_clerk = factories.front_desk_at(hgh)
    _busy_case(sha, clerk, 0, sha_dept)
    for n in range(30):
        _busy_case(hgh, hgh_clerk, n, hgh_dept)
    # When each list is read and every row rendered as the template does
    one, one_rows = _list_queries(sha)
    thirty, thirty_rows = _list_queries(hgh)
    # Then both take the same single query
    assert len(one_rows) == 1 and len(thirty_rows) == 30
    assert sum(r[-1] for r in thirty_rows) == 10  # the open actions were counted, per row
    assert one == thirty == 1
