"""Reminders under failure, with real parts: a real Redis, real workers (threads and processes), real locks.

1. Redis stopped while a clerk logs a complaint: the page answers within 2 s, the case is saved, and
   the reminder is delivered after Redis comes back.
2. A worker killed with SIGKILL in the middle of sending: still delivered, marked sent exactly once.
3. Two dispatchers (two beat processes) at once: no reminder claimed or delivered twice.
5. Due → claimed → sent times are recorded per reminder and reported as p50/p95.
(4, draining 10,000 at once, is a benchmark: `make bench-reminders`, docs/performance.md.)

The broker is the configured kind (Redis in CI, the filesystem transport locally): a folder of the
test's own, or the Redis queue emptied before and after. Scenario 1 starts a private redis-server so
it can stop it. Worker processes open the test database (a file on SQLite, see test_settings).
"""

import contextlib
import datetime as dt
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import kombu.pools
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client
from django.utils import timezone

from complaints import reminders, services, tasks
from complaints.models import Complaint, Notification, Reminder, ReminderKind, ReminderStatus
from hotel_crm import health
from hotel_crm.celery import app as celery_app
from hotel_crm.models import Heartbeat
from hotel_crm.tasks import heartbeat
from tests import factories
from tests.slow_mail import slow_mailers

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ON_POSTGRES = connection.vendor == "postgresql"
SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)
R = ReminderStatus


# --- the broker -------------------------------------------------------------------------------


def _reset_broker_pools() -> None:
    """Close pooled broker connections so the next publish uses the current broker settings."""
    kombu.pools.reset()  # kombu keeps its pools per broker address, for the whole process
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def _broker_of_app(url: str, transport_options: dict):
    original = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = transport_options
    _reset_broker_pools()
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = original
        _reset_broker_pools()


@dataclass
class Broker:
    url: str
    var_dir: Path

    def worker_env(self) -> dict[str, str]:
        """What a worker process needs to read this broker (settings derive the folders from VAR_DIR)."""
        return {"CELERY_BROKER_URL": self.url, "VAR_DIR": str(self.var_dir)}


def _clear_redis_queue(url: str) -> None:
    # Also what a killed worker left unacknowledged, so it cannot come back in a later run.
    redis.Redis.from_url(url).delete("celery", "unacked", "unacked_index", "unacked_mutex")


def _private_redis_db(url: str) -> str:
    """The configured Redis with the next database number: tests in the other test processes publish
    to the configured one (a delivery of *their* reminder ids), and a worker here must never take
    those (it would deliver this database's rows of the same ids, at a time the test does not expect).
    """
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 1) % 16}"))


@pytest.fixture
def broker(tmp_path):
    """The configured broker kind, private to this test: Redis (its own database, emptied before and
    after) or a folder."""
    if settings.CELERY_BROKER_URL.startswith("redis"):
        url, options = _private_redis_db(settings.CELERY_BROKER_URL), {}
        _clear_redis_queue(url)
    else:
        folders = {sub: tmp_path / "broker" / sub for sub in ("queue", "processed", "control")}
        for folder in folders.values():
            folder.mkdir(parents=True)
        url = "filesystem://"
        options = {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "processed_folder": str(folders["processed"]),
            "control_folder": str(folders["control"]),
            "polling_interval": 0.1,
        }
    with _broker_of_app(url, options):
        yield Broker(url=url, var_dir=tmp_path)
    if url.startswith("redis"):
        _clear_redis_queue(url)


class PrivateRedis:
    """A redis-server of this test's own, on a free port, that the test may stop and start again."""

    def __init__(self, workdir: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.workdir),
        ]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert _wait_for(self._answers, timeout=10), "redis-server did not start"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
        assert not self._answers()


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        if os.environ.get("REDIS_URL"):
            pytest.fail("redis-server is not installed: the Redis outage test needs it in CI")
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    yield server
    server.stop()


# --- workers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _worker_thread():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as worker:
        yield worker


def _test_database_url() -> str:
    """The database this test runs on, as a DATABASE_URL for a worker process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        assert Path(name).is_file(), (
            "the SQLite test database must be a file (see hotel_crm/test_settings.py)"
        )
        return f"sqlite:///{name}"
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    """`celery worker --pool solo` in a process of its own, on the test's database and broker."""

    def __init__(self, broker: Broker, log: Path, **env: str):
        self.log = log
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hotel_crm.test_settings",
            "DATABASE_URL": _test_database_url(),
            **broker.worker_env(),
            **env,
        }
        command = [sys.executable, "-m", "celery", "-A", "hotel_crm", "worker", "--pool", "solo"]
        command += ["--loglevel", "INFO", "-n", f"killable-{os.getpid()}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=environment, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_ready(self) -> None:
        assert _wait_for(lambda: " ready." in self.output() or self.process.poll() is not None, timeout=40)
        assert self.process.poll() is None, self.output()

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


# --- helpers ----------------------------------------------------------------------------------


def _wait_for(predicate, timeout: float = 30.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def _delivery_in_progress(reminder_id: int) -> bool:
    """Whether another connection is inside `deliver` for this row: it holds the row lock.

    PostgreSQL: the row is locked FOR UPDATE. SQLite: a delivery holds the database's write lock.
    """
    if ON_POSTGRES:
        try:
            with transaction.atomic():
                list(Reminder.objects.select_for_update(nowait=True).filter(pk=reminder_id).values("pk"))
        except DatabaseError:
            return True
        return False
    probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def _all_sent(ids) -> bool:
    return Reminder.objects.filter(pk__in=ids, status=R.SENT).count() == len(ids)


def _notifications_for(ids) -> int:
    return Notification.objects.filter(key__in=[f"reminder:{pk}" for pk in ids]).count()


def _due_reminders(case: Complaint, recipient, count: int, due_at) -> list[int]:
    """`count` reminders of the case, due at `due_at` (a callable of the index, or one time)."""
    rows = [
        Reminder(
            property=case.property,
            complaint=case,
            kind=ReminderKind.DUE,
            subject="apologise",
            recipient=recipient,
            due_at=due_at(n) if callable(due_at) else due_at,
            idempotency_key=f"reliability:{case.pk}:{n}",
        )
        for n in range(count)
    ]
    Reminder.objects.bulk_create(rows)
    return list(
        Reminder.objects.filter(idempotency_key__startswith=f"reliability:{case.pk}:").values_list(
            "pk", flat=True
        )
    )


def _in_thread(target, *args, name: str | None = None, **kwargs) -> tuple[threading.Thread, dict]:
    """Run `target` in a thread with its own database connection; the result lands in the dict."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = target(*args, **kwargs)
        except BaseException as error:
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread, outcome


def _result(thread: threading.Thread, outcome: dict, timeout: float = 30):
    thread.join(timeout)
    assert not thread.is_alive(), "the thread did not finish"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# --- 1. Redis stopped while a clerk logs a complaint -----------------------------------------


def test_with_redis_down_the_case_is_logged_at_once_and_its_reminder_goes_out_when_redis_is_back(
    private_redis, sha, clerk
):
    dept = factories.make_department(sha, "engineering")
    client = Client()
    client.force_login(clerk)
    private_redis.start()
    with _broker_of_app(private_redis.url, {}):
        assert health.broker_ok()
        # Given Redis stops
        private_redis.stop()
        assert not health.broker_ok()
        # When a clerk logs a complaint
        started = time.monotonic()
        response = client.post(
            "/complaints/new/",
            {
                "guest_words": "The lift smells of smoke.",
                "department": dept.pk,
                "severity": "medium",
                "area": "lifts_corridors",
                "channel": "in_person",
                "complainant_name": "Mr Chen",
                "submission_key": "redisdown1",
            },
        )
        elapsed = time.monotonic() - started
        # Then the page answers within 2 seconds and the case and its reminder are saved
        assert response.status_code == 302, response.content.decode()[:1000]
        assert elapsed < 2, f"logging a case took {elapsed:.2f} s with Redis down"
        case = Complaint.objects.get(submission_key="redisdown1")
        due = Reminder.objects.get(complaint=case, kind=ReminderKind.DUE)
        assert (due.status, due.recipient) == (R.PENDING, clerk)

        # When the reminder falls due while Redis is still down, the dispatcher neither fails nor loses it
        first_try = due.due_at + SECOND
        started = time.monotonic()
        assert tasks.reminders_dispatch(now=first_try) == 0
        assert time.monotonic() - started < 20
        due.refresh_from_db()
        assert (due.status, due.attempts, due.lease_until) == (R.CLAIMED, 1, first_try + reminders.LEASE)
        # ... it is not handed out again while its lease runs
        assert tasks.reminders_dispatch(now=first_try + reminders.LEASE - SECOND) == 0

        # When Redis is back and the lease has run out
        private_redis.start()
        with _worker_thread():
            assert tasks.reminders_dispatch(now=first_try + reminders.LEASE + SECOND) == 1
            # Then a real worker delivers it, once
            assert _wait_for(lambda: _all_sent([due.pk]), timeout=30), "never delivered after Redis came back"
    due.refresh_from_db()
    assert (due.status, due.attempts) == (R.SENT, 2)
    assert _notifications_for([due.pk]) == 1
    assert Notification.objects.get(key=f"reminder:{due.pk}").recipient == clerk


# --- 2. A worker killed with SIGKILL in the middle of sending -------------------------------


def test_a_worker_killed_in_the_middle_of_sending_leaves_the_reminder_to_be_sent_once(
    broker, tmp_path, sha, clerk
):
    # Given a reminder that is due, to a clerk with an email address, and a worker process whose
    # mail server takes 5 s to send (the send happens inside the delivery's transaction)
    clerk.email = "clerk@sha.example"
    clerk.save(update_fields=["email"])
    reported = timezone.now() - 45 * MINUTE
    case = factories.log_case(sha, clerk, reported_at=reported, occurred_at=reported)
    due = Reminder.objects.get(complaint=case, kind=ReminderKind.DUE)
    worker = WorkerProcess(
        broker,
        tmp_path / "worker.log",
        DJANGO_SETTINGS_MODULE="tests.slow_mail_settings",
        SLOW_MAIL_SECONDS="5",
    )
    try:
        worker.wait_until_ready()
        # When the dispatcher hands the reminder to it
        assert tasks.reminders_dispatch() == 1
        # ... and the worker is inside the delivery (it holds the row, the notification is written)
        assert _wait_for(lambda: "reminder_deliver[" in worker.output(), timeout=30), worker.output()
        assert _wait_for(lambda: _delivery_in_progress(due.pk), timeout=10), worker.output()
        time.sleep(0.5)
        assert worker.process.poll() is None
        # ... and is killed
        worker.kill()
    finally:
        worker.stop()
    assert "succeeded" not in worker.output()
    # Then nothing of the half-done delivery remains: not sent, no notification, still claimed
    assert _wait_for(lambda: not _delivery_in_progress(due.pk), timeout=10)
    due.refresh_from_db()
    assert (due.status, due.sent_at, due.attempts) == (R.CLAIMED, None, 1)
    assert _notifications_for([due.pk]) == 0
    # ... and no other dispatcher takes it while its lease runs
    assert tasks.reminders_dispatch() == 0

    # When a fresh worker runs and the dispatcher looks again after the lease
    with _worker_thread():
        assert tasks.reminders_dispatch(now=due.lease_until + SECOND) == 1
        assert _wait_for(lambda: _all_sent([due.pk]), timeout=30), "never delivered by the fresh worker"
        due.refresh_from_db()
        sent_at = due.sent_at
        # And the killed worker's message comes back late (Redis redelivers unacknowledged messages)
        tasks.reminder_deliver.delay(due.pk)
        heartbeat.delay()  # the solo worker takes messages in order: once this ran, so did the one before
        assert _wait_for(lambda: Heartbeat.objects.filter(name="worker").exists(), timeout=30)
    # Then it was delivered and marked sent exactly once, and emailed once
    due.refresh_from_db()
    assert (due.status, due.sent_at, due.attempts) == (R.SENT, sent_at, 2)
    assert _notifications_for([due.pk]) == 1
    assert [m.to for m in mail.outbox] == [[clerk.email]]


# --- 3. Two dispatchers at once ----------------------------------------------------------------


def test_two_dispatchers_at_once_claim_disjoint_reminders_and_each_is_delivered_once(
    broker, monkeypatch, sha, clerk
):
    # Given 300 reminders due at the same moment
    case = factories.log_case(sha, clerk)
    ids = _due_reminders(case, clerk, 300, timezone.now() - MINUTE)
    claimed: dict[str, list[int]] = {"first": [], "second": []}
    real_claim_due = reminders.claim_due

    def recording_claim_due(**kwargs):
        got = real_claim_due(**kwargs)
        claimed[threading.current_thread().name].extend(got)
        return got

    monkeypatch.setattr(reminders, "claim_due", recording_claim_due)
    start_together = threading.Barrier(2)

    def dispatcher():
        start_together.wait(timeout=10)
        return tasks.reminders_dispatch(batch=20)

    with _worker_thread():
        # When two beats run the dispatcher at the same moment (small batches, so they interleave;
        # SQLite takes their transactions one at a time, PostgreSQL skips what the other has locked)
        runs = [_in_thread(dispatcher, name=name) for name in claimed]
        published = [_result(*run) for run in runs]
        assert _wait_for(lambda: _all_sent(ids), timeout=60), "not every reminder was delivered"
    # Then no reminder was claimed by both, and together they claimed all of them
    first, second = set(claimed["first"]), set(claimed["second"])
    assert not first & second
    assert first | second == set(ids)
    assert sum(published) == len(claimed["first"]) + len(claimed["second"]) == 300
    # And each was claimed once and delivered once
    assert set(Reminder.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}
    assert _notifications_for(ids) == 300
    assert Notification.objects.filter(recipient=clerk).count() == 300


@pytest.mark.skipif(not ON_POSTGRES, reason="SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")
def test_a_dispatcher_skips_the_rows_another_one_holds_instead_of_waiting(sha, clerk):
    case = factories.log_case(sha, clerk)
    ids = _due_reminders(case, clerk, 300, timezone.now() - MINUTE)
    holding, release = threading.Event(), threading.Event()

    def slow_dispatcher():
        with transaction.atomic():  # keeps its claim's row locks until released
            got = reminders.claim_due(batch=100)
            holding.set()
            assert release.wait(timeout=30)
        return got

    slow = _in_thread(slow_dispatcher)
    try:
        assert holding.wait(timeout=10)
        # While the first holds 100 rows, a second dispatcher takes the other 200 without waiting
        fast = _in_thread(reminders.claim_due, batch=500)
        second = _result(*fast, timeout=10)
    finally:
        release.set()
    first = _result(*slow)
    assert len(first) == 100 and len(second) == 200
    assert set(first).isdisjoint(second) and set(first) | set(second) == set(ids)


@pytest.mark.skipif(
    not ON_POSTGRES, reason="SQLite has one writer at a time: any open delivery holds all writes"
)
def test_a_slow_send_holds_only_its_reminder_not_the_hotel_or_the_recipient(sha, clerk, settings):
    # Given a delivery that takes 3 s (a slow mail server)
    settings.MAILERS = slow_mailers(3)
    clerk.email = "clerk@sha.example"
    clerk.save(update_fields=["email"])
    reported = timezone.now() - 45 * MINUTE
    case = factories.log_case(sha, clerk, reported_at=reported, occurred_at=reported)
    due = Reminder.objects.get(complaint=case, kind=ReminderKind.DUE)
    other = factories.log_case(sha, clerk, guest_words="No hot water.")
    for service, extra in (
        (services.complaint_confirm_restatement, {"confirmed": True}),
        (services.complaint_apologise, {"method": "phone"}),
    ):
        other.refresh_from_db()
        service(complaint=other, actor=clerk, expected_version=other.version, **extra)
    assert reminders.claim_due() == [due.pk]
    sending = _in_thread(reminders.deliver, reminder_id=due.pk)
    try:
        assert _wait_for(lambda: _delivery_in_progress(due.pk), timeout=10)
        # When the recipient logs another case at the same hotel meanwhile (this locks the hotel's row
        # for the reference number) and makes an offer (this locks the clerk's row for the daily limit)
        started = time.monotonic()
        factories.log_case(sha, clerk, guest_words="The kettle is broken.")
        logging_took = time.monotonic() - started
        other.refresh_from_db()
        started = time.monotonic()
        services.offer_make(
            complaint=other,
            actor=clerk,
            expected_version=other.version,
            remedy_type="amenity",
            description="Fruit",
        )
        offering_took = time.monotonic() - started
        still_sending = _delivery_in_progress(due.pk)
    finally:
        delivered = _result(*sending)
    # Then neither waited for the send
    assert logging_took < 1, f"logging a case waited {logging_took:.2f} s for a delivery"
    assert offering_took < 1, f"making an offer waited {offering_took:.2f} s for a delivery"
    assert still_sending
    assert delivered is True
    due.refresh_from_db()
    assert due.status == R.SENT


# --- 5. Lateness -----------------------------------------------------------------------------


def test_due_claimed_and_sent_times_are_recorded_and_lateness_is_reported_as_p50_and_p95(broker, sha, clerk):
    # Given 40 reminders that fell due 1 to 40 seconds ago
    case = factories.log_case(sha, clerk)
    now = timezone.now()
    ids = _due_reminders(case, clerk, 40, lambda n: now - (n + 1) * SECOND)
    # When the dispatcher runs and a real worker sends them
    with _worker_thread():
        assert tasks.reminders_dispatch() == 40
        assert _wait_for(lambda: _all_sent(ids), timeout=30)
    # Then each row records when it was due, claimed and sent, in that order
    rows = list(Reminder.objects.filter(pk__in=ids))
    for row in rows:
        assert row.due_at <= row.claimed_at <= row.sent_at, row
    # And p50 / p95 of the lateness (sent - due) are the percentiles of those rows, in seconds
    late = [(row.sent_at - row.due_at).total_seconds() for row in rows]
    cuts = statistics.quantiles(late, n=100, method="inclusive")
    lateness = reminders.lateness_percentiles(sha)
    assert lateness["count"] == 40  # the case's own reminder is not due yet, so not counted
    assert lateness["p50"] == pytest.approx(cuts[49])
    assert lateness["p95"] == pytest.approx(cuts[94])
    delivery = max(row.sent_at for row in rows) - now
    assert 20 <= lateness["p50"] <= 21 + delivery.total_seconds()
    assert 38 <= lateness["p95"] <= 40 + delivery.total_seconds()


def test_a_thousand_reminders_due_at_the_same_moment_are_all_delivered_none_twice(broker, sha, clerk):
    # Scenario 4 at CI size; the 10,000-reminder drain time is a benchmark (make bench-reminders,
    # docs/performance.md), not a timed test.
    # Given 1,000 reminders falling due at the same instant
    case = factories.log_case(sha, clerk)
    now = timezone.now()
    ids = _due_reminders(case, clerk, 1000, now)
    # When beat's dispatcher runs (twice, as two beats would) and a real worker drains the queue
    with _worker_thread():
        first = tasks.reminders_dispatch()
        second = tasks.reminders_dispatch()
        assert first + second == 1000
        assert _wait_for(lambda: _all_sent(ids), timeout=120, interval=0.5)
    # Then every one was delivered exactly once
    assert _notifications_for(ids) == 1000
    assert Reminder.objects.filter(pk__in=ids, attempts=1).count() == 1000
