"""The complaint cycle through the API: the same services, rules and authority limits as the case page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from complaints.models import ApprovalRequest, AuthorityLimit, Complaint, ComplaintEvent, OfferStatus
from complaints.workflow import Status
from tests import factories

pytestmark = pytest.mark.django_db


def _log(api, **extra):
    body = {
        "guest_words": "The bathroom was not cleaned.",
        "department": "housekeeping",
        "complainant_name": "Mr Li",
        **extra,
    }
    return api.post("/api/v1/complaints/", body)


def test_log_a_case_and_read_it_with_its_timeline(api, department, room):
    response = _log(api, room="2101", severity="high", mood="angry")
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["status"] == "listening"
    assert case["reference"].startswith("SHA-")
    assert case["room"] == "2101"
    assert [e["kind"] for e in case["timeline"]] == ["logged"]
    assert case["timeline"][0]["actor"] == api.token.user.username
    detail = api.get(f"/api/v1/complaints/{case['id']}/").json()
    assert detail["guest_words"] == "The bathroom was not cleaned."


def test_log_bad_input_names_the_fields(api, department):
    response = _log(api, department="nope", room="9999", severity="extreme")
    assert response.status_code == 400
    assert "severity" in response.json()["errors"]
    response = _log(api, department="nope", room="9999")
    assert set(response.json()["errors"]) == {"department", "room"}
    no_complainant = _log(api, complainant_name="")
    assert no_complainant.status_code == 409
    assert "guest" in no_complainant.json()["detail"]
    assert not Complaint.objects.exists()


def test_the_whole_cycle(api, department, sha):
    case = _log(api, restated_confirmed=True).json()
    pk = case["id"]
    assert case["status"] == "apologising"

    def act(path, body=None, expect=200):
        response = api.post(f"/api/v1/complaints/{pk}/{path}", body or {})
        assert response.status_code == expect, (path, response.content)
        return response.json()

    case = act("apologise/", {"method": "in_person", "note": "Sorry", "version": case["version"]})
    assert case["status"] == "resolving"
    case = act("offers/", {"remedy_type": "amenity", "description": "Fruit basket", "value": "50"})
    offer = case["offers"][-1]
    assert offer["status"] == "proposed"
    case = act(f"offers/{offer['id']}/decline/", {"response": "Not enough"})
    assert case["offers"][-1]["status"] == "declined" and case["status"] == "resolving"
    case = act("offers/", {"remedy_type": "upgrade", "description": "Suite upgrade"})
    case = act(f"offers/{case['offers'][-1]['id']}/accept/")
    assert case["status"] == "following_up"
    due = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    case = act("actions/", {"description": "Deep clean", "due_at": due, "department": "housekeeping"})
    action = case["actions"][0]
    # verification cannot be asked while the action is open: 409 with the workflow's reason
    refused = api.post(f"/api/v1/complaints/{pk}/request-verification/", {})
    assert refused.status_code == 409
    assert "still open" in refused.json()["detail"]
    case = act(f"actions/{action['id']}/complete/", {"note": "Done"})
    case = act("request-verification/")
    assert case["status"] == "verifying"
    case = act("verify/", {"verdict": "very_satisfied"})
    assert case["status"] == "closed" and case["verdict"] == "very_satisfied"
    kinds = [e["kind"] for e in case["timeline"]]
    assert kinds == [
        "logged",
        "restated",
        "apologised",
        "offered",
        "offer_declined",
        "offered",
        "offer_accepted",
        "action_added",
        "action_done",
        "verification",
        "verified",
    ]
    assert set(ComplaintEvent.objects.filter(complaint_id=pk).values_list("actor", flat=True)) == {
        api.token.user.pk
    }


def test_illegal_step_and_stale_version_are_409(api, department):
    case = _log(api).json()
    pk = case["id"]
    wrong_step = api.post(f"/api/v1/complaints/{pk}/apologise/", {"method": "phone"})
    assert wrong_step.status_code == 409
    assert "not possible while the case is at" in wrong_step.json()["detail"]
    api.post(f"/api/v1/complaints/{pk}/restate/", {"version": case["version"]})
    stale = api.post(f"/api/v1/complaints/{pk}/apologise/", {"method": "phone", "version": case["version"]})
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    assert Complaint.objects.get(pk=pk).status == Status.APOLOGISING


def test_offer_beyond_the_tokens_authority_asks_a_manager(api, department, sha):
    # given Front Desk may grant 100 on a case, and a duty manager 2,000
    AuthorityLimit.objects.create(
        property=sha, role=Group.objects.get(name="Front Desk"), per_case=100, per_day=500
    )
    AuthorityLimit.objects.create(
        property=sha, role=Group.objects.get(name="Duty Manager"), per_case=2000, per_day=5000
    )
    manager = factories.make_staff("duty", roles_at={sha: "Duty Manager"})
    case = _log(api, restated_confirmed=True).json()
    api.post(f"/api/v1/complaints/{case['id']}/apologise/", {"method": "phone"})
    # when the token (acting as Front Desk) offers 300
    case = api.post(
        f"/api/v1/complaints/{case['id']}/offers/",
        {
            "remedy_type": "refund",
            "description": "One night refunded",
            "value": "300.00",
            "reason": "Second time",
        },
    ).json()
    # then, exactly as in the UI, the offer waits for approval and the manager is asked
    assert case["offers"][-1]["status"] == OfferStatus.AWAITING_APPROVAL
    approval = ApprovalRequest.objects.get()
    assert approval.requested_by == api.token.user and approval.reason == "Second time"
    assert manager.notifications.filter(text__contains="Approval needed").exists()
    # and the guest cannot be asked to accept it yet
    refused = api.post(f"/api/v1/complaints/{case['id']}/offers/{case['offers'][-1]['id']}/accept/", {})
    assert refused.status_code == 409
    assert "approval" in refused.json()["detail"]


def test_list_with_the_ui_filters_and_a_fixed_query_count(
    api, department, sha, django_assert_max_num_queries
):
    staff = factories.make_staff(roles_at={sha: "Front Desk"})
    high = factories.log_case(sha, staff, severity="high")
    factories.log_case(sha, staff, severity="low")
    assert [c["id"] for c in api.get("/api/v1/complaints/", severity="high").json()["results"]] == [high.pk]
    assert api.get("/api/v1/complaints/", status="closed").json()["results"] == []
    assert api.get("/api/v1/complaints/", status="bogus").status_code == 400
    with django_assert_max_num_queries(20) as few:
        assert len(api.get("/api/v1/complaints/").json()["results"]) == 2
    for _ in range(20):
        factories.log_case(sha, staff, guest=factories.make_guest())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/complaints/").json()["results"]) == 22


def test_cases_of_another_hotel_are_not_found(make_token, sha, hgh):
    factories.make_department(hgh, "housekeeping")
    other = factories.log_case(hgh, factories.make_staff(roles_at={hgh: "Front Desk"}))
    api = make_token(prop=sha)
    assert api.get(f"/api/v1/complaints/{other.pk}/").status_code == 404
    assert api.post(f"/api/v1/complaints/{other.pk}/restate/", {}).status_code == 404


def test_acting_on_a_case_needs_the_write_scope(make_token, department, sha):
    # withdrawing is allowed to Front Desk, but a token with complaints:read alone may not act
    reader = make_token(scopes=["complaints:read"], name="Reader")
    case = factories.log_case(sha, reader.token.user)
    response = reader.post(f"/api/v1/complaints/{case.pk}/withdraw/", {"reason": "Duplicate"})
    assert response.status_code == 403
    writer = make_token(scopes=["complaints:write", "complaints:read"], name="Writer")
    assert (
        writer.post(f"/api/v1/complaints/{case.pk}/withdraw/", {"reason": "Duplicate"}).json()["status"]
        == "withdrawn"
    )


def test_decimal_value_is_kept_exactly(api, department):
    case = _log(api, restated_confirmed=True).json()
    api.post(f"/api/v1/complaints/{case['id']}/apologise/", {"method": "phone"})
    case = api.post(
        f"/api/v1/complaints/{case['id']}/offers/",
        {"remedy_type": "fb_credit", "description": "Dinner", "value": "88.50"},
    ).json()
    assert Decimal(case["offers"][-1]["value"]) == Decimal("88.50")


def test_case_detail_query_count_does_not_grow_with_the_timeline(
    api, department, sha, django_assert_max_num_queries
):
    case = _log(api, restated_confirmed=True).json()
    with django_assert_max_num_queries(40) as few:
        api.get(f"/api/v1/complaints/{case['id']}/")
    short = len(few.captured_queries)
    from complaints.services import complaint_add_note

    for n in range(15):
        complaint_add_note(
            complaint=Complaint.objects.get(pk=case["id"]), actor=api.token.user, note=f"Note {n}"
        )
    with django_assert_max_num_queries(short):
        assert len(api.get(f"/api/v1/complaints/{case['id']}/").json()["timeline"]) == 17
