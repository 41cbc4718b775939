"""Thin Celery tasks: take ids, call one function, safe to run twice."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from complaints import reminders

log = logging.getLogger(__name__)


@shared_task(name="complaints.reminders_dispatch", ignore_result=True)
def reminders_dispatch() -> int:
    """Claim due reminders and hand each to a worker; with the broker down, rows wait for their lease."""
    ids = reminders.claim_due()
    sent = 0
    for reminder_id in ids:
        try:
            reminder_deliver.apply_async((reminder_id,), retry=False)
        except OperationalError:
            log.warning("Broker unavailable: %d reminders wait in the database", len(ids) - sent)
            break
        sent += 1
    return sent


@shared_task(name="complaints.reminder_deliver", ignore_result=True, acks_late=True)
def reminder_deliver(reminder_id: int) -> None:
    reminders.deliver(reminder_id=reminder_id)


@shared_task(name="complaints.digest_schedule", ignore_result=True)
def digest_schedule() -> int:
    return reminders.digest_schedule()
