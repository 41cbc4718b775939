"""Thin Celery tasks for webhooks: take ids, call one function, safe to run twice."""

from celery import shared_task

from hotel_crm.api import webhook_delivery
from hotel_crm.api.idempotency import idempotency_keys_purge
from hotel_crm.api.models import DeliveryStatus


@shared_task(name="api.webhook_deliver", ignore_result=True, acks_late=True)
def webhook_deliver(delivery_id: int) -> None:
    delivery = webhook_delivery.deliver(delivery_id=delivery_id)
    if delivery is not None and delivery.status == DeliveryStatus.PENDING:
        webhook_deliver.apply_async((delivery_id,), eta=delivery.next_attempt_at)


@shared_task(name="api.webhooks_dispatch", ignore_result=True)
def webhooks_dispatch() -> int:
    """Beat: send what is due (a lost message or a retry whose worker stopped), purge old idempotency keys."""
    due = webhook_delivery.due_deliveries()
    for delivery_id in due:
        webhook_deliver.delay(delivery_id)
    idempotency_keys_purge()
    return len(due)
