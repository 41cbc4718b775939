"""Reads of complaint cases (complaints.selectors): filters, sorts, scoping and query budgets."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import selectors, services
from complaints.models import Area, Complaint, OfferStatus, PreventionRule
from complaints.selectors import ComplaintFilters
from complaints.workflow import Status, Verdict
from tests import factories

pytestmark = pytest.mark.django_db

S = Status
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def act(service, case, actor, **kwargs):
    case.refresh_from_db()
    return service(complaint=case, actor=actor, expected_version=case.version, **kwargs)


def to_resolving(case, actor):
    act(services.complaint_confirm_restatement, case, actor, confirmed=True)
    act(services.complaint_apologise, case, actor, method="in_person")


def accept_an_offer(case, actor, description="Fruit basket"):
    made = act(services.offer_make, case, actor, remedy_type="amenity", description=description)
    act(services.offer_answer, case, actor, offer_id=made.pk, accepted=True)


def refs(queryset) -> list[str]:
    return [c.reference for c in queryset]


def _viewer():
    """A superuser: sees every case, so these tests pin the filters, not the access rule."""
    user = get_user_model().objects.filter(username="selector-viewer").first()
    return user or factories.make_staff("selector-viewer", is_superuser=True)


def listed(prop, now=None, **filters) -> list[Complaint]:
    return list(
        selectors.complaint_list(user=_viewer(), prop=prop, filters=ComplaintFilters(**filters), now=now)
    )


@pytest.fixture
def board(sha, hgh, clerk, grm):
    """Four cases at SHA in different steps, departments, severities; and one at HGH.

    a: housekeeping, low, listening, 3 days ago, the clerk's
    b: engineering, critical, VIP guest, resolving, an open action due in an hour, the manager's
    c: engineering, high, a repeat of d, following up, its action done, 1 day ago
    d: engineering, closed, 5 days ago (same room and fault as c)
    """
    PreventionRule.objects.create(property=sha, threshold=2, window_days=30)
    housekeeping = factories.make_department(sha, "housekeeping", categories=["Room not clean"])
    engineering = factories.make_department(sha, "engineering", categories=["Air conditioning"])
    room = factories.make_room(sha, "1808")
    now = timezone.now()

    def log(days_ago, department, **overrides):
        reported = now - dt.timedelta(days=days_ago)
        return factories.log_case(
            sha, clerk, department=department, occurred_at=reported - HOUR, reported_at=reported, **overrides
        )

    d = log(5, engineering, room=room)
    to_resolving(d, clerk)
    accept_an_offer(d, clerk)
    act(services.complaint_request_verification, d, clerk)
    act(services.complaint_verify, d, clerk, verdict=Verdict.SATISFIED)

    a = log(3, housekeeping, severity="low")

    vip = factories.make_guest("赵", "敏", vip_level=2)
    b = log(2, engineering, severity="critical", guest=vip, area=Area.LOBBY)
    to_resolving(b, clerk)
    act(services.action_add, b, clerk, description="Fix the lobby door", due_at=now + HOUR)
    act(services.complaint_assign, b, clerk, assignee=grm)

    c = log(1, engineering, severity="high", room=room)
    to_resolving(c, clerk)
    accept_an_offer(c, clerk)
    done = act(services.action_add, c, clerk, description="Service the AC", due_at=now + HOUR)
    act(services.action_complete, c, clerk, action_id=done.pk)

    hgh_clerk = factories.front_desk_at(hgh)
    hgh_engineering = factories.make_department(hgh, "engineering", categories=["Air conditioning"])
    elsewhere = factories.log_case(hgh, hgh_clerk, department=hgh_engineering, severity="critical")

    cases = {"a": a, "b": b, "c": c, "d": d}
    for case in cases.values():
        case.refresh_from_db()
    assert (a.status, b.status, c.status, d.status) == (S.LISTENING, S.RESOLVING, S.FOLLOWING_UP, S.CLOSED)
    assert c.is_repeat and not d.is_repeat
    return {
        **cases,
        "housekeeping": housekeeping,
        "engineering": engineering,
        "elsewhere": elsewhere,
        "hgh_engineering": hgh_engineering,
        "hgh_clerk": hgh_clerk,
        "now": now,
    }


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


# --- Query budgets --------------------------------------------------------------------


def _touch_row(case) -> tuple:
    """What the list row (includes/case_row.html) reads from each case."""
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
    viewer = _viewer()
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


def _case_with(prop, actor, department, guest, room, n: int) -> Complaint:
    """A case with n offers, n follow-up actions and at least n events, each by a different colleague."""
    case = factories.log_case(prop, actor, department=department, guest=guest, room=room)
    to_resolving(case, actor)
    colleagues = [factories.front_desk_at(prop) for _ in range(n)]
    for i, colleague in enumerate(colleagues):
        made = act(
            services.offer_make,
            case,
            colleague,
            remedy_type="fb_credit",
            description=f"Offer {i}",
            value=Decimal(10 * i),
        )
        if i < n - 1:
            act(services.offer_answer, case, colleague, offer_id=made.pk, accepted=False)
    for i, colleague in enumerate(colleagues):
        action = act(
            services.action_add,
            case,
            colleague,
            description=f"Action {i}",
            department=department,
            assignee=colleague,
            due_at=timezone.now() + HOUR,
        )
        if i % 2:
            act(services.action_complete, case, colleague, action_id=action.pk)
    for colleague in colleagues:
        services.complaint_add_note(complaint=case, actor=colleague, note="Spoke with the guest.")
    return case


def _case_page_queries(prop, pk) -> tuple[int, selectors.CasePage]:
    viewer = _viewer()
    with CaptureQueriesContext(connection) as ctx:
        complaint = selectors.complaint_for_user(user=viewer, prop=prop, pk=pk)
        page = selectors.case_page(complaint=complaint, user=viewer)
        # What the case page reads
        c = page.complaint
        _ = (
            c.guest.display_name,
            c.stay,
            c.room.number,
            c.room.room_type.code,
            c.department.name,
            c.category.name,
            c.owner.get_username(),
            c.assignee.get_username(),
            c.apologised_by.get_username(),
            c.property.code,
        )
        _ = [(o.offered_by.get_username(), o.get_status_display()) for o in page.offers]
        _ = [
            (a.department.name if a.department else "", a.assignee, a.done_by and a.done_by.get_username())
            for a in page.actions
        ]
        _ = [(e.actor.get_full_name() or e.actor.get_username(), e.get_kind_display()) for e in page.events]
        _ = [(o.property.code, o.category and o.category.name) for o in page.other_cases]
        _ = [(s.room and s.room.number, s.category and s.category.name, s.guest) for s in page.similar]
    return len(ctx.captured_queries), page


def test_the_case_page_query_count_is_the_same_for_one_and_ten_offers_actions_and_events(sha, clerk):
    # Given a guest with two cases about their room: one with 1 offer and 1 action, one with 10 of each
    dept = factories.make_department(sha, "engineering", categories=["Air conditioning"])
    guest = factories.make_guest()
    room = factories.make_room(sha, "1212")
    small = _case_with(sha, clerk, dept, guest, room, 1)
    big = _case_with(sha, clerk, dept, guest, room, 10)
    # When each case page is read with everything it shows
    few, small_page = _case_page_queries(sha, small.pk)
    many, big_page = _case_page_queries(sha, big.pk)
    # Then both take the same number of queries
    assert (len(small_page.offers), len(small_page.actions)) == (1, 1)
    assert (len(big_page.offers), len(big_page.actions)) == (10, 10)
    assert len(big_page.events) >= 10 + 10 + 10
    assert big_page.other_cases and big_page.similar  # the guest's other case is shown on each page
    assert big_page.facts.open_offers == 1 and big_page.facts.open_actions == 5
    assert [o.status for o in big_page.offers].count(OfferStatus.DECLINED) == 9
    assert few == many
