"""Run the web server, a Celery worker and Celery beat together in the foreground.

Ctrl-C (SIGINT) or SIGTERM stops all three; if one of them dies, the others
are stopped too and the command exits non-zero, so a broken setup is never
half-running.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from hotel_crm.demo import DEMO_PASSWORD, DEMO_USERS

STOP_GRACE_SECONDS = 15


class Command(BaseCommand):
    help = "Start the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--no-reload", action="store_true", help="Do not restart the web server on code changes."
        )

    def handle(self, *args, host, port, no_reload, **options):
        python, manage = sys.executable, str(settings.BASE_DIR / "manage.py")
        web = [python, manage, "runserver", f"{host}:{port}"] + (["--noreload"] if no_reload else [])
        celery = [python, "-m", "celery", "-A", "hotel_crm"]
        commands = {
            "web": web,
            "worker": [
                *celery,
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--hostname",
                "worker@%h",
            ],
            "beat": [
                *celery,
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        self._banner(host, port)
        # Own sessions: Ctrl-C reaches only this supervisor, which stops each
        # child in turn (the worker's pool processes are then stopped by the worker).
        children = {
            name: subprocess.Popen(cmd, cwd=settings.BASE_DIR, start_new_session=True)  # noqa: S603
            for name, cmd in commands.items()
        }
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        failed = None
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    failed = name
                    stopping = True
                    break
            time.sleep(0.3)
        if failed:
            self.stderr.write(
                f"\n{failed} exited with code {children[failed].returncode}; stopping the others."
            )
        else:
            self.stdout.write("\nStopping web server, worker and beat…")
        self._stop(children)
        if failed:
            sys.exit(1)
        self.stdout.write("All stopped.")

    def _stop(self, children):
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def _banner(self, host, port):
        shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
        lines = [
            "",
            "hotel_crm is starting: web server, Celery worker and Celery beat.",
            f"  Open   http://{shown_host}:{port}/",
            f"  Demo logins (password for all: {DEMO_PASSWORD}):",
            *[f"    {u.username:<11} {u.description}" for u in DEMO_USERS],
            "  Staff who need a second factor (grm, roomsadmin, admin): `make demo-code` prints their code.",
            f"  Data   {settings.DATABASES['default']['NAME']}",
            f"  Broker {settings.CELERY_BROKER_URL.split('@')[-1]}",
            "  Press Ctrl-C to stop all three.",
            "",
        ]
        self.stdout.write("\n".join(lines))
        sys.stdout.flush()
        os.environ.setdefault("PYTHONUNBUFFERED", "1")
