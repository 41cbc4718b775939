"""Benchmark: drain N reminders that fall due at the same moment, with real Celery worker processes.

Creates a scratch hotel with N due reminders, starts `--workers` worker processes on the configured
database and broker, runs the dispatcher the way beat does (every REMINDER_DISPATCH_SECONDS, through
the broker), waits until every reminder is sent, checks none was delivered twice, prints the drain
time and the p50/p95 lateness (sent - due), then deletes the scratch data. Figures: docs/performance.md.
"""

import datetime as dt
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Max, Q
from django.utils import timezone

from complaints import reminders
from complaints.models import (
    Category,
    Complaint,
    Department,
    Notification,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from complaints.services import ComplaintInput, complaint_log
from complaints.tasks import reminders_dispatch
from hotel_crm import health, roles
from hotel_crm.celery import app as celery_app
from hotel_crm.models import Property, StaffMembership, StaffProfile


class Command(BaseCommand):
    help = "Benchmark: drain N reminders due at the same moment with real worker processes, then clean up."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10_000, help="reminders due at once (10000)")
        parser.add_argument("--workers", type=int, default=2, help="worker processes, --pool solo (2)")
        parser.add_argument(
            "--tick",
            type=float,
            default=settings.CELERY_BEAT_SCHEDULE["reminders"]["schedule"],
            help="seconds between dispatcher runs, as beat does (REMINDER_DISPATCH_SECONDS)",
        )
        parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
        parser.add_argument(
            "--worker-loglevel",
            default="WARNING",
            help="INFO logs each task's run time in the worker logs (WARNING)",
        )

    def handle(
        self, *, count: int, workers: int, tick: float, timeout: float, worker_loglevel: str, **options
    ):
        if count < 1 or workers < 1:
            raise CommandError("--count and --workers must be at least 1.")
        if not health.broker_ok():
            raise CommandError("The broker is not reachable; start Redis or check CELERY_BROKER_URL.")
        waiting = Reminder.objects.filter(
            Q(status=ReminderStatus.PENDING, due_at__lte=timezone.now() + dt.timedelta(hours=1))
            | Q(status=ReminderStatus.CLAIMED)
        ).count()
        if waiting:
            raise CommandError(
                f"{waiting} real reminders are due (or soon due) in this database: the benchmark's "
                "dispatcher would send them too. Run it on a database of its own."
            )
        self._say_setup(count, workers, tick)
        prop = user = None
        processes: list[subprocess.Popen] = []
        logs = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
        try:
            prop, user, case = self._scratch()
            later = timezone.now() + dt.timedelta(days=1)
            Reminder.objects.bulk_create(
                (
                    Reminder(
                        property=prop,
                        complaint=case,
                        kind=ReminderKind.DUE,
                        subject="apologise",
                        recipient=user,
                        due_at=later,
                        idempotency_key=f"bench:{prop.code}:{n}",
                    )
                    for n in range(count)
                ),
                batch_size=2000,
            )
            processes = self._start_workers(workers, prop.code, logs, worker_loglevel)
            self._wait_until_ready(processes, prop.code, logs)
            # All fall due at the same moment, with the workers warm and the first beat tick next.
            due_at = timezone.now()
            Reminder.objects.filter(property=prop, due_at=later).update(due_at=due_at)
            result = self._drain(prop, count, tick, timeout, due_at)
            self._check_and_report(prop, count, due_at, result)
        finally:
            self._stop(processes)
            if prop is not None:
                self._delete_scratch(prop, user)
            self.stdout.write(f"Worker logs: {logs}")

    # --- steps -------------------------------------------------------------------------------

    def _say_setup(self, count: int, workers: int, tick: float) -> None:
        with celery_app.connection_for_write() as conn:
            broker = conn.transport.driver_type
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
        self.stdout.write(
            f"{count} reminders, {workers} worker processes (--pool solo), dispatcher every {tick:g} s\n"
            f"database {connection.vendor}, broker {broker}, {os.cpu_count()} CPUs, load average {load}"
        )

    def _scratch(self):
        code = f"BN{secrets.randbelow(10**8):08d}"
        prop = Property.objects.create(code=code, name_en=f"Benchmark {code}", time_zone=settings.TIME_ZONE)
        user = get_user_model().objects.create_user(username=f"bench-{code.lower()}")
        StaffProfile.objects.create(user=user)
        # No email address: the benchmark measures the notification path, not a mail server.
        StaffMembership.objects.create(
            user=user, property=prop, role=Group.objects.get(name=roles.FRONT_DESK)
        )
        department = Department.objects.create(property=prop, code="bench", name_en="Benchmark")
        category = Category.objects.create(department=department, name_en="Benchmark")
        case = complaint_log(
            prop=prop,
            actor=user,
            data=ComplaintInput(
                guest_words="Benchmark", department=department, category=category, complainant_name="Bench"
            ),
        )
        return prop, user, case

    def _start_workers(self, workers: int, code: str, logs: Path, loglevel: str) -> list[subprocess.Popen]:
        processes = []
        for n in range(workers):
            command = [sys.executable, "-m", "celery", "-A", "hotel_crm", "worker", "--pool", "solo"]
            command += ["-n", f"bench{n}-{code}@%h", "--loglevel", loglevel]
            command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
            # Own sessions: Ctrl-C reaches only this command, which then stops the workers itself.
            with (logs / f"worker{n}.log").open("wb") as out:
                processes.append(
                    subprocess.Popen(  # noqa: S603 (our interpreter, fixed arguments)
                        command,
                        cwd=settings.BASE_DIR,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        return processes

    def _wait_until_ready(self, processes: list[subprocess.Popen], code: str, logs: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in processes):
                raise CommandError(f"A worker exited at start; see {logs}")
            names = {name for reply in celery_app.control.ping(timeout=1.0) or [] for name in reply}
            mine = {name for name in names if name.split("@")[0].endswith(f"-{code}")}
            if len(mine) == len(processes):
                if names - mine:
                    others = ", ".join(sorted(names - mine))
                    self.stdout.write(self.style.WARNING(f"Other workers on this broker take part: {others}"))
                return
        raise CommandError(f"The workers did not answer within 60 s; see {logs}")

    def _drain(self, prop: Property, count: int, tick: float, timeout: float, due_at) -> dict:
        mine = Reminder.objects.filter(property=prop, kind=ReminderKind.DUE, due_at=due_at)
        started = time.monotonic()
        next_tick = started
        last_report = started
        ticks = sent = 0
        while True:
            now = time.monotonic()
            if now >= next_tick:  # what beat does: one dispatcher run, through the broker
                reminders_dispatch.delay()
                ticks += 1
                next_tick += tick
            sent = mine.filter(status=ReminderStatus.SENT).count()
            if sent == count:
                break
            if now - started > timeout:
                raise CommandError(f"Gave up after {timeout:g} s: {sent} of {count} sent.")
            if now - last_report >= 5:
                self.stdout.write(f"  {now - started:6.1f} s: {sent} sent")
                last_report = now
            time.sleep(0.2)
        return {"wall": time.monotonic() - started, "ticks": ticks}

    def _check_and_report(self, prop: Property, count: int, due_at, result: dict) -> None:
        mine = Reminder.objects.filter(property=prop, kind=ReminderKind.DUE, due_at=due_at)
        stats = mine.aggregate(
            sent=Count("pk", filter=Q(status=ReminderStatus.SENT)),
            reclaimed=Count("pk", filter=Q(attempts__gt=1)),
            last_sent=Max("sent_at"),
        )
        notifications = (
            Notification.objects.filter(key__startswith="reminder:", property=prop)
            .values("key")
            .annotate(n=Count("pk"))
        )
        twice = [row["key"] for row in notifications if row["n"] > 1]
        if stats["sent"] != count or len(notifications) != count or twice:
            raise CommandError(
                f"Not delivered exactly once: {stats['sent']} sent, {len(notifications)} notifications "
                f"for {count} reminders, {len(twice)} delivered twice."
            )
        last_sent = stats["last_sent"]
        if last_sent is None:
            raise CommandError("No reminder was sent.")
        drain = (last_sent - due_at).total_seconds()
        lateness = reminders.lateness_percentiles(prop)
        claimed = [  # every one was sent, so every one was claimed
            (c - d).total_seconds() for d, c in mine.values_list("due_at", "claimed_at") if c is not None
        ]
        claim = statistics.quantiles(claimed, n=100, method="inclusive") if count > 1 else claimed * 99
        self.stdout.write(
            self.style.SUCCESS(
                f"All {count} delivered, none twice ({count} notifications, one per reminder).\n"
                f"Drain time (due -> last sent): {drain:.1f} s = {count / drain:.0f} reminders/s "
                f"(wall {result['wall']:.1f} s, {result['ticks']} dispatcher runs)\n"
                f"Lateness sent - due: p50 {lateness['p50']:.1f} s, p95 {lateness['p95']:.1f} s\n"
                f"Lateness claimed - due: p50 {claim[49]:.1f} s, p95 {claim[94]:.1f} s\n"
                f"Claimed again after a lease ran out (a second message, delivered once): "
                f"{stats['reclaimed']}"
            )
        )

    def _stop(self, processes: list[subprocess.Popen]) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _delete_scratch(self, prop: Property, user) -> None:
        Notification.objects.filter(property=prop).delete()
        Reminder.objects.filter(property=prop).delete()
        Complaint.objects.filter(property=prop).delete()
        prop.delete()
        if user is not None:
            user.delete()
        self.stdout.write(f"Scratch hotel {prop.code} and its data deleted.")
