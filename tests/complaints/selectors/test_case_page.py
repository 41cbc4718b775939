"""The case page's reads and their query budget (complaints.selectors.case_page)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import selectors, services
from complaints.models import Complaint, OfferStatus
from complaints.workflow import Status
from tests import factories
from tests.complaints.selectors.cases import a_viewer, act, to_resolving

pytestmark = pytest.mark.django_db

S = Status
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


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
    viewer = a_viewer()
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
