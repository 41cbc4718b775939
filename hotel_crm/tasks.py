from celery import shared_task

from hotel_crm.services import heartbeat_record


@shared_task(name="hotel_crm.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Let /healthz see that beat and a worker are running."""
    heartbeat_record(name="worker")
