"""Celery paths run through the configured broker (filesystem here, Redis in CI) and a real worker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from hotel_crm.celery import app as celery_app
from hotel_crm.models import Heartbeat
from hotel_crm.tasks import heartbeat


@pytest.fixture
def celery_worker_thread():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as worker:
        yield worker


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_heartbeat_task_travels_through_the_broker_to_a_real_worker(celery_worker_thread):
    # Given no heartbeat yet
    assert not Heartbeat.objects.exists()
    # When the task is sent through the broker (not run eagerly)
    heartbeat.delay()
    # Then the worker picks it up and records the heartbeat
    assert _wait_for(lambda: Heartbeat.objects.filter(name="worker").exists()), (
        "the worker never ran the task"
    )
