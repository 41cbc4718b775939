"""Idempotency-Key on POST: the first response comes back for a repeat; another body with it is a 422."""

import datetime as dt

import pytest
from django.utils import timezone

from api.models import IdempotencyKey
from complaints.models import Complaint, Offer
from guests.models import Guest

pytestmark = pytest.mark.django_db

CASE = {"guest_words": "Noise at night", "department": "housekeeping", "complainant_name": "Ms Wu"}


def test_repeat_returns_the_first_response_without_a_second_case(api, department):
    first = api.post("/api/v1/complaints/", CASE, headers={"Idempotency-Key": "k-1"})
    again = api.post("/api/v1/complaints/", CASE, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1
    # a new key is a new request
    assert api.post("/api/v1/complaints/", CASE, headers={"Idempotency-Key": "k-2"}).status_code == 201
    assert Complaint.objects.count() == 2


def test_same_key_with_another_body_is_422(api, department):
    api.post("/api/v1/complaints/", CASE, headers={"Idempotency-Key": "k-1"})
    response = api.post(
        "/api/v1/complaints/", {**CASE, "severity": "high"}, headers={"Idempotency-Key": "k-1"}
    )
    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert Complaint.objects.count() == 1


def test_keys_are_per_token(make_token, department):
    one, two = make_token(name="One"), make_token(name="Two")
    one.post("/api/v1/guests/", {"family_name_latin": "Ng"}, headers={"Idempotency-Key": "same"})
    two.post("/api/v1/guests/", {"family_name_latin": "Ng"}, headers={"Idempotency-Key": "same"})
    assert Guest.objects.count() == 2


def test_a_refused_action_is_replayed_too_and_a_lifecycle_action_runs_once(api, department):
    case = api.post("/api/v1/complaints/", {**CASE, "restated_confirmed": True}).json()
    api.post(f"/api/v1/complaints/{case['id']}/apologise/", {"method": "phone"})
    body = {"remedy_type": "amenity", "description": "Flowers"}
    first = api.post(f"/api/v1/complaints/{case['id']}/offers/", body, headers={"Idempotency-Key": "offer-1"})
    again = api.post(f"/api/v1/complaints/{case['id']}/offers/", body, headers={"Idempotency-Key": "offer-1"})
    assert first.status_code == again.status_code == 200
    assert Offer.objects.count() == 1
    # without a key the second offer is refused by the workflow (the guest has not answered)
    assert api.post(f"/api/v1/complaints/{case['id']}/offers/", body).status_code == 409
    refused = api.post(
        f"/api/v1/complaints/{case['id']}/offers/", body, headers={"Idempotency-Key": "offer-2"}
    )
    replay = api.post(
        f"/api/v1/complaints/{case['id']}/offers/", body, headers={"Idempotency-Key": "offer-2"}
    )
    assert refused.status_code == replay.status_code == 409
    assert replay.json() == refused.json()


def test_expired_keys_no_longer_replay(api, department):
    api.post("/api/v1/complaints/", CASE, headers={"Idempotency-Key": "old"})
    IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    api.post("/api/v1/complaints/", CASE, headers={"Idempotency-Key": "old"})
    assert Complaint.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_the_same_moment_make_one_case(make_token, department):
    """The key row commits with the change: the loser of the race rolls back and replays the winner."""
    import threading

    from django.db import connection

    from tests.api.conftest import ApiClient

    api = make_token()
    barrier = threading.Barrier(2)
    results = []

    def send():
        try:
            client = ApiClient(api.raw)  # one test client per thread
            barrier.wait()
            response = client.post("/api/v1/complaints/", CASE, headers={"Idempotency-Key": "race"})
            results.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [code for code, _ in results] == [201, 201]
    assert len({pk for _, pk in results}) == 1
    assert Complaint.objects.count() == 1
