"""Outbound webhooks, the sending side: one POST per delivery of the outbox, retried with backoff.

Each delivery is a POST of the JSON payload with
  X-HotelCRM-Event, X-HotelCRM-Delivery (a UUID; the same on every retry),
  X-HotelCRM-Timestamp (Unix seconds) and
  X-HotelCRM-Signature: sha256=HEX(HMAC-SHA256(secret, f"{timestamp}.{body}")).
A 2xx answer delivers it; anything else is retried after 30 s, 1, 2, 4 … minutes, up to MAX_ATTEMPTS.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from hotel_crm.api.models import DeliveryStatus, WebhookDelivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(seconds=30)
LEASE = dt.timedelta(minutes=2)  # a claimed delivery comes back if its worker died mid-send


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, 4 min …"""
    return FIRST_RETRY * (2 ** max(attempts - 1, 0))


def _claim(delivery_id: int, now: dt.datetime) -> WebhookDelivery | None:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        delivery.next_attempt_at = now + LEASE
        delivery.attempts += 1
        delivery.save(update_fields=["next_attempt_at", "attempts"])
        return delivery


def _post(delivery: WebhookDelivery, now: dt.datetime) -> tuple[int | None, str]:
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    timestamp = str(int(now.timestamp()))
    request = urllib.request.Request(  # noqa: S310 (the URL field only accepts http/https)
        delivery.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "hotel_crm-webhooks/1",
            "X-HotelCRM-Event": delivery.event,
            "X-HotelCRM-Delivery": str(delivery.uuid),
            "X-HotelCRM-Timestamp": timestamp,
            "X-HotelCRM-Signature": signature(delivery.subscription.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.API_WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, str(getattr(error, "reason", error))[:300]


def deliver(*, delivery_id: int, now: dt.datetime | None = None) -> WebhookDelivery | None:
    """Send one due delivery once and record the outcome; None if it is not due (or not pending)."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    code, error = _post(delivery, now)
    delivery.last_status_code = code
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            DeliveryStatus.DELIVERED,
            timezone.now(),
            "",
        )
    else:
        delivery.last_error = error or f"HTTP {code}"
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        log.info(
            "Webhook %s to %s failed (%s)", delivery.uuid, delivery.subscription.url, delivery.last_error
        )
    delivery.save(
        update_fields=["status", "delivered_at", "last_error", "last_status_code", "next_attempt_at"]
    )
    return delivery


def due_deliveries(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come: retries, and messages the broker lost."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
