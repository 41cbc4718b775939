"""Outbound webhooks: written with the change, signed per subscriber, sent by Celery, retried with backoff.

The receiver is a real HTTP server on localhost that checks the signature the way the README tells
subscribers to.
"""

import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading

import pytest
from django.utils import timezone

from guests.services import guest_erase
from hotel_crm.api import webhook_delivery, webhooks
from hotel_crm.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from hotel_crm.celery import app as celery_app
from tests import factories

pytestmark = pytest.mark.django_db

SECRET = "s3cret-shared-with-the-receiver"


class Receiver:
    """A local HTTP endpoint: answers the next codes from `plan` (then 200), keeps what it received."""

    def __init__(self, secret: str = SECRET, plan=()):
        self.secret, self.plan, self.received = secret, list(plan), []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-HotelCRM-Timestamp"]
                expected = (
                    "sha256="
                    + hmac.new(
                        receiver.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
                    ).hexdigest()
                )
                valid = hmac.compare_digest(expected, self.headers["X-HotelCRM-Signature"])
                receiver.received.append(
                    {
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": json.loads(body),
                        "valid": valid,
                    }
                )
                code = receiver.plan.pop(0) if receiver.plan else (200 if valid else 401)
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def _make(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]

    yield _make
    for r in made:
        r.close()


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _subscribe(prop, url, events, secret=SECRET):
    return WebhookSubscription.objects.create(property=prop, url=url, secret=secret, events=events)


def test_case_events_are_signed_and_delivered_after_commit(
    api, department, sha, receiver, eager_celery, django_capture_on_commit_callbacks
):
    # given a subscriber of every case event
    hook = receiver()
    _subscribe(sha, hook.url, ["complaint.created", "complaint.step_changed", "complaint.closed"])
    # when a case is logged and restated through the API (the Celery task runs on commit)
    with django_capture_on_commit_callbacks(execute=True):
        case = api.post(
            "/api/v1/complaints/",
            {"guest_words": "Cold shower", "department": "housekeeping", "complainant_name": "Mr Li"},
        ).json()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/complaints/{case['id']}/restate/", {})
    # then the receiver got both, each signed with its secret, with the documented headers
    assert [r["headers"]["x-hotelcrm-event"] for r in hook.received] == [
        "complaint.created",
        "complaint.step_changed",
    ]
    assert all(r["valid"] for r in hook.received)
    created, moved = (r["body"] for r in hook.received)
    assert created["data"]["reference"] == case["reference"]
    assert "guest_words" not in created["data"]
    assert (moved["data"]["from_status"], moved["data"]["to_status"]) == ("listening", "apologising")
    assert hook.received[0]["headers"]["x-hotelcrm-delivery"] == created["id"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_closing_a_case_sends_step_changed_and_closed(
    api, department, sha, receiver, eager_celery, django_capture_on_commit_callbacks
):
    hook = receiver()
    _subscribe(sha, hook.url, ["complaint.closed"])
    staff = factories.make_staff(roles_at={sha: "Front Desk"})
    case = factories.log_case(sha, staff, restated_confirmed=True)
    from complaints import services

    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_withdraw(complaint=case, actor=staff, expected_version=None, reason="dup")
    assert hook.received == []  # withdrawn is not closed
    case2 = factories.log_case(sha, staff, restated_confirmed=True)
    services.complaint_apologise(complaint=case2, actor=staff, expected_version=None, method="phone")
    offer = services.offer_make(
        complaint=case2, actor=staff, expected_version=None, remedy_type="amenity", description="Tea"
    )
    services.offer_answer(
        complaint=case2, offer_id=offer.pk, actor=staff, expected_version=None, accepted=True
    )
    services.complaint_request_verification(complaint=case2, actor=staff, expected_version=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_verify(complaint=case2, actor=staff, expected_version=None, verdict="satisfied")
    assert [r["body"]["event"] for r in hook.received] == ["complaint.closed"]
    assert hook.received[0]["body"]["data"]["verdict"] == "satisfied"


def test_rolled_back_change_sends_nothing(api, sha, receiver, django_capture_on_commit_callbacks):
    hook = receiver()
    _subscribe(sha, hook.url, ["complaint.created"])
    # a case that the service refuses (no department of this hotel) writes no delivery
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post(
            "/api/v1/complaints/", {"guest_words": "x", "department": "nope", "complainant_name": "A"}
        )
    assert response.status_code == 400
    assert callbacks == [] and not WebhookDelivery.objects.exists()


def test_guest_erased_goes_to_every_propertys_subscribers(
    sha, hgh, receiver, eager_celery, django_capture_on_commit_callbacks
):
    hook = receiver()
    _subscribe(sha, hook.url, ["guest.erased"])
    _subscribe(hgh, hook.url, ["guest.erased"])
    _subscribe(hgh, hook.url, ["complaint.created"])
    guest = factories.make_guest()
    with django_capture_on_commit_callbacks(execute=True):
        guest_erase(guest=guest, actor=factories.make_staff(), reason="Guest's request")
    assert [r["body"]["data"] for r in hook.received] == [{"guest": guest.pk}] * 2


def test_failed_delivery_is_retried_with_backoff_until_delivered(sha, receiver):
    # given a receiver that fails twice (500, then 503), then accepts
    hook = receiver(plan=[500, 503])
    subscription = _subscribe(sha, hook.url, ["complaint.created"])
    [delivery] = webhooks.enqueue(prop=sha, event="complaint.created", data={"id": 1})
    now = timezone.now()
    # when it is sent: the first try fails and the next is scheduled 30 s later
    first = webhook_delivery.deliver(delivery_id=delivery.pk, now=now)
    assert (first.status, first.attempts, first.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    assert first.next_attempt_at == now + dt.timedelta(seconds=30)
    # nothing is sent again before then
    assert webhook_delivery.deliver(delivery_id=delivery.pk, now=now + dt.timedelta(seconds=10)) is None
    second = webhook_delivery.deliver(delivery_id=delivery.pk, now=now + dt.timedelta(seconds=30))
    assert (second.attempts, second.last_status_code) == (2, 503)
    assert second.next_attempt_at == now + dt.timedelta(seconds=30) + dt.timedelta(minutes=1)
    assert webhook_delivery.due_deliveries(now=second.next_attempt_at) == [delivery.pk]
    third = webhook_delivery.deliver(delivery_id=delivery.pk, now=second.next_attempt_at)
    # then it is delivered on the third attempt, with the same delivery id every time
    assert (third.status, third.attempts, third.last_status_code) == (DeliveryStatus.DELIVERED, 3, 200)
    assert len({r["headers"]["x-hotelcrm-delivery"] for r in hook.received}) == 1
    assert len(hook.received) == 3
    assert subscription.deliveries.get().delivered_at is not None


def test_gives_up_after_max_attempts_and_records_the_error(sha):
    # nothing listens on this port
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _subscribe(sha, f"http://127.0.0.1:{port}/", ["complaint.created"])
    [delivery] = webhooks.enqueue(prop=sha, event="complaint.created", data={})
    when = timezone.now()
    for _ in range(webhook_delivery.MAX_ATTEMPTS):
        result = webhook_delivery.deliver(delivery_id=delivery.pk, now=when)
        when = result.next_attempt_at
    assert result.status == DeliveryStatus.FAILED
    assert result.attempts == webhook_delivery.MAX_ATTEMPTS
    assert result.last_status_code is None and result.last_error


def test_wrong_secret_is_rejected_by_the_receiver(sha, receiver):
    hook = receiver(secret="the-receivers-secret")
    _subscribe(sha, hook.url, ["complaint.created"], secret="another-secret")
    [delivery] = webhooks.enqueue(prop=sha, event="complaint.created", data={})
    result = webhook_delivery.deliver(delivery_id=delivery.pk)
    assert hook.received[0]["valid"] is False
    assert (result.status, result.last_status_code) == (DeliveryStatus.PENDING, 401)
