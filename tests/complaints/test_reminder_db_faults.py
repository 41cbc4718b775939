"""Issue #18, class 7: a reminder delivery that fails on a database error, with a real worker.

The error is real: on PostgreSQL the worker's own database connection is terminated by the server
(pg_terminate_backend) while it delivers; on SQLite another connection holds the write lock past the
worker's busy timeout ("database is locked"). The row must come back for a retry after a short
backoff, not after its 2-minute lease, and nothing may be sent twice.
"""

import datetime as dt
import sqlite3
import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from complaints import reminders, tasks
from complaints.models import Notification, Reminder, ReminderStatus
from tests import factories
from tests.complaints.test_reminder_reliability import (  # noqa: F401 -- broker is a fixture
    ON_POSTGRES,
    _due_reminders,
    _wait_for,
    _worker_thread,
    broker,
)
from tests.slow_mail import slow_mailers

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _terminate_backend_of(predicate_sql: str) -> bool:
    """Have PostgreSQL end the other connection of this test database matching `predicate_sql`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = current_database() AND pid <> pg_backend_pid() AND {predicate_sql}"
        )
        return any(row[0] for row in cursor.fetchall())


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.usefixtures("broker")
def test_a_delivery_failing_on_a_database_error_is_released_at_once_and_sent_once(sha, clerk):
    # Given a due reminder to a clerk with an email address
    clerk.email = "clerk@sha.example"
    clerk.save(update_fields=["email"])
    case = factories.log_case(sha, clerk)
    [reminder_id] = _due_reminders(case, clerk, 1, timezone.now() - dt.timedelta(seconds=1))
    with _worker_thread():
        if ON_POSTGRES:
            # When the worker's connection is cut while it waits for the row (another session holds it)
            holder_ready, release = threading.Event(), threading.Event()

            def hold():
                with transaction.atomic():
                    list(Reminder.objects.select_for_update().filter(pk=reminder_id))
                    holder_ready.set()
                    release.wait(30)
                connection.close()

            assert reminders.claim_due() == [reminder_id]
            holder = threading.Thread(target=hold)
            holder.start()
            assert holder_ready.wait(10)
            tasks.reminder_deliver.delay(reminder_id)
            assert _wait_for(_waiting_on_a_lock, timeout=20)
            assert _terminate_backend_of("wait_event_type = 'Lock'")
            release.set()
            holder.join(10)
        else:
            # When another connection holds SQLite's write lock past the worker's busy timeout
            assert reminders.claim_due() == [reminder_id]
            probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
            try:
                probe.execute("BEGIN IMMEDIATE")
                tasks.reminder_deliver.delay(reminder_id)
                time.sleep(21)  # past the 20 s busy timeout of the worker's connection (settings)
            finally:
                probe.rollback()
                probe.close()
        # Then the row is released for a retry after a short backoff, well before its lease would end
        assert _wait_for(
            lambda: (
                Reminder.objects.filter(
                    pk=reminder_id, lease_until__lt=timezone.now() + dt.timedelta(seconds=30)
                )
                .exclude(status=ReminderStatus.SENT)
                .exists()
            ),
            timeout=30,
        )
        row = Reminder.objects.get(pk=reminder_id)
        assert row.lease_until - row.claimed_at < reminders.LEASE
        assert not Notification.objects.filter(key=f"reminder:{reminder_id}").exists()
        assert mail.outbox == []
        # And once the backoff has passed, the dispatcher hands it out again and it is sent once
        assert _wait_for(lambda: tasks.reminders_dispatch() == 1, timeout=30, interval=0.5)
        assert _wait_for(
            lambda: Reminder.objects.filter(pk=reminder_id, status=ReminderStatus.SENT).exists(), timeout=30
        )
    assert Notification.objects.filter(key=f"reminder:{reminder_id}").count() == 1
    assert [m.to for m in mail.outbox] == [[clerk.email]]
    assert Reminder.objects.get(pk=reminder_id).attempts == 2


@pytest.mark.skipif(not ON_POSTGRES, reason="cutting one connection mid-transaction needs a database server")
@pytest.mark.usefixtures("broker")
def test_a_database_error_after_the_email_went_records_the_delivery_without_a_second_email(
    sha, clerk, settings
):
    # Given a due reminder and a mail server that takes 3 s to send
    settings.MAILERS = slow_mailers(3)
    clerk.email = "clerk@sha.example"
    clerk.save(update_fields=["email"])
    case = factories.log_case(sha, clerk)
    [reminder_id] = _due_reminders(case, clerk, 1, timezone.now() - dt.timedelta(seconds=1))
    with _worker_thread():
        assert tasks.reminders_dispatch() == 1
        # When the worker's connection is cut while the email is on its way (the row is locked, the
        # transaction open and idle during the send)
        assert _wait_for(
            lambda: _terminate_backend_of(
                "state = 'idle in transaction' "
                'AND query LIKE \'UPDATE "complaints_reminder" SET "status"%%\''
            ),
            timeout=20,
            interval=0.1,
        )
        # Then the delivery is recorded on a new connection, and the email is not sent again
        assert _wait_for(
            lambda: Reminder.objects.filter(pk=reminder_id, status=ReminderStatus.SENT).exists(), timeout=30
        )
        time.sleep(1)
    assert Notification.objects.filter(key=f"reminder:{reminder_id}").count() == 1
    assert [m.to for m in mail.outbox] == [[clerk.email]]
