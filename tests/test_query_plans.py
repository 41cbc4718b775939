"""The plans of the search, list and dashboard queries on a generated data set: indexes, no sequential scans.

PostgreSQL only (CI runs it there): 20,000 guests and 20,000 cases from
`generate_data`, ANALYZEd, then EXPLAIN of the exact SQL each selector runs.
A sequential scan of guests or cases here is a page that slows down with every
row added; the benchmark (docs/performance.md) measures the rest.
"""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="query plans are PostgreSQL's (CI runs them)"
    ),
]

BIG = {"guests_guest", "complaints_complaint"}
INDEX_NODES = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    from complaints.devtools import bulk_data
    from hotel_crm.models import Property

    with django_db_blocker.unblock():
        bulk_data.generate(guests=20_000, complaints=20_000, seed=3, log=lambda _line: None)
        yield Property.objects.get(code="SHA")
        from django.core.management import call_command

        call_command("flush", interactive=False)


@pytest.fixture
def clerk(data):
    """The demo front desk clerk: the sensitive-case rule adds its conditions to every case query."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="frontdesk")


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _plans(run) -> list[tuple[str, list[dict]]]:
    """Run `run()`, then EXPLAIN every SELECT it sent that reads guests or cases."""
    with CaptureQueriesContext(connection) as captured:
        run()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or not any(t in sql for t in BIG):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            document = cursor.fetchone()[0]
            document = json.loads(document) if isinstance(document, str) else document
            plans.append((sql, list(_nodes(document[0]["Plan"]))))
    assert plans, "the selector read neither guests nor cases"
    return plans


def assert_indexed(run) -> None:
    for sql, nodes in _plans(run):
        scans = [n for n in nodes if n.get("Relation Name") in BIG]
        seq = [n["Relation Name"] for n in scans if n["Node Type"] == "Seq Scan"]
        assert not seq, f"sequential scan of {seq} in:\n{sql}"
        assert any(n["Node Type"] in INDEX_NODES for n in nodes), f"no index used in:\n{sql}"


def _samples(prop):
    from complaints.devtools import bulk_data
    from guests.models import Guest, GuestPhone, Stay, StayStatus

    window = list(
        Guest.objects.order_by("-pk").values("family_name_latin", "given_name_latin", "romanised_name")[:500]
    )
    rare = next(
        g for g in window if g["family_name_latin"] and g["family_name_latin"] not in bulk_data.LATIN_SURNAMES
    )
    pinyin = next(g["romanised_name"] for g in window if g["romanised_name"])
    room = Stay.objects.filter(property=prop, status=StayStatus.IN_HOUSE).values_list(
        "room__number", flat=True
    )[0]
    return {
        "common surname": "王",
        "common Latin surname": "Smith",
        "rare name": f"{rare['given_name_latin']} {rare['family_name_latin']}",
        "pinyin": pinyin.lower(),
        "phone tail": GuestPhone.objects.order_by("-pk").values_list("number", flat=True)[0][-4:],
        "full phone": GuestPhone.objects.order_by("pk").values_list("number", flat=True)[0],
        "room number": room,
        "email": Guest.objects.exclude(email="").order_by("-pk").values_list("email", flat=True)[0],
    }


def test_guest_search_uses_indexes_for_every_query_shape(data):
    from guests.selectors import guest_search

    for shape, query in _samples(data).items():
        result = guest_search(prop=data, query=query)
        assert result.guests, f"{shape} {query!r} found nobody"
        assert_indexed(lambda q=query: guest_search(prop=data, query=q))


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"department": True},
        {"severity": "high"},
        {"overdue": True},
        {"status": "all", "days": 30},
        {"status": "closed", "days": 30},
    ],
    ids=["open", "open-department", "open-severity", "overdue", "period", "closed-in-period"],
)
@pytest.mark.parametrize("page", [1, 40])
def test_case_list_pages_use_indexes(data, clerk, filters, page):
    from complaints.models import Complaint
    from complaints.selectors import ComplaintFilters, complaint_list
    from complaints.views import PAGE_SIZE
    from hotel_crm.pagination import CappedPaginator

    options = dict(filters)
    if options.pop("department", False):
        options["department"] = Complaint.objects.filter(property=data).values_list("department", flat=True)[
            0
        ]
    if days := options.pop("days", None):
        options["reported_from"] = data.today() - dt.timedelta(days=days - 1)
        options["reported_to"] = data.today()
    filters = ComplaintFilters(**options)
    assert_indexed(
        lambda: (
            CappedPaginator(complaint_list(user=clerk, prop=data, filters=filters), PAGE_SIZE)
            .get_page(page)
            .object_list
        )
    )


def test_dashboard_queries_use_indexes(data):
    from complaints import dashboard

    period = dashboard.Period(data.today() - dt.timedelta(days=29), data.today())

    def everything():
        dashboard.kpis(data, period)
        dashboard.breakdowns(data, period)
        dashboard.recurring_problems(data, period)
        dashboard.weekly_trend(data)
        dashboard.now_tiles(data)

    assert_indexed(everything)


def test_case_page_and_profile_use_indexes(data, clerk):
    from complaints.models import Complaint
    from complaints.selectors import case_page, complaint_for_user, guest_cases
    from guests.selectors import guest_for_profile, guest_profile

    case = Complaint.objects.filter(property=data, guest__isnull=False, room__isnull=False).order_by("-pk")[0]
    assert_indexed(
        lambda: case_page(complaint=complaint_for_user(user=clerk, prop=data, pk=case.pk), user=clerk)
    )
    guest = guest_for_profile(pk=case.guest_id)
    assert_indexed(lambda: guest_cases(user=clerk, guest_id=guest.pk, prop=data, group_wide=False))
    guest_profile(guest=guest, prop=data, group_wide=False)  # reads stays and the log, not guests or cases


def test_my_shift_never_reads_every_case_of_the_hotel(data, clerk):
    """My shift lists the first rows of each kind: no plan may read the hotel's cases wholesale, even
    through an index (approvals once hashed every visible case's id inside an OR: 0.3 s at a million)."""
    from django.contrib.auth import get_user_model

    from complaints.models import Complaint
    from complaints.selectors import my_shift

    whole = Complaint.objects.filter(property=data).count()
    grm = get_user_model().objects.get(username="grm")
    for user in (clerk, grm):
        for sql, nodes in _plans(lambda u=user: my_shift(user=u, prop=data)):
            wide = [
                (n["Node Type"], n["Plan Rows"])
                for n in nodes
                if n.get("Relation Name") == "complaints_complaint" and n["Plan Rows"] > whole // 4
            ]
            assert not wide, f"{user.username}: reads {wide} of {whole} cases in:\n{sql}"
