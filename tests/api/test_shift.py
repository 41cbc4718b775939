"""The duty log and handovers over the API, and the PMS check-in of a flagged guest."""

import datetime as dt

import pytest

from complaints import services
from complaints.models import DutyLogEntry, Handover, Notification
from complaints.workflow import Verdict
from hotel_crm import roles
from hotel_crm.api.models import Scope
from tests import factories
from tests.complaints.shift_setup import past_case

pytestmark = pytest.mark.django_db


def test_write_and_read_the_duty_log(api, sha, room):
    case = factories.log_case(sha, factories.front_desk_at(sha))
    created = api.post(
        "/api/v1/shift/log/",
        {"category": "room", "text": "Kettle replaced in 2101", "room": "2101", "case": case.reference},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["room"], body["case"], body["category"]) == ("2101", case.reference, "room")
    listed = api.get("/api/v1/shift/log/").json()["results"]
    assert [e["text"] for e in listed] == ["Kettle replaced in 2101"]
    fix = api.post("/api/v1/shift/log/", {"category": "room", "text": "It was 2102", "corrects": body["id"]})
    assert fix.json()["corrects"] == body["id"]


def test_bad_log_input_names_the_fields_and_saves_nothing(api):
    response = api.post("/api/v1/shift/log/", {"category": "party", "text": ""})
    assert response.status_code == 400
    response = api.post(
        "/api/v1/shift/log/", {"category": "room", "text": "x", "room": "0000", "stay": "NOPE"}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"room", "stay"}
    assert not DutyLogEntry.objects.exists()


def test_the_log_over_the_api_hides_sensitive_entries(api, sha, grm):
    services.duty_log_write(
        prop=sha, author=grm, category="incident", text="Staff conduct", is_sensitive=True
    )
    assert api.get("/api/v1/shift/log/").json()["results"] == []


def test_hand_over_and_acknowledge_over_the_api(api, make_token, sha):
    night = factories.front_desk_at(sha, username="nightclerk")
    created = api.post(
        "/api/v1/shift/handovers/", {"notes": "2305 waits for a kettle", "to_user": "nightclerk"}
    )
    assert created.status_code == 201, created.content
    handover = created.json()
    assert handover["to_user"] == "nightclerk" and handover["acknowledged_at"] is None
    assert set(handover["summary"]) >= {"opened", "moved", "closed", "actions_due", "arrivals", "entries"}
    again = api.post("/api/v1/shift/handovers/", {"notes": "twice"})
    assert again.status_code == 409
    # the writer (the token's account) cannot acknowledge; another account can
    assert api.post(f"/api/v1/shift/handovers/{handover['id']}/acknowledge/", {}).status_code == 409
    other = make_token(name="Night desk")
    other.token.user = night
    other.token.save()
    stale = other.post(f"/api/v1/shift/handovers/{handover['id']}/acknowledge/", {"version": 99})
    assert stale.status_code == 409
    done = other.post(
        f"/api/v1/shift/handovers/{handover['id']}/acknowledge/", {"version": handover["version"]}
    )
    assert done.status_code == 200, done.content
    assert done.json()["acknowledged_by"] == "nightclerk"
    assert api.get(f"/api/v1/shift/handovers/{handover['id']}/").json()["acknowledged_by"] == "nightclerk"
    assert [h["id"] for h in api.get("/api/v1/shift/handovers/").json()["results"]] == [handover["id"]]


def test_an_unknown_to_user_is_a_400(api):
    response = api.post("/api/v1/shift/handovers/", {"to_user": "nobody"})
    assert response.status_code == 400 and "to_user" in response.json()["errors"]
    assert not Handover.objects.exists()


def test_the_shift_endpoints_need_the_shift_scopes(make_token, sha):
    reader = make_token(scopes=[Scope.SHIFT_READ])
    assert reader.get("/api/v1/shift/log/").status_code == 200
    assert reader.post("/api/v1/shift/log/", {"category": "room", "text": "x"}).status_code == 403
    cases_only = make_token(scopes=[Scope.COMPLAINTS_READ, Scope.COMPLAINTS_WRITE])
    assert cases_only.get("/api/v1/shift/handovers/").status_code == 403


def test_another_hotels_handover_is_404(api, hgh):
    other = services.handover_create(prop=hgh, actor=factories.front_desk_at(hgh))
    assert api.get(f"/api/v1/shift/handovers/{other.pk}/").status_code == 404


def test_a_pms_check_in_of_a_returning_complainant_tells_the_grm(api, sha, grm, room):
    # given a guest who complained on an earlier stay, and their reservation pushed by the PMS
    guest = factories.make_guest("孙", "悟", vip_level=1)
    past_case(sha, factories.front_desk_at(sha), guest, verdict=Verdict.DISSATISFIED)
    today = sha.today()
    body = {
        "guest": guest.pk,
        "room": room.number,
        "arrival_date": str(today),
        "departure_date": str(today + dt.timedelta(days=2)),
        "status": "reserved",
    }
    assert api.put("/api/v1/stays/OPERA-9/", body).status_code == 201
    assert not Notification.objects.exists()
    # when the PMS pushes the check-in (twice: it retries)
    for _ in range(2):
        assert api.put("/api/v1/stays/OPERA-9/", {**body, "status": "in_house"}).status_code == 200
    # then the GRM has one notification naming the room and the flags
    note = Notification.objects.get()
    assert note.recipient == grm
    assert "2101" in note.text and "1 earlier case(s) here" in note.text and "VIP" in note.text


def test_the_token_role_must_allow_the_log(make_token, sha):
    director_like = make_token(role=roles.GROUP_DIRECTOR)
    assert director_like.get("/api/v1/shift/log/").status_code == 403
