"""Hand a Celery task to the broker by name once the transaction commits.

By name, so the modules that queue work need not import complaints.tasks (which imports them). With
the broker down the row waits in the database, and the beat task that looks for due rows sends it later.
"""

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def publish_on_commit(task_name: str, *args: object) -> None:
    """Send `task_name(*args)` after the commit; a broker outage is logged, never raised to the caller."""

    def publish() -> None:
        try:
            current_app.send_task(task_name, args=args, retry=False)
        except OperationalError:
            log.warning("Broker unavailable: %s%r waits for the next dispatch run", task_name, args)

    transaction.on_commit(publish)
