"""Reminders delivered in batches (issue #22, ADR 0021) stay exactly once.

A batch is one transaction: the rows are locked, each is delivered only if not sent yet, with one
notification keyed by the row, and marked sent. These tests break that on purpose: two workers on
overlapping batches, a worker killed in the middle of a batch, a database error and a bad row inside a
batch, and an email that fails for one recipient of the batch.
"""

import datetime as dt
import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.utils import timezone

from complaints import reminders, tasks
from complaints.models import Notification, Reminder, ReminderStatus
from tests import factories
from tests.complaints.test_reminder_reliability import (  # noqa: F401 -- broker is a fixture
    ON_POSTGRES,
    WorkerProcess,
    _all_sent,
    _delivery_in_progress,
    _due_reminders,
    _in_thread,
    _notifications_for,
    _result,
    _wait_for,
    _worker_thread,
    broker,
)
from tests.slow_mail import slow_mailers

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

R = ReminderStatus
SECOND = dt.timedelta(seconds=1)


def _emailed(clerk) -> int:
    return sum(1 for message in mail.outbox if message.to == [clerk.email])


@pytest.fixture
def emailed_clerk(clerk):
    clerk.email = "clerk@sha.example"
    clerk.save(update_fields=["email"])
    return clerk


def _claimed(case, clerk, count: int) -> list[int]:
    ids = _due_reminders(case, clerk, count, timezone.now() - SECOND)
    assert sorted(reminders.claim_due(batch=count)) == sorted(ids)
    return ids


# --- the dispatcher's batches -------------------------------------------------------------


def test_first_attempts_go_in_batches_and_a_row_claimed_again_goes_alone(sha, clerk):
    case = factories.log_case(sha, clerk)
    ids = _claimed(case, clerk, 120)
    batches = reminders.delivery_batches(ids, size=50)
    assert [len(b) for b in batches] == [50, 50, 20]
    assert [pk for b in batches for pk in b] == ids
    # Two rows failed once and were claimed again: each is delivered on its own
    Reminder.objects.filter(pk__in=ids[:2]).update(attempts=2)
    batches = reminders.delivery_batches(ids, size=50)
    assert [len(b) for b in batches] == [50, 50, 18, 1, 1]
    assert batches[-2:] == [[ids[0]], [ids[1]]]


@pytest.mark.parametrize("count", [5, 40])
def test_a_batch_costs_the_same_statements_for_5_rows_as_for_40(sha, clerk, count, django_assert_num_queries):
    case = factories.log_case(sha, clerk)
    ids = _claimed(case, clerk, count)
    # Lock and read the rows with everything their texts need; the recipients' languages; the
    # notifications; mark them sent; and BEGIN and COMMIT
    with django_assert_num_queries(6):
        assert reminders.deliver_batch(reminder_ids=ids) == count
    assert _all_sent(ids) and _notifications_for(ids) == count


# --- 1. two workers on overlapping batches -----------------------------------------------


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has one writer at a time: batches cannot overlap")
def test_two_workers_on_overlapping_batches_deliver_each_reminder_once(sha, emailed_clerk, settings):
    # Given 15 claimed reminders and a mail server that takes 0.3 s a message (a batch stays open)
    settings.MAILERS = slow_mailers(0.3)
    case = factories.log_case(sha, emailed_clerk)
    ids = _claimed(case, emailed_clerk, 15)
    # When one worker delivers the first ten while another delivers the last ten (a lost message
    # handed out again, or a second dispatcher): the second starts while the first holds its rows
    first = _in_thread(reminders.deliver_batch, reminder_ids=ids[:10])
    assert _wait_for(lambda: _delivery_in_progress(ids[0]), timeout=10)
    second = _in_thread(reminders.deliver_batch, reminder_ids=ids[5:])
    delivered = [_result(*first), _result(*second)]
    # Then the second skipped the rows the first held, waited for them one by one and found them sent
    assert delivered == [10, 5]
    assert _all_sent(ids)
    assert _notifications_for(ids) == 15
    assert _emailed(emailed_clerk) == 15
    assert Notification.objects.filter(recipient=emailed_clerk).count() == 15


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has one writer at a time")
def test_a_batch_never_waits_for_a_row_another_transaction_holds(sha, clerk):
    # Given a batch one of whose rows a clerk's change is holding (a reschedule)
    case = factories.log_case(sha, clerk)
    ids = _claimed(case, clerk, 10)
    holding, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            list(Reminder.objects.select_for_update().filter(pk=ids[3]))
            holding.set()
            assert release.wait(30)

    holder = _in_thread(hold)
    assert holding.wait(10)
    # When a worker delivers the batch, the other nine go at once, without waiting for the held row
    worker = _in_thread(reminders.deliver_batch, reminder_ids=ids)
    assert _wait_for(lambda: Reminder.objects.filter(pk__in=ids, status=R.SENT).count() == 9, timeout=10)
    assert not Reminder.objects.filter(pk=ids[3], status=R.SENT).exists()
    # And the held row goes once it is free
    release.set()
    _result(*holder)
    assert _result(*worker) == 10
    assert _notifications_for(ids) == 10


# --- 2. a worker killed in the middle of a batch -----------------------------------------


def test_a_worker_killed_mid_batch_leaves_every_row_to_be_claimed_again_and_sent_once(
    request, tmp_path, sha, emailed_clerk
):
    private_broker = request.getfixturevalue("broker")  # the fixture imported above
    # Given 10 due reminders and a worker process whose mail server takes 1 s a message
    case = factories.log_case(sha, emailed_clerk)
    ids = _due_reminders(case, emailed_clerk, 10, timezone.now() - SECOND)
    worker = WorkerProcess(
        private_broker,
        tmp_path / "worker.log",
        DJANGO_SETTINGS_MODULE="tests.slow_mail_settings",
        SLOW_MAIL_SECONDS="1",
    )
    try:
        worker.wait_until_ready()
        # When the dispatcher hands them out as one batch
        assert tasks.reminders_dispatch() == 10
        assert _wait_for(lambda: "reminders_deliver[" in worker.output(), timeout=30), worker.output()
        # ... and the worker is killed while it emails them (the notifications are written, not committed)
        assert _wait_for(lambda: _delivery_in_progress(ids[0]), timeout=10), worker.output()
        time.sleep(2.5)
        assert worker.process.poll() is None
        worker.kill()
    finally:
        worker.stop()
    # Then nothing of the batch was kept: none sent, no notification, all still claimed
    assert _wait_for(lambda: not _delivery_in_progress(ids[0]), timeout=10)
    rows = list(Reminder.objects.filter(pk__in=ids))
    assert {(row.status, row.sent_at, row.attempts) for row in rows} == {(R.CLAIMED, None, 1)}
    assert _notifications_for(ids) == 0
    # ... no dispatcher takes them while the lease runs
    assert tasks.reminders_dispatch() == 0
    # When the lease has run out, the dispatcher claims them again and a fresh worker sends them
    lease_over = max(row.lease_until for row in rows) + SECOND
    with _worker_thread():
        assert tasks.reminders_dispatch(now=lease_over) == 10
        assert _wait_for(lambda: _all_sent(ids), timeout=60)
    # Each exactly once (the killed worker's emails never reached this process's outbox)
    assert _notifications_for(ids) == 10
    assert _emailed(emailed_clerk) == 10
    assert set(Reminder.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {2}


# --- 3. errors inside a batch ------------------------------------------------------------


def test_a_database_error_in_one_row_loses_none_and_the_others_go_on_their_own(sha, clerk, monkeypatch):
    # Given a batch of 6 in which one row's text makes the database fail (a real error from the server)
    case = factories.log_case(sha, clerk)
    ids = _claimed(case, clerk, 6)
    bad = ids[2]
    real_compose = reminders._compose

    def compose(reminder):
        if reminder.pk == bad:
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table_for_reminder_tests")
        return real_compose(reminder)

    monkeypatch.setattr(reminders, "_compose", compose)
    # When a worker delivers the batch, the database error rolls the whole batch back ...
    tasks.reminders_deliver(ids)
    # Then no row is lost or half-sent: all are released for a retry after a short backoff, not the lease
    rows = list(Reminder.objects.filter(pk__in=ids))
    assert {(row.status, row.sent_at, row.attempts) for row in rows} == {(R.CLAIMED, None, 1)}
    assert all(row.lease_until - row.claimed_at < reminders.LEASE for row in rows)
    assert all(row.lease_until <= timezone.now() + reminders.retry_backoff(1) for row in rows)
    assert _notifications_for(ids) == 0
    # When the dispatcher claims them again after the backoff, each goes on its own: five are sent ...
    later = timezone.now() + reminders.retry_backoff(1) + SECOND
    again = reminders.claim_due(now=later)
    assert sorted(again) == sorted(ids)
    for batch in reminders.delivery_batches(again):
        assert len(batch) == 1
        tasks.reminder_deliver(batch[0])
    good = [pk for pk in ids if pk != bad]
    assert _all_sent(good) and _notifications_for(good) == 5
    # ... and the bad one waits for a longer backoff
    row = Reminder.objects.get(pk=bad)
    assert (row.status, row.attempts) == (R.CLAIMED, 2)
    assert row.lease_until - later <= reminders.retry_backoff(2) + SECOND
    # When its fault is gone, it is sent once too
    monkeypatch.setattr(reminders, "_compose", real_compose)
    assert reminders.claim_due(now=row.lease_until + SECOND) == [bad]
    tasks.reminder_deliver(bad)
    assert _all_sent(ids) and _notifications_for(ids) == 6


def test_a_row_whose_text_fails_is_released_and_the_rest_of_the_batch_is_sent(sha, clerk, monkeypatch):
    # Given a batch in which one reminder's text cannot be written (bad data in its case)
    case = factories.log_case(sha, clerk)
    ids = _claimed(case, clerk, 4)
    bad = ids[1]
    real_text = reminders._text

    def text(reminder):
        if reminder.pk == bad:
            raise ValueError("no text for this reminder")
        return real_text(reminder)

    monkeypatch.setattr(reminders, "_text", text)
    # When the batch is delivered
    assert reminders.deliver_batch(reminder_ids=ids) == 3
    # Then the other three are sent, and the bad one is released for a retry with a short backoff
    assert _all_sent([pk for pk in ids if pk != bad])
    row = Reminder.objects.get(pk=bad)
    assert (row.status, row.sent_at) == (R.CLAIMED, None)
    assert row.lease_until - row.claimed_at < reminders.LEASE
    assert "no text" in row.last_error
    assert _notifications_for(ids) == 3
    # And it is sent once when it is claimed again
    monkeypatch.setattr(reminders, "_text", real_text)
    assert reminders.claim_due(now=row.lease_until + SECOND) == [bad]
    assert reminders.deliver(reminder_id=bad) is True
    assert _notifications_for(ids) == 4


def test_an_email_failing_for_one_recipient_holds_up_no_one_and_is_sent_once_on_retry(
    sha, emailed_clerk, settings
):
    # Given a batch of 3 to the clerk and one to a colleague whose mail server refuses the first time
    settings.MAILERS = {"default": {"BACKEND": "tests.complaints.test_reminder_batches.RefusingOnce"}}
    RefusingOnce.refused.clear()
    colleague = factories.front_desk_at(sha, username="colleague")
    colleague.email = "refused@sha.example"
    colleague.save(update_fields=["email"])
    case = factories.log_case(sha, emailed_clerk)
    ids = _due_reminders(case, emailed_clerk, 3, timezone.now() - SECOND)
    theirs = Reminder.objects.create(
        property=sha,
        complaint=case,
        kind="due",
        subject="apologise",
        recipient=colleague,
        due_at=timezone.now() - SECOND,
        idempotency_key="theirs",
    ).pk
    assert sorted(reminders.claim_due()) == sorted([*ids, theirs])
    # When the batch is delivered
    assert reminders.deliver_batch(reminder_ids=[*ids, theirs]) == 3
    # Then the clerk's three went, and the colleague's is released for a retry (its bell already rang)
    assert _all_sent(ids) and _emailed(emailed_clerk) == 3
    row = Reminder.objects.get(pk=theirs)
    assert (row.status, row.sent_at) == (R.CLAIMED, None)
    assert row.lease_until - row.claimed_at < reminders.LEASE
    assert _notifications_for([theirs]) == 1
    # When it is retried, the email goes once and the notification stays one
    assert reminders.claim_due(now=row.lease_until + SECOND) == [theirs]
    assert reminders.deliver(reminder_id=theirs) is True
    assert [m.to for m in mail.outbox].count([colleague.email]) == 1
    assert _notifications_for([*ids, theirs]) == 4
    assert _emailed(emailed_clerk) == 3


class RefusingOnce(EmailBackend):
    """A mail server that refuses each refused@ address the first time it sees it."""

    refused: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            for address in message.to:
                if address.startswith("refused@") and address not in self.refused:
                    self.refused.add(address)
                    raise OSError(f"550 mailbox unavailable: {address}")
        return super().send_messages(messages)
