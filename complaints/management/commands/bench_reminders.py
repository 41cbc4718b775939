"""Benchmark: reminders on time (issue #22, ADR 0021), with real Celery worker processes.

Creates a scratch hotel and measures, on the configured database and broker:

1. the cost of one delivery, in this process: milliseconds and SQL statements per reminder, in
   batches (as the dispatcher hands out first attempts) and one at a time (retries);
2. a burst: N reminders due at the same moment, drained by `--workers` worker processes while the
   dispatcher runs the way beat does (every REMINDER_DISPATCH_SECONDS, through the broker): the drain
   time and the lateness (sent - due);
3. normal load: `--trickle` reminders falling due evenly over `--trickle-seconds` while the same
   workers run: the lateness p50 / p95 / max.

Each phase checks every reminder was delivered exactly once. The scratch data is deleted at the end.
Figures: docs/performance.md.
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
from django.test.utils import CaptureQueriesContext
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
        parser.add_argument(
            "--trickle", type=int, default=600, help="reminders falling due evenly under normal load (600)"
        )
        parser.add_argument(
            "--trickle-seconds", type=float, default=60, help="over how many seconds they fall due (60)"
        )
        parser.add_argument(
            "--cost-count", type=int, default=1000, help="reminders for the per-delivery cost (1000)"
        )
        parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
        parser.add_argument(
            "--worker-loglevel",
            default="WARNING",
            help="INFO logs each task's run time in the worker logs (WARNING)",
        )

    def handle(
        self,
        *,
        count: int,
        workers: int,
        tick: float,
        trickle: int,
        trickle_seconds: float,
        cost_count: int,
        timeout: float,
        worker_loglevel: str,
        **options,
    ):
        if count < 1 or workers < 1 or trickle < 2 or cost_count < 1:
            raise CommandError("--count, --workers and --cost-count must be at least 1, --trickle 2.")
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
            self._cost(prop, user, case, cost_count)
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
            mine = Reminder.objects.filter(property=prop, kind=ReminderKind.DUE, due_at=due_at)
            result = self._drain(mine, count, tick, timeout)
            self._check_and_report(prop, count, workers, due_at, result)
            self._trickle(prop, user, case, trickle, trickle_seconds, tick, timeout)
            load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
            self.stdout.write(f"Load average at the end: {load}")
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

    def _drain(self, mine, count: int, tick: float, timeout: float) -> dict:
        """Run the dispatcher as beat does, through the broker, until the `count` rows of `mine` are sent."""
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

    def _once(self, mine, count: int) -> None:
        """Every row of `mine` sent, each with exactly one notification (its key is the row's)."""
        keys = [f"reminder:{pk}" for pk in mine.values_list("pk", flat=True)]
        sent = mine.filter(status=ReminderStatus.SENT).count()
        notifications = (
            Notification.objects.filter(key__in=keys).values("key").annotate(n=Count("pk")).order_by()
        )
        twice = [row["key"] for row in notifications if row["n"] > 1]
        if sent != count or len(notifications) != count or twice:
            raise CommandError(
                f"Not delivered exactly once: {sent} sent, {len(notifications)} notifications "
                f"for {count} reminders, {len(twice)} delivered twice."
            )

    @staticmethod
    def _lateness(mine) -> dict:
        late = sorted(
            (s - d).total_seconds() for d, s in mine.values_list("due_at", "sent_at") if s is not None
        )
        cuts = statistics.quantiles(late, n=100, method="inclusive") if len(late) > 1 else late * 99
        return {"p50": cuts[49], "p95": cuts[94], "max": late[-1]}

    def _check_and_report(self, prop: Property, count: int, workers: int, due_at, result: dict) -> None:
        mine = Reminder.objects.filter(property=prop, kind=ReminderKind.DUE, due_at=due_at)
        self._once(mine, count)
        stats = mine.aggregate(reclaimed=Count("pk", filter=Q(attempts__gt=1)), last_sent=Max("sent_at"))
        last_sent = stats["last_sent"]
        if last_sent is None:
            raise CommandError("No reminder was sent.")
        drain = (last_sent - due_at).total_seconds()
        lateness = self._lateness(mine)
        claimed = [  # every one was sent, so every one was claimed
            (c - d).total_seconds() for d, c in mine.values_list("due_at", "claimed_at") if c is not None
        ]
        claim = statistics.quantiles(claimed, n=100, method="inclusive") if count > 1 else claimed * 99
        verdict = "met" if drain <= 60 else "MISSED"
        self.stdout.write(
            self.style.SUCCESS(
                f"Burst: all {count} delivered, none twice ({count} notifications, one per reminder).\n"
                f"  Drain time (due -> last sent): {drain:.1f} s = {count / drain:.0f} reminders/s "
                f"(target <= 60 s: {verdict}; wall {result['wall']:.1f} s, "
                f"{result['ticks']} dispatcher runs)\n"
                f"  Worker time per delivery: {drain * workers / count * 1000:.1f} ms "
                f"(drain x {workers} workers / {count}, dispatching included)\n"
                f"  Lateness sent - due: p50 {lateness['p50']:.1f} s, p95 {lateness['p95']:.1f} s, "
                f"max {lateness['max']:.1f} s\n"
                f"  Lateness claimed - due: p50 {claim[49]:.1f} s, p95 {claim[94]:.1f} s\n"
                f"  Claimed again after a lease ran out (a second message, delivered once): "
                f"{stats['reclaimed']}"
            )
        )

    def _cost(self, prop: Property, user, case, count: int) -> None:
        """Milliseconds and SQL statements per delivery, measured in this process (no broker)."""
        lines = []
        for label, batched in (("in batches", True), ("one at a time", False)):
            n = count if batched else max(1, count // 5)
            now = timezone.now()
            Reminder.objects.bulk_create(
                Reminder(
                    property=prop,
                    complaint=case,
                    kind=ReminderKind.DUE,
                    subject="apologise",
                    recipient=user,
                    due_at=now - dt.timedelta(days=2),
                    idempotency_key=f"bench-cost:{prop.code}:{label}:{i}",
                )
                for i in range(n)
            )
            with CaptureQueriesContext(connection) as claiming:
                ids = reminders.claim_due(now=now, batch=n)
                groups = reminders.delivery_batches(ids) if batched else [[pk] for pk in ids]
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as delivering:
                for group in groups:
                    if batched:
                        reminders.deliver_batch(reminder_ids=group)
                    else:
                        reminders.deliver(reminder_id=group[0])
            took = time.perf_counter() - started
            mine = Reminder.objects.filter(idempotency_key__startswith=f"bench-cost:{prop.code}:{label}:")
            self._once(mine, n)
            statements = len(delivering)  # BEGIN and COMMIT included
            lines.append(
                f"  {label} ({n} reminders, {len(groups)} transactions): {took / n * 1000:.2f} ms and "
                f"{statements / n:.2f} SQL statements per delivery; claiming "
                f"{len(claiming) / n:.3f} statements per reminder"
            )
            mine.delete()
        self.stdout.write(
            "Cost of one delivery (in this process, no broker, BEGIN/COMMIT counted):\n" + "\n".join(lines)
        )

    def _trickle(self, prop: Property, user, case, count: int, seconds: float, tick: float, timeout: float):
        """Normal load: `count` reminders falling due evenly over `seconds` while the workers run."""
        start = timezone.now() + dt.timedelta(seconds=2)
        step = dt.timedelta(seconds=seconds / count)
        Reminder.objects.bulk_create(
            Reminder(
                property=prop,
                complaint=case,
                kind=ReminderKind.DUE,
                subject="verify",
                recipient=user,
                due_at=start + n * step,
                idempotency_key=f"bench-trickle:{prop.code}:{n}",
            )
            for n in range(count)
        )
        mine = Reminder.objects.filter(idempotency_key__startswith=f"bench-trickle:{prop.code}:")
        self.stdout.write(f"Normal load: {count} reminders falling due evenly over {seconds:g} s ...")
        result = self._drain(mine, count, tick, timeout)
        self._once(mine, count)
        lateness = self._lateness(mine)
        verdict = "met" if lateness["p95"] <= 15 else "MISSED"
        self.stdout.write(
            self.style.SUCCESS(
                f"Normal load: all {count} delivered, none twice "
                f"({count / seconds:.0f} falling due a second, "
                f"dispatcher every {tick:g} s, {result['ticks']} runs).\n"
                f"  Lateness sent - due: p50 {lateness['p50']:.1f} s, p95 {lateness['p95']:.1f} s, "
                f"max {lateness['max']:.1f} s (target p95 <= 15 s: {verdict})"
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
