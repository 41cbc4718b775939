"""`make bench`: the main pages under gunicorn in production mode, measured against a trivial page (H1).

One run: generate data if the database has none, collect static files, start
gunicorn (DEBUG off, secure settings, BENCH_QUERY_COUNT on), sign in through
the login form, warm up, then request every page in a shuffled order round
after round (interleaved, so load changes hit every page alike). One request at
a time: the latencies are single-request latencies at light load, and a page's
requests/s is its requests divided by the time they took.
"""

import contextlib
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import pyotp
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from complaints.devtools import bulk_data
from complaints.models import Complaint, Department
from complaints.workflow import OPEN
from guests.models import Guest, GuestPhone, Stay, StayStatus
from hotel_crm.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from hotel_crm.models import Property

# page -> (p95 target in ms, throughput target as a share of H1's), from issue #9.
TARGETS = {
    "search": (50, 0.25),
    "cases": (60, 0.20),
    "case": (40, 0.35),
    "profile": (40, 0.35),
    "dashboard": (200, 0.05),
    "log_case": (60, 0.20),
    # The shift start page (issue #19): a dozen short lists, each from an index; target not yet measured.
    "shift": (100, 0.10),
}
BENCH_USER = "grm"
HOST = "127.0.0.1"


@dataclass
class Page:
    name: str
    path: str
    target: str | None  # key of TARGETS, None for H1
    method: str = "GET"
    form: dict | None = None
    expect: tuple[int, ...] = (200,)
    latencies: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Client:
    """A browser in miniature: cookies, CSRF token, HTTPS as seen behind the TLS proxy."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        origin = f"https://{HOST}:{self.port}"
        headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Accept-Language": "en",
        }
        body = None
        if form is not None:
            body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": origin,
                    "Referer": origin + path,
                }
            )
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            elapsed = time.perf_counter() - started
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content, elapsed


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(-(-fraction * len(ordered) // 1)) - 1))
    return ordered[index]


class Command(BaseCommand):
    help = "Benchmark the main pages under gunicorn (production settings) against a trivial page (H1)."

    def add_arguments(self, parser):
        parser.add_argument("--guests", type=int, default=int(os.environ.get("BENCH_GUESTS", 1_000_000)))
        parser.add_argument(
            "--complaints", type=int, default=int(os.environ.get("BENCH_COMPLAINTS", 1_000_000))
        )
        parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 120)))
        parser.add_argument("--warmup", type=int, default=5, help="requests per page before measuring")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("BENCH_PORT", 0)), help="default: a free port"
        )
        parser.add_argument("--out", default=os.environ.get("BENCH_OUT", "var/bench/results.json"))
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--recreate-database",
            action="store_true",
            help="drop and create the configured database first, then migrate (the CI smoke run)",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark runs on PostgreSQL: set DATABASE_URL "
                "(default in the Makefile: postgres://hotel_crm@127.0.0.1:5432/hc_bench)."
            )
        self.random = random.Random(options["seed"])  # noqa: S311 (page order, not secrets)
        self._prepare_database(recreate=options["recreate_database"])
        self._ensure_data(options)
        samples = self._samples()
        env = self._server_env()
        self.stdout.write("Collecting static files for production mode")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            env=env,
            check=True,
            cwd=settings.BASE_DIR,
        )
        options["port"] = self._server_port(options["port"])
        server = self._start_gunicorn(env, port=options["port"], workers=options["workers"])
        try:
            client = Client(options["port"])
            self._wait_for(client, server)
            self._log_in(client)
            pages = self._pages(samples)
            results = self._measure(client, pages, samples, options)
        finally:
            server.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=20)
            if server.poll() is None:
                server.kill()
        self._report(results, options)
        failures = [page for page in results["pages"] if page.errors]
        if failures:
            raise CommandError(
                "Pages answered with errors: " + "; ".join(f"{p.name}: {p.errors[0]}" for p in failures)
            )

    # --- the server ----------------------------------------------------------------------

    def _server_env(self) -> dict[str, str]:
        """The environment of gunicorn and collectstatic: production mode, with query counts on."""
        return {
            **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "STATICFILES_BACKEND"}},
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "BENCH_QUERY_COUNT": "1",
            "STATIC_ROOT": str(Path(settings.BASE_DIR) / "var" / "bench-static"),
            "LOG_LEVEL": "WARNING",
            # The pages are measured, not the enrolment: no role is forced to enrol on this server;
            # a manager who has an authenticator still gives its code when signing in.
            "MFA_REQUIRED_ROLES": "none (benchmark)",
        }

    def _server_port(self, port: int) -> int:
        """The port asked for, or a free one; raises if another server already listens on it."""
        if not port:
            with socket.socket() as probe:
                probe.bind((HOST, 0))
                port = probe.getsockname()[1]
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                raise CommandError(f"Port {port} is taken by another server; choose --port.")
        return port

    def _start_gunicorn(self, env: dict[str, str], *, port: int, workers: int) -> subprocess.Popen:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        return subprocess.Popen(  # noqa: S603 (our gunicorn, fixed arguments)
            [
                gunicorn,
                "hotel_crm.wsgi",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )

    # --- set-up --------------------------------------------------------------------------

    def _prepare_database(self, *, recreate: bool) -> None:
        """Create the database if it is missing (or afresh), then migrate: `make bench` on a fresh clone."""
        name = connection.settings_dict["NAME"]
        connection.close()
        with connection._nodb_cursor() as cursor:
            if recreate:
                self.stdout.write(f"Recreating the database {name}")
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if not cursor.fetchone():
                cursor.execute(f'CREATE DATABASE "{name}"')
        call_command("migrate", verbosity=0)

    def _ensure_data(self, options) -> None:

        have = Guest.objects.count()
        if have >= min(options["guests"], 1000):
            self.stdout.write(f"Reusing the data set: {have:,} guests")
            return
        self.stdout.write(f"Generating {options['guests']:,} guests and {options['complaints']:,} cases")
        report = bulk_data.generate(
            guests=options["guests"], complaints=options["complaints"], log=self.stdout.write
        )
        self.stdout.write(f"  generated in {report.seconds['total']} s")

    def _samples(self) -> dict:
        """Real values to ask for: a common surname, a rare name, pinyin, a phone tail, a room, cases."""
        from complaints.devtools import bulk_data

        prop = Property.objects.get(code="SHA")
        top = Guest.objects.order_by("-pk").values_list("pk", flat=True).first()
        if top is None:
            raise CommandError("No guests to sample: the data set is empty.")
        window = list(
            Guest.objects.filter(pk__gt=top - 5000, erased_at__isnull=True, merged_into__isnull=True).values(
                "pk", "family_name_latin", "given_name_latin", "romanised_name"
            )
        )
        rare = next(
            g
            for g in window
            if g["family_name_latin"] and g["family_name_latin"] not in bulk_data.LATIN_SURNAMES
        )
        chinese = next(g for g in window if g["romanised_name"] and " " in g["romanised_name"])
        phone = GuestPhone.objects.filter(guest_id__gt=top - 5000).values_list("number", flat=True).first()
        if phone is None:
            raise CommandError("No guest phone numbers to sample.")
        room = (
            Stay.objects.for_property(prop)
            .filter(status=StayStatus.IN_HOUSE)
            .values_list("room__number", flat=True)
            .first()
        )
        open_cases = Complaint.objects.for_property(prop).filter(status__in=[s.value for s in OPEN])
        department = open_cases.values_list("department_id", flat=True).first()
        if department is None:
            any_department = Department.objects.filter(property=prop).first()
            if any_department is None:
                raise CommandError("The hotel has no departments.")
            department = any_department.pk
        deep_open = max(1, int(min(open_cases.count(), 10_000) * 0.8) // 50)
        cases = list(
            Complaint.objects.for_property(prop)
            .filter(guest__isnull=False)
            .order_by("-pk")
            .values_list("pk", "guest_id")[:400:20]
        )
        guest_with_stays = (
            Stay.objects.for_property(prop)
            .filter(status=StayStatus.CHECKED_OUT)
            .order_by("-pk")
            .values_list("guest_id", flat=True)
            .first()
        )
        return {
            "common": "王",
            "common_latin": "Smith",
            "rare": f"{rare['given_name_latin']} {rare['family_name_latin']}",
            "pinyin": chinese["romanised_name"].lower(),
            "phone_tail": phone[-4:],
            "room": room or "2101",
            "department": department,
            "deep_open_page": deep_open,
            "cases": [pk for pk, _guest in cases],
            "guests": [*[guest for _pk, guest in cases][:10], guest_with_stays],
        }

    def _pages(self, s: dict) -> list[Page]:
        department = s["department"]
        log_form = {
            "guest_words": "The air conditioning is too loud (benchmark).",
            "department": str(Department.objects.get(pk=department).pk),
            "severity": "medium",
            "area": "lobby",
            "channel": "in_person",
            "restated_confirmed": "on",
            "guest": str(s["guests"][0]),
        }
        quote = urllib.parse.quote
        return [
            Page("H1 (floor)", "/ping/", None),
            Page("search: common surname 王", f"/guests/search/?q={quote(s['common'])}", "search"),
            Page("search: common surname Smith", f"/guests/search/?q={s['common_latin']}", "search"),
            Page("search: rare name", f"/guests/search/?q={quote(s['rare'])}", "search"),
            Page("search: pinyin", f"/guests/search/?q={quote(s['pinyin'])}", "search"),
            Page("search: phone tail", f"/guests/search/?q={s['phone_tail']}", "search"),
            Page("search: room number", f"/guests/search/?q={s['room']}", "search"),
            Page(
                "open cases, filtered, first page",
                f"/complaints/?status=open&department={department}",
                "cases",
            ),
            Page("open cases, first page", "/complaints/?status=open", "cases"),
            Page("open cases, deep page", f"/complaints/?status=open&page={s['deep_open_page']}", "cases"),
            Page("case page", "/complaints/{case}/", "case"),
            Page("guest profile", "/guests/{guest}/", "profile"),
            Page("GRM dashboard (30 days)", "/complaints/dashboard/?days=30", "dashboard"),
            Page("my shift (start page)", "/complaints/shift/", "shift"),
            Page("log a case (POST)", "/complaints/new/", "log_case", "POST", log_form, (302,)),
        ]

    def _wait_for(self, client: Client, server: subprocess.Popen) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError("gunicorn exited at start; see its output above.")
            try:
                response, _content, _elapsed = client.request("GET", "/login/")
                if response.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise CommandError("gunicorn did not answer within 60 s.")

    def _log_in(self, client: Client) -> None:
        response, _content, _elapsed = client.request(
            "POST", "/login/", {"username": BENCH_USER, "password": DEMO_PASSWORD}
        )
        if response.status != 302 or "sessionid" not in client.cookies:
            raise CommandError(f"Signing in as {BENCH_USER} failed (HTTP {response.status}).")
        response, _content, _elapsed = client.request("GET", "/ping/")
        if response.status == 302 and response.headers.get("Location", "").startswith("/account/mfa/verify/"):
            # The demo manager has the demo authenticator (load_demo enrols those who need one):
            # give its current code, as the person at the desk would.
            code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
            response, _content, _elapsed = client.request("POST", "/account/mfa/verify/", {"code": code})
            if response.status != 302:
                raise CommandError(f"The demo authenticator code was refused (HTTP {response.status}).")
            response, _content, _elapsed = client.request("GET", "/ping/")
        if response.status != 200:
            raise CommandError(
                f"Signed in as {BENCH_USER}, but /ping/ answers HTTP {response.status} "
                f"(to {response.headers.get('Location', '?')}): a second step after the password?"
            )

    # --- measuring -----------------------------------------------------------------------

    def _send(self, client: Client, page: Page, samples: dict, record: bool) -> None:
        path = page.path.format(
            case=self.random.choice(samples["cases"]), guest=self.random.choice(samples["guests"])
        )
        form = dict(page.form, submission_key=uuid.uuid4().hex) if page.form else None
        response, content, elapsed = client.request(page.method, path, form)
        if response.status not in page.expect:
            error = f"HTTP {response.status} for {page.method} {path}"
            if response.status == 200 and page.method == "POST":
                found = re.findall(rb'class="errorlist[^"]*"[^>]*>(.*?)</ul>', content, re.S)
                error += f" (form errors: {found[:2]!r})"
            page.errors.append(error)
            return
        if record:
            page.latencies.append(elapsed * 1000)
            page.queries.append(int(response.headers.get("X-Query-Count", "-1")))

    def _measure(self, client: Client, pages: list[Page], samples: dict, options) -> dict:
        self.stdout.write(f"Warming up ({options['warmup']} requests per page)")
        for _ in range(options["warmup"]):
            for page in pages:
                self._send(client, page, samples, record=False)
        self.stdout.write(f"Measuring for {options['seconds']:.0f} s, pages interleaved")
        started = time.monotonic()
        rounds = 0
        while time.monotonic() - started < options["seconds"] or rounds < 3:
            order = pages[:]
            self.random.shuffle(order)
            for page in order:
                self._send(client, page, samples, record=True)
            rounds += 1
        return {"rounds": rounds, "pages": pages, "seconds": round(time.monotonic() - started, 1)}

    # --- reporting -----------------------------------------------------------------------

    def _report(self, results: dict, options) -> None:
        from guests.models import Guest

        rows = []
        floor_rps = None
        for page in results["pages"]:
            n = len(page.latencies)
            rps = n / (sum(page.latencies) / 1000) if n else 0.0
            if page.target is None:
                floor_rps = rps
            row = {
                "page": page.name,
                "path": page.path,
                "requests": n,
                "p50_ms": round(_percentile(page.latencies, 0.50), 1) if n else None,
                "p95_ms": round(_percentile(page.latencies, 0.95), 1) if n else None,
                "p99_ms": round(_percentile(page.latencies, 0.99), 1) if n else None,
                "requests_per_s": round(rps, 1),
                "_rps": rps,
                "queries": max(page.queries) if page.queries else None,
                "errors": page.errors[:5],
                "error_count": len(page.errors),
            }
            if page.target:
                p95_target, share_target = TARGETS[page.target]
                row["target_p95_ms"] = p95_target
                row["target_vs_h1"] = share_target
            rows.append(row)
        for row in rows:
            row["vs_h1"] = round(row.pop("_rps") / floor_rps, 3) if floor_rps else None
            if "target_p95_ms" in row and row["p95_ms"] is not None:
                row["meets_targets"] = bool(
                    row["p95_ms"] <= row["target_p95_ms"] and (row["vs_h1"] or 0) >= row["target_vs_h1"]
                )
        document = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": {
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
                "python": sys.version.split()[0],
            },
            "data": {"guests": Guest.objects.count(), "complaints": Complaint.objects.count()},
            "server": f"gunicorn, {options['workers']} sync workers, DEBUG off",
            "rounds": results["rounds"],
            "seconds": results["seconds"],
            "pages": rows,
        }
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self._print_table(document)
        self.stdout.write(f"Written to {out}")

    def _print_table(self, document: dict) -> None:
        data = document["data"]
        self.stdout.write(
            f"\n{data['guests']:,} guests, {data['complaints']:,} cases; {document['rounds']} rounds in "
            f"{document['seconds']} s; load average {document['machine']['load_average'][0]:.2f}\n"
        )
        columns = ["page", "n", "p50", "p95", "p99", "req/s", "vs H1", "SQL"]
        header = f"{columns[0]:36}" + "".join(f"{c:>8}" for c in columns[1:]) + "  target"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in document["pages"]:
            target = ""
            if "target_p95_ms" in row:
                verdict = "ok" if row.get("meets_targets") else "MISSED"
                target = f"p95≤{row['target_p95_ms']} ms, ≥{row['target_vs_h1']:.0%} H1: {verdict}"
            if row["error_count"]:
                target += f"  ERRORS: {row['error_count']}"
            values = [row["requests"], row["p50_ms"], row["p95_ms"], row["p99_ms"], row["requests_per_s"]]
            cells = "".join(f"{v or 0:>8.1f}" if isinstance(v, float) else f"{v or 0:>8}" for v in values)
            queries = row["queries"] if row["queries"] is not None else "-"
            self.stdout.write(f"{row['page'][:36]:36}{cells}{row['vs_h1'] or 0:>8.3f}{queries:>8}  {target}")
