"""One access rule per case: lists, detail, exports, panels and notifications agree (ADR 0009).

django-helpdesk's GHSA-g9r9-54m2-m6g5 was a list and a detail page that disagreed about who may see
a ticket. Here every read goes through complaints.selectors.complaints_visible_to; these tests hold
each page that shows cases to that rule, with a case in a sensitive category.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from complaints import reminders, selectors, services
from complaints.models import (
    AuthorityLimit,
    Category,
    Department,
    Notification,
    Reminder,
    ReminderKind,
)
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db
SECRET = "Followed to my room by a man"


def act(service, case, actor, **kwargs):
    case.refresh_from_db()
    return service(complaint=case, actor=actor, expected_version=case.version, **kwargs)


@pytest.fixture
def security(sha):
    department = factories.make_department(sha, "security", categories=["Lost property", "Harassment"])
    Category.objects.filter(department=department, name_en="Harassment").update(is_sensitive=True)
    return department


@pytest.fixture
def cases(sha, security, grm):
    """A sensitive case and an ordinary one at SHA, both logged by the guest relations manager."""
    guest = factories.make_guest(family_name_latin="Lin", given_name_latin="Mei")
    sensitive = factories.log_case(
        sha,
        grm,
        department=security,
        category=Category.objects.get(name_en="Harassment"),
        guest=guest,
        guest_words=SECRET,
    )
    ordinary = factories.log_case(
        sha,
        grm,
        department=security,
        category=Category.objects.get(name_en="Lost property"),
        guest=guest,
        guest_words="Lost my umbrella",
    )
    return sensitive, ordinary


@pytest.fixture
def director(sha):
    return factories.make_staff("director", group_role=roles.GROUP_DIRECTOR)


@pytest.fixture
def duty(sha):
    return factories.make_staff("duty", roles_at={sha: roles.DUTY_MANAGER})


def _pages(sensitive, security) -> list[str]:
    return [
        "/complaints/?status=all",
        "/complaints/?status=all&format=csv",
        f"/complaints/panels/guest/{sensitive.guest_id}/",
        f"/complaints/new/?guest={sensitive.guest_id}",  # similar cases
        f"/complaints/departments/{security.pk}/",
        "/complaints/review/",
        "/complaints/approvals/",
    ]


def _text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_a_clerk_sees_neither_in_lists_nor_in_detail(login, clerk, cases, security):
    # Given a sensitive case the clerk has nothing to do with
    sensitive, ordinary = cases
    client = login(clerk)
    # When they open its page, then 404, as for an id of another hotel
    assert client.get(f"/complaints/{sensitive.pk}/").status_code == 404
    assert client.post(f"/complaints/{sensitive.pk}/note/", {"note": "x"}).status_code == 404
    # and no list, export or panel names it, while the ordinary case is there
    listing = _text(client.get("/complaints/?status=all"))
    assert ordinary.reference in listing and sensitive.reference not in listing
    for page in _pages(sensitive, security):
        response = client.get(page)
        assert response.status_code in (200, 403), page
        assert sensitive.reference not in _text(response) and SECRET not in _text(response), page
    # nor the other case's page ("other cases of this guest", "similar cases")
    assert sensitive.reference not in _text(client.get(f"/complaints/{ordinary.pk}/"))


def test_the_manager_sees_it_everywhere(login, grm, cases, security):
    sensitive, ordinary = cases
    client = login(grm)
    assert client.get(f"/complaints/{sensitive.pk}/").status_code == 200
    for page in ["/complaints/?status=all", "/complaints/?status=all&format=csv"]:
        assert sensitive.reference in _text(client.get(page)), page
    assert sensitive.reference in _text(client.get(f"/complaints/panels/guest/{sensitive.guest_id}/"))
    assert sensitive.reference in _text(client.get(f"/complaints/{ordinary.pk}/"))


def test_staff_involved_see_it(login, sha, clerk, grm, cases):
    # Given a clerk who is assigned a follow-up action on the case, and another made its assignee
    sensitive, _ordinary = cases
    act(services.complaint_confirm_restatement, sensitive, grm, confirmed=True)
    act(services.complaint_apologise, sensitive, grm, method="in_person")
    offer = act(services.offer_make, sensitive, grm, remedy_type="amenity", description="Escort")
    act(services.offer_answer, sensitive, grm, offer_id=offer.pk, accepted=True)
    act(
        services.action_add,
        sensitive,
        grm,
        description="Review the lift camera",
        due_at=timezone.now() + dt.timedelta(hours=2),
        assignee=clerk,
    )
    assignee = factories.front_desk_at(sha, username="assignee")
    act(services.complaint_assign, sensitive, grm, assignee=assignee)
    outsider = factories.front_desk_at(sha, username="outsider")
    # Then both see it in the list and open it; a colleague not involved does not
    for user in (clerk, assignee):
        client = login(user)
        assert client.get(f"/complaints/{sensitive.pk}/").status_code == 200, user
        assert sensitive.reference in _text(client.get("/complaints/?status=all")), user
    assert login(outsider).get(f"/complaints/{sensitive.pk}/").status_code == 404
    assert selectors.complaints_visible_to(user=outsider, property=sha).filter(pk=sensitive.pk).count() == 0


def test_group_director_and_duty_manager_see_only_the_figures(login, sha, director, duty, cases):
    # Group-level and duty managers read every ordinary case but not the sensitive one ...
    sensitive, ordinary = cases
    for user in (director, duty):
        client = login(user)
        assert client.get(f"/complaints/{sensitive.pk}/").status_code == 404
        assert client.get(f"/complaints/{ordinary.pk}/").status_code == 200
        listing = _text(client.get("/complaints/?status=all"))
        assert sensitive.reference not in listing and ordinary.reference in listing
    # ... while the dashboard's figures still count it (numbers only)
    dashboard = login(duty).get("/complaints/dashboard/?format=csv")
    assert dashboard.status_code == 200


def test_superuser_and_admin_site_follow_the_rule(login, sha, clerk, cases):
    sensitive, ordinary = cases
    admin = factories.make_staff("root", is_superuser=True, is_staff=True)
    assert login(admin).get(f"/complaints/{sensitive.pk}/").status_code == 200
    # a property administrator in the admin site: the read-only case list omits it
    rooms_admin = factories.make_staff(
        "roomsadmin", roles_at={sha: roles.PROPERTY_ADMINISTRATOR}, is_staff=True
    )
    client = login(rooms_admin)
    changelist = _text(client.get("/admin/complaints/complaint/"))
    assert ordinary.reference in changelist and sensitive.reference not in changelist
    assert client.get(f"/admin/complaints/complaint/{sensitive.pk}/change/").status_code in (302, 404)


def test_escalations_and_approval_requests_reach_only_those_who_may_see(sha, clerk, grm, duty, cases):
    # Given a duty manager (escalations and approvals go to managers) and the sensitive case
    sensitive, ordinary = cases
    AuthorityLimit.objects.create(
        property=sha, role=roles_group(roles.DUTY_MANAGER), per_case=5000, per_day=9000
    )
    reminders.reschedule(sensitive)
    reminders.reschedule(ordinary)
    escalated_to = set(
        Reminder.objects.filter(kind=ReminderKind.ESCALATION).values_list(
            "complaint_id", "recipient__username"
        )
    )
    assert (ordinary.pk, "duty") in escalated_to
    assert (sensitive.pk, "duty") not in escalated_to
    assert (sensitive.pk, "manager") in escalated_to
    # When the assignee asks for approval beyond their limit on the sensitive case
    act(services.complaint_confirm_restatement, sensitive, grm, confirmed=True)
    act(services.complaint_apologise, sensitive, grm, method="in_person")
    AuthorityLimit.objects.create(property=sha, user=grm, per_case=10, per_day=10)
    act(services.offer_make, sensitive, grm, remedy_type="refund", description="Refund", value=Decimal("900"))
    # Then the duty manager, who could approve the amount, is not told about a case they cannot open
    assert not Notification.objects.filter(recipient=duty, text__contains=sensitive.reference).exists()


def test_digest_lists_only_visible_cases_but_counts_all(sha, duty, grm, cases):
    sensitive, ordinary = cases
    now = timezone.now() + dt.timedelta(days=3)  # everything overdue by then
    for_duty = reminders.digest_content(sha, now, user=duty)
    for_grm = reminders.digest_content(sha, now, user=grm)
    assert for_duty["open"] == for_grm["open"] == 2
    assert [c.pk for c in for_duty["overdue"]] == [ordinary.pk]
    assert {c.pk for c in for_grm["overdue"]} == {sensitive.pk, ordinary.pk}
    assert not mail.outbox


def roles_group(name):
    from django.contrib.auth.models import Group

    return Group.objects.get(name=name)


def test_department_is_not_needed_for_the_rule(sha, clerk, grm):
    # A case without a category (none in its department) is ordinary
    department = Department.objects.create(property=sha, code="misc", name_en="Misc")
    case = factories.log_case(sha, grm, department=department, category=None)
    assert selectors.complaints_visible_to(user=clerk, property=sha).filter(pk=case.pk).exists()


def test_the_rule_costs_no_query_per_row(login, sha, clerk, grm, security):
    # Given one sensitive case assigned to the clerk, their list costs N queries ...
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    harassment = Category.objects.get(name_en="Harassment")
    first = factories.log_case(sha, grm, department=security, category=harassment, submission_key="a")
    act(services.complaint_assign, first, grm, assignee=clerk)
    client = login(clerk)
    client.get("/complaints/?status=all")
    with CaptureQueriesContext(connection) as one:
        client.get("/complaints/?status=all")
    # ... and the same N with twenty more, some involving the clerk
    for i in range(20):
        case = factories.log_case(sha, grm, department=security, category=harassment, submission_key=f"b{i}")
        if i % 2:
            act(services.complaint_assign, case, grm, assignee=clerk)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/complaints/?status=all")
    assert len(response.context["page"].object_list) == 11
    assert len(many.captured_queries) == len(one.captured_queries)
