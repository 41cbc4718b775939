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
import statistics
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

from complaints.devtools import bench_concurrency, bulk_data
from complaints.models import Complaint, Department
from complaints.workflow import OPEN
from guests.models import Guest, GuestPhone, Stay, StayStatus
from hotel_crm.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from hotel_crm.models import Property, StaffMembership, StaffProfile

# page -> throughput target as a share of H1's (requests/s in the same interleaved run), issue #22.
TARGETS = {
    "search": 0.25,
    "cases": 0.25,
    "case": 0.30,
    "profile": 0.35,
    "dashboard": 0.15,
    "log_case": 0.20,
    # The shift start page (issue #19).
    "shift": 0.20,
    # The problems list (issue #20).
    "problems": 0.20,
}
BENCH_USER = "grm"
HOST = "127.0.0.1"
# The concurrency mode's clerks: each its own account (guest relations managers at SHA).
CLERK_PREFIX = "bench-clerk-"


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
            "--budget",
            default=os.environ.get("BENCH_BUDGET", ""),
            help="query budget file (JSON): fail if a page runs more queries than it allows",
        )
        parser.add_argument(
            "--write-budget", action="store_true", help="write this run's query counts into --budget"
        )
        parser.add_argument(
            "--clients",
            default=os.environ.get("BENCH_CLIENTS", ""),
            help="concurrency mode after the page run: client counts, e.g. 1,2,4,8,16 (empty: off)",
        )
        parser.add_argument(
            "--client-seconds",
            type=float,
            default=float(os.environ.get("BENCH_CLIENT_SECONDS", 20)),
            help="seconds of the clerks' mix per client count",
        )
        parser.add_argument(
            "--client-workers", type=int, default=4, help="gunicorn workers in the concurrency mode"
        )
        parser.add_argument(
            "--chart",
            default=os.environ.get("BENCH_CHART", ""),
            help="write the concurrency chart (SVG) here, e.g. docs/bench/concurrency-1m.svg",
        )
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
            self._stop(server)
        if options["clients"]:
            results["concurrency"] = self._concurrency(env, samples, options)
        document = self._report(results, options)
        budget_failures = self.check_budget(document, options) if options["budget"] else []
        failures = [page for page in results["pages"] if page.errors]
        if failures:
            raise CommandError(
                "Pages answered with errors: " + "; ".join(f"{p.name}: {p.errors[0]}" for p in failures)
            )
        concurrency_errors = [row for row in results.get("concurrency", []) if row["errors"]]
        if concurrency_errors:
            raise CommandError(
                "Requests failed under concurrency: "
                + "; ".join(f"{r['clients']} clients: {r['first_errors'][0]}" for r in concurrency_errors)
            )
        if budget_failures:
            raise CommandError("Query budget exceeded: " + "; ".join(budget_failures))

    @staticmethod
    def _stop(server: subprocess.Popen) -> None:
        server.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=20)
        if server.poll() is None:
            server.kill()

    # --- the server ----------------------------------------------------------------------

    def _server_env(self) -> dict[str, str]:
        """The environment of gunicorn and collectstatic: production mode, with query counts on."""
        return {
            **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "STATICFILES_BACKEND"}},
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "BENCH_QUERY_COUNT": "1",
            "BENCH_FLOOR": "1",
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
        deep_open = max(1, int(min(open_cases.count(), 10_000) * 0.8) // 25)
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
            Page("H0 (bare Django)", "/h0/", None),
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
            Page("problems, open, oldest first", "/complaints/problems/", "problems"),
            Page("open cases, 100 rows a page", "/complaints/?status=open&per_page=100", None),
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

    def _log_in(self, client: Client, username: str = BENCH_USER) -> None:
        client.request("GET", "/login/")  # the CSRF cookie, as a browser gets it
        response, _content, _elapsed = client.request(
            "POST", "/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        if response.status != 302 or "sessionid" not in client.cookies:
            raise CommandError(f"Signing in as {username} failed (HTTP {response.status}).")
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
                f"Signed in as {username}, but /ping/ answers HTTP {response.status} "
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
            if "X-Query-Count" in response.headers:  # not on H0: no middleware there
                page.queries.append(int(response.headers["X-Query-Count"]))

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

    # --- many clerks at once -----------------------------------------------------------

    def _clerks(self, count: int) -> list[tuple[str, int]]:
        """`count` guest relations managers at SHA with the demo password (made once, reused)."""
        from django.contrib.auth.models import Group, User

        from hotel_crm import roles

        prop = Property.objects.get(code="SHA")
        role = Group.objects.get(name=roles.GUEST_RELATIONS_MANAGER)
        clerks = []
        for n in range(1, count + 1):
            user, created = User.objects.get_or_create(username=f"{CLERK_PREFIX}{n:02}")
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                StaffProfile.objects.get_or_create(user=user)
                StaffMembership.objects.get_or_create(user=user, property=prop, role=role)
            clerks.append((user.username, user.pk))
        return clerks

    def _concurrency(self, env: dict[str, str], samples: dict, options) -> list[dict]:
        counts = sorted({int(c) for c in str(options["clients"]).split(",") if c.strip()})
        clerks = self._clerks(max(counts))
        prop = Property.objects.get(code="SHA")
        open_cases = list(
            Complaint.objects.for_property(prop)
            .filter(status__in=[s.value for s in OPEN])
            .order_by("-pk")
            .values_list("pk", flat=True)[: 10 * len(clerks)]
        )
        if len(open_cases) < len(clerks):
            raise CommandError("Too few open cases for the concurrency mode.")
        searches = [samples["common"], samples["common_latin"], samples["pinyin"], samples["phone_tail"]]
        port = self._server_port(0)
        server = self._start_gunicorn(env, port=port, workers=options["client_workers"])
        rows = []
        try:
            self._wait_for(Client(port), server)
            signed_in = []
            for username, _pk in clerks:
                client = Client(port)
                self._log_in(client, username)
                signed_in.append(client)
            self.stdout.write(
                f"\nConcurrency: gunicorn with {options['client_workers']} workers; "
                f"{options['client_seconds']:.0f} s per client count"
            )
            for count in counts:
                # Each clerk works their own cases (every count-th one), as clerks on a shift do.
                mine = {i: open_cases[i::count] for i in range(count)}
                rngs = {i: random.Random(options["seed"] * 1000 + i) for i in range(count)}  # noqa: S311

                def work(i: int, mine=mine, rngs=rngs) -> list:
                    return bench_concurrency.clerk_mix(
                        signed_in[i], user_id=clerks[i][1], cases=mine[i], searches=searches, rng=rngs[i]
                    )

                # A short warm-up of this many clients, then the measured run.
                bench_concurrency.run_level(
                    clients=signed_in[:count], work=work, seconds=2, lock_wait_ms=lambda: 0.0
                )
                level = bench_concurrency.run_level(
                    clients=signed_in[:count],
                    work=work,
                    seconds=options["client_seconds"],
                    lock_wait_ms=self._lock_wait_ms,
                )
                row = bench_concurrency.summary(level)
                row["load_average"] = round(os.getloadavg()[0], 2)
                rows.append(row)
                self.stdout.write(
                    f"  {count:>3} clients: {row['requests_per_s']:>6.1f} req/s, p50 {row['p50_ms']:.1f}, "
                    f"p95 {row['p95_ms']:.1f}, p99 {row['p99_ms']:.1f} ms, errors {row['errors']}, "
                    f"longest lock wait seen {row['max_lock_wait_ms']:.0f} ms"
                )
        finally:
            self._stop(server)
        if options["chart"]:
            chart = Path(options["chart"])
            chart.parent.mkdir(parents=True, exist_ok=True)
            guests = Guest.objects.count()
            chart.write_text(
                bench_concurrency.chart_svg(
                    rows,
                    title=f"Clerks at once: {guests:,} guests, gunicorn {options['client_workers']} workers "
                    f"({time.strftime('%Y-%m-%d', time.gmtime())})",
                ),
                encoding="utf-8",
            )
            self.stdout.write(f"Chart written to {chart}")
        return rows

    @staticmethod
    def _lock_wait_ms() -> float:
        """The longest current wait for a lock in this database (sampled: pg_stat_activity)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(max(extract(epoch FROM clock_timestamp() - query_start)), 0) * 1000 "
                "FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            return float(cursor.fetchone()[0])

    # --- the query budget ----------------------------------------------------------------

    def _budget_set(self) -> str:
        # With the shared cache (Redis) a signed-in request reads no session or user row (ADR 0019).
        return "shared_cache" if settings.AUTH_CONTEXT_CACHE else "database_sessions"

    def check_budget(self, document: dict, options) -> list[str]:
        """Compare each page's usual query count with the committed budget; return what went up."""
        path = Path(options["budget"])
        budget = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        name = self._budget_set()
        counts = {
            row["page"]: row["queries_typical"] for row in document["pages"] if row["queries"] is not None
        }
        if options.get("write_budget"):
            budget[name] = counts
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(budget, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            self.stdout.write(f"Query budget ({name}) written to {path}")
            return []
        allowed = budget.get(name, {})
        failures = []
        for page, count in counts.items():
            if page not in allowed:
                failures.append(
                    f"{page}: no budget in {path} for {name} (CI runs with REDIS_URL: shared_cache); "
                    "add it with --write-budget"
                )
            elif count is not None and count > allowed[page]:
                failures.append(f"{page}: {count} queries, budget {allowed[page]}")
        lower = [
            f"{p} {counts[p]} < {allowed[p]}"
            for p in counts
            if p in allowed and (counts[p] or 0) < allowed[p]
        ]
        self.stdout.write(
            f"Query budget ({name}, {path}): "
            + ("within budget" if not failures else f"{len(failures)} page(s) over")
            + (f"; lower now, tighten the budget: {', '.join(lower)}" if lower else "")
        )
        return failures

    # --- reporting -----------------------------------------------------------------------

    def _report(self, results: dict, options) -> dict:
        rows = []
        floor_rps = bare_rps = None
        for page in results["pages"]:
            n = len(page.latencies)
            rps = n / (sum(page.latencies) / 1000) if n else 0.0
            if page.path == "/ping/":
                floor_rps = rps
            if page.path == "/h0/":
                bare_rps = rps
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
                # The usual count (the once-a-minute "last seen" write adds 2 to one request now and then).
                "queries_typical": statistics.mode(page.queries) if page.queries else None,
                "errors": page.errors[:5],
                "error_count": len(page.errors),
            }
            if page.target:
                row["target_vs_h1"] = TARGETS[page.target]
            rows.append(row)
        for row in rows:
            rps = row.pop("_rps")
            row["vs_h1"] = round(rps / floor_rps, 3) if floor_rps else None
            if "target_vs_h1" in row and row["vs_h1"] is not None:
                row["meets_targets"] = bool(row["vs_h1"] >= row["target_vs_h1"])
        h1_over_h0 = None
        h1 = next((r for r in rows if r["path"] == "/ping/"), None)
        h0 = next((r for r in rows if r["path"] == "/h0/"), None)
        if h1 and h0 and h1["requests"] and h0["requests"]:
            # Time per request, H1 over H0: what the middleware and the session cost on top of Django.
            h1_over_h0 = round(bare_rps / floor_rps, 2) if floor_rps and bare_rps else None
        document = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": {
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
                "python": sys.version.split()[0],
            },
            "data": {"guests": Guest.objects.count(), "complaints": Complaint.objects.count()},
            "server": f"gunicorn, {options['workers']} sync workers, DEBUG off",
            "shared_cache": bool(settings.AUTH_CONTEXT_CACHE),
            "rounds": results["rounds"],
            "seconds": results["seconds"],
            "h1_over_h0": h1_over_h0,
            "pages": rows,
            "concurrency": results.get("concurrency", []),
        }
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self._print_table(document)
        self.stdout.write(f"Written to {out}")
        return document

    def _print_table(self, document: dict) -> None:
        data = document["data"]
        self.stdout.write(
            f"\n{data['guests']:,} guests, {data['complaints']:,} cases; {document['rounds']} rounds in "
            f"{document['seconds']} s; load average {document['machine']['load_average'][0]:.2f}; "
            f"shared cache {'on' if document['shared_cache'] else 'off'}; "
            f"H1/H0 (time per request) {document['h1_over_h0']}\n"
        )
        columns = ["page", "n", "p50", "p95", "p99", "req/s", "vs H1", "SQL"]
        header = f"{columns[0]:36}" + "".join(f"{c:>8}" for c in columns[1:]) + "  target"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in document["pages"]:
            target = ""
            if "target_vs_h1" in row:
                verdict = "ok" if row.get("meets_targets") else "MISSED"
                target = f"≥{row['target_vs_h1']:.0%} of H1: {verdict}"
            if row["error_count"]:
                target += f"  ERRORS: {row['error_count']}"
            values = [row["requests"], row["p50_ms"], row["p95_ms"], row["p99_ms"], row["requests_per_s"]]
            cells = "".join(f"{v or 0:>8.1f}" if isinstance(v, float) else f"{v or 0:>8}" for v in values)
            queries = row["queries_typical"] if row["queries_typical"] is not None else "-"
            self.stdout.write(f"{row['page'][:36]:36}{cells}{row['vs_h1'] or 0:>8.3f}{queries:>8}  {target}")
