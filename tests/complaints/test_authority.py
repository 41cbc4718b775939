"""Authority (权限): granted by position, gained by application, gained by coordination."""

import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from complaints import selectors, services
from complaints.models import ApprovalRequest, AuthorityLimit, Notification, Offer, OfferStatus
from complaints.workflow import Status
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(sha):
    def limit(role, per_case, per_day, user=None):
        return AuthorityLimit.objects.create(
            property=sha,
            role=None if user else Group.objects.get(name=role),
            user=user,
            per_case=Decimal(per_case),
            per_day=Decimal(per_day),
        )

    limit(roles.FRONT_DESK, "500", "800")
    limit(roles.DUTY_MANAGER, "2000", "8000")
    limit(roles.GUEST_RELATIONS_MANAGER, "5000", "20000")
    return limit


def _resolving_case(prop, actor):
    case = factories.log_case(prop, actor, restated_confirmed=True)
    case.refresh_from_db()
    services.complaint_apologise(complaint=case, actor=actor, expected_version=case.version, method="phone")
    case.refresh_from_db()
    return case


def _offer(case, actor, value, description="Fruit basket"):
    case.refresh_from_db()
    return services.offer_make(
        complaint=case,
        actor=actor,
        expected_version=case.version,
        remedy_type="amenity",
        description=description,
        value=Decimal(value),
    )


def test_an_offer_within_the_limit_goes_straight_to_the_guest(sha, clerk, limits):
    case = _resolving_case(sha, clerk)
    offer = _offer(case, clerk, "500")
    assert offer.status == OfferStatus.PROPOSED and offer.authorised_by == clerk
    assert not ApprovalRequest.objects.exists()


def test_over_the_per_case_limit_becomes_an_approval_request(sha, clerk, grm, limits):
    case = _resolving_case(sha, clerk)
    offer = _offer(case, clerk, "501")
    assert offer.status == OfferStatus.AWAITING_APPROVAL
    approval = ApprovalRequest.objects.get()
    assert (approval.offer, approval.requested_by, approval.state) == (offer, clerk, "pending")
    assert case.events.filter(kind="approval_asked").exists()
    # the guest may not be told yet: answering is refused
    case.refresh_from_db()
    with pytest.raises(services.ComplaintError, match="waiting for a manager's approval"):
        services.offer_answer(
            complaint=case, offer_id=offer.pk, actor=clerk, expected_version=case.version, accepted=True
        )
    # the approvers hear about it
    assert Notification.objects.filter(recipient=grm, text__contains=case.reference).exists()


def test_over_the_daily_limit_becomes_an_approval_request(sha, clerk, limits):
    first = _resolving_case(sha, clerk)
    second = _resolving_case(sha, clerk)
    assert _offer(first, clerk, "400").status == OfferStatus.PROPOSED
    assert _offer(second, clerk, "401").status == OfferStatus.AWAITING_APPROVAL  # 801 > 800 today


def test_approve_lets_the_clerk_offer_it_and_is_recorded(sha, clerk, grm, limits):
    case = _resolving_case(sha, clerk)
    offer = _offer(case, clerk, "1200")
    services.approval_decide(approval=offer.approval, approver=grm, approve=True, note="VIP, fair")
    offer.refresh_from_db()
    assert (offer.status, offer.authorised_by) == (OfferStatus.PROPOSED, grm)
    assert case.events.filter(kind="approved", actor=grm).exists()
    assert Notification.objects.filter(recipient=clerk, text__startswith="Approved").exists()
    case.refresh_from_db()
    services.offer_answer(
        complaint=case, offer_id=offer.pk, actor=clerk, expected_version=case.version, accepted=True
    )
    case.refresh_from_db()
    assert case.status == Status.FOLLOWING_UP


def test_decline_needs_a_note_and_lets_the_clerk_offer_something_else(sha, clerk, grm, limits):
    case = _resolving_case(sha, clerk)
    offer = _offer(case, clerk, "1200")
    with pytest.raises(services.ComplaintError, match="Say why"):
        services.approval_decide(approval=offer.approval, approver=grm, approve=False)
    services.approval_decide(
        approval=offer.approval, approver=grm, approve=False, note="Too much for a cold dinner"
    )
    offer.refresh_from_db()
    assert offer.status == OfferStatus.NOT_APPROVED
    assert Notification.objects.filter(recipient=clerk, text__startswith="Not approved").exists()
    assert _offer(case, clerk, "200", "F&B credit").status == OfferStatus.PROPOSED


def test_only_staff_whose_limit_covers_it_may_approve(sha, clerk, limits):
    duty = factories.make_staff(roles_at={sha: roles.DUTY_MANAGER})
    other_clerk = factories.front_desk_at(sha)
    case = _resolving_case(sha, clerk)
    offer = _offer(case, clerk, "3000")
    for approver in (duty, other_clerk, clerk):
        with pytest.raises(services.ComplaintError):
            services.approval_decide(approval=offer.approval, approver=approver, approve=True)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.AWAITING_APPROVAL
    eligible = set(selectors.approvers_for(sha, amount_on_case=Decimal("3000")))
    assert duty not in eligible and other_clerk not in eligible


def test_a_personal_limit_beats_the_role_limit(sha, clerk, limits):
    limits(None, "3000", "3000", user=clerk)
    case = _resolving_case(sha, clerk)
    assert _offer(case, clerk, "2500").status == OfferStatus.PROPOSED
    trainee = factories.front_desk_at(sha)
    limits(None, "0", "0", user=trainee)
    assert _offer(_resolving_case(sha, trainee), trainee, "50").status == OfferStatus.AWAITING_APPROVAL


def test_without_any_limit_set_up_the_rule_is_not_in_use(sha, clerk):
    case = _resolving_case(sha, clerk)
    assert _offer(case, clerk, "99999").status == OfferStatus.PROPOSED


def test_a_zero_value_offer_never_needs_approval(sha, clerk, limits):
    limits(None, "0", "0", user=clerk)
    assert _offer(_resolving_case(sha, clerk), clerk, "0").status == OfferStatus.PROPOSED


@pytest.mark.django_db(transaction=True)
def test_two_offers_at_the_same_moment_cannot_both_slip_under_the_daily_limit(sha, clerk, limits):
    # Given a clerk with 800 a day left and two cases open
    cases = [_resolving_case(sha, clerk) for _ in range(2)]
    barrier = threading.Barrier(2)
    results = []

    def make(case):
        try:
            barrier.wait(timeout=10)
            results.append(_offer(case, clerk, "500").status)
        finally:
            close_old_connections()

    # When both offers of 500 are made at once (real threads, real transactions)
    threads = [threading.Thread(target=make, args=(case,)) for case in cases]
    if connection.vendor == "sqlite":
        # SQLite serialises writers itself (IMMEDIATE transactions); run them one after the other.
        for case in cases:
            results.append(_offer(case, clerk, "500").status)
    else:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    # Then exactly one went to the guest; the other waits for approval
    assert sorted(results) == [OfferStatus.AWAITING_APPROVAL, OfferStatus.PROPOSED]
    assert Offer.objects.filter(status=OfferStatus.PROPOSED).count() == 1


def test_department_queue_shows_handed_off_actions_and_completion_notifies_the_owner(sha, clerk, login):
    import datetime as dt

    from django.utils import timezone

    engineering = factories.make_department(sha, "engineering", categories=["Air conditioning"])
    case = factories.log_case(sha, clerk, department=engineering, restated_confirmed=True)
    for step in ("apologise", "offer", "accept"):
        case.refresh_from_db()
        if step == "apologise":
            services.complaint_apologise(
                complaint=case, actor=clerk, expected_version=case.version, method="phone"
            )
        elif step == "offer":
            offer = _offer(case, clerk, "0", "Room move")
        else:
            services.offer_answer(
                complaint=case, offer_id=offer.pk, actor=clerk, expected_version=case.version, accepted=True
            )
    case.refresh_from_db()
    action = services.action_add(
        complaint=case,
        actor=clerk,
        expected_version=case.version,
        description="Replace the fan motor",
        department=engineering,
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    engineer = factories.front_desk_at(sha)
    client = login(engineer)
    queue = client.get(f"/complaints/departments/{engineering.pk}/")
    assert [a.pk for a in queue.context["open_actions"]] == [action.pk]
    case.refresh_from_db()
    response = client.post(
        f"/complaints/{case.pk}/complete_action/",
        {
            "version": case.version,
            "action": action.pk,
            "note": "Motor replaced",
            "next": f"/complaints/departments/{engineering.pk}/",
        },
    )
    assert response["Location"] == f"/complaints/departments/{engineering.pk}/"
    assert Notification.objects.filter(recipient=clerk, text__contains="Replace the fan motor").exists()
    assert client.get(f"/complaints/departments/{engineering.pk}/").context["open_actions"] == []


def test_approvals_page_and_deciding_from_it(sha, clerk, grm, login, limits):
    case = _resolving_case(sha, clerk)
    offer = _offer(case, clerk, "1200")
    page = login(grm).get("/complaints/approvals/")
    assert [r.pk for r in page.context["pending"]] == [offer.approval.pk]
    assert page.context["pending"][0].can_decide
    assert login(clerk).get("/complaints/approvals/").context["pending"][0].can_decide is False
    response = login(grm).post(f"/complaints/approvals/{offer.approval.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PROPOSED


def test_bell_counts_unread_and_marks_read(sha, clerk, grm, login, limits):
    _offer(_resolving_case(sha, clerk), clerk, "1200")
    client = login(grm)
    assert client.get("/rooms/").context["unread_notifications"] == 1
    client.post("/complaints/notifications/")
    assert client.get("/rooms/").context["unread_notifications"] == 0


def test_header_counts_unread_and_waiting_approvals_in_one_query(sha, clerk, grm, limits):
    """Every signed-in page shows both counts: one round trip, and the approvals only to approvers."""
    _offer(_resolving_case(sha, clerk), clerk, "1200")
    _offer(_resolving_case(sha, clerk), clerk, "1300")
    with CaptureQueriesContext(connection) as captured:
        grm_counts = selectors.header_counts(user=grm, prop=sha, approvals=True)
    assert grm_counts == (2, 2)  # told of both requests; both wait
    assert len(captured.captured_queries) == 1
    assert selectors.header_counts(user=clerk, prop=sha, approvals=False) == (0, 0)


def test_ledger_sums_accepted_compensation_by_month_and_department(sha, clerk, grm, login):
    case = _resolving_case(sha, clerk)
    offer = _offer(case, clerk, "300")
    case.refresh_from_db()
    services.offer_answer(
        complaint=case, offer_id=offer.pk, actor=clerk, expected_version=case.version, accepted=True
    )
    ledger = login(grm).get("/complaints/ledger/").context["ledger"]
    assert ledger["total"] == Decimal("300")
    assert ledger["by_department"][0]["total"] == Decimal("300")
    assert login(clerk).get("/complaints/ledger/").status_code == 403
