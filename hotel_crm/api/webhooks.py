"""Outbound webhooks, the side the apps call: `enqueue` writes the outbox rows with the change.

Each app connects its own signal receivers (e.g. complaints/api/receivers.py) and calls `enqueue`;
hotel_crm.api.webhook_delivery sends the rows, hotel_crm.api.tasks runs it on Celery.
"""

from django.db import transaction
from django.utils import timezone

from hotel_crm.api.models import WebhookDelivery, WebhookSubscription
from hotel_crm.api.tasks import webhook_deliver
from hotel_crm.models import Property


def enqueue(*, prop: Property | None, event: str, data: dict) -> list[WebhookDelivery]:
    """Write one delivery per subscriber of `event` (of `prop`, or of every property when None).

    Call inside the transaction of the change: the rows commit with it, and the Celery task is sent
    only after the commit (a rolled-back change sends nothing).
    """
    subscriptions = WebhookSubscription.objects.filter(active=True)
    if prop is not None:
        subscriptions = subscriptions.filter(property=prop)
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=subscription, event=event, payload={}, next_attempt_at=now)
        for subscription in subscriptions
        if event in subscription.events
    )
    for delivery in deliveries:
        delivery.payload = {
            "id": str(delivery.uuid),
            "event": event,
            "created_at": now.isoformat(),
            "data": data,
        }
    WebhookDelivery.objects.bulk_update(deliveries, ["payload"])
    if deliveries:
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: [webhook_deliver.delay(pk) for pk in ids])
    return deliveries
