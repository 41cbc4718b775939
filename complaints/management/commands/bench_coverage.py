"""`make bench-coverage`: courtesy coverage (ADR 0017) computed in SQL over a million stays and checks.

PostgreSQL only. Inside one transaction, rolled back at the end (unless --keep): add --stays
checked-out stays over three years at the demo hotel, back to back across its rooms, and about as many
courtesy checks (four stays in five asked, one in three asked twice); ANALYZE; then time
`selectors.courtesy_coverage` for the last 31 days (the dashboard's by-day and by-staff figures),
run after run, and print the median, the slowest run, its query count and the plan of the by-day query.
"""

import datetime as dt
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints.demo import load_demo
from complaints.selectors import courtesy_coverage
from guests.models import Guest
from hotel_crm.models import Property, StaffMembership


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Benchmark courtesy coverage over a million stays and courtesy checks (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--stays", type=int, default=1_000_000, help="stays to add (default 1,000,000)")
        parser.add_argument("--runs", type=int, default=7, help="timed runs (default 7)")
        parser.add_argument("--keep", action="store_true", help="keep the rows (default: roll back)")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_coverage needs PostgreSQL (DATABASE_URL=postgres://…).")
        if options["stays"] < 1 or options["runs"] < 1:
            raise CommandError("--stays and --runs must be at least 1.")
        if not Property.objects.filter(code="SHA").exists():
            load_demo()
        try:
            with transaction.atomic():
                self._bench(options["stays"], options["runs"])
                if not options["keep"]:
                    raise _Rollback
        except _Rollback:
            self.stdout.write("Rolled back: the database is as it was.")

    def _bench(self, count: int, runs: int) -> None:
        prop = Property.objects.get(code="SHA")
        guest = Guest.objects.order_by("pk").values_list("pk", flat=True).first()
        staff = list(StaffMembership.objects.filter(property=prop).values_list("user_id", flat=True)[:4])
        rooms = list(prop.rooms.order_by("pk").values_list("pk", flat=True))
        if guest is None or not staff or not rooms:
            raise CommandError("The demo hotel needs guests, staff and rooms: run `manage.py load_demo`.")
        today = prop.today()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM guests_stay")
            (first_id,) = cursor.fetchone()
            # Stay n: room n % rooms, arriving (n // rooms) * 3 days after the start, 1–3 nights.
            cursor.execute(
                """
                INSERT INTO guests_stay (property_id, guest_id, room_id, arrival_date, departure_date,
                    confirmation_number, status, adults, notes, created_at, version)
                SELECT %(prop)s, %(guest)s, (%(rooms)s::bigint[])[1 + n %% %(nrooms)s],
                    %(start)s::date + ((n / %(nrooms)s) * 3 %% 1095)::int,
                    %(start)s::date + ((n / %(nrooms)s) * 3 %% 1095)::int + 1 + n %% 3,
                    'BENCH' || n, 'checked_out', 1, '', now(), 1
                FROM generate_series(1, %(count)s) AS n
                """,
                {
                    "prop": prop.pk,
                    "guest": guest,
                    "rooms": rooms,
                    "nrooms": len(rooms),
                    "start": today.replace(year=today.year - 3),
                    "count": count,
                },
            )
            # Four stays in five asked on their first evening; one in three asked again the next day.
            cursor.execute(
                """
                INSERT INTO complaints_courtesycheck
                    (property_id, stay_id, outcome, note, checked_by_id, checked_at)
                SELECT s.property_id, s.id, 'all_good', '', (%(staff)s::int[])[1 + s.id %% %(nstaff)s],
                    (s.arrival_date + time '19:00' + d * interval '1 day') AT TIME ZONE %(tz)s
                FROM guests_stay s CROSS JOIN generate_series(0, 1) AS d
                WHERE s.id > %(first)s AND s.id %% 5 <> 0 AND (d = 0 OR s.id %% 3 = 0)
                """,
                {"staff": staff, "nstaff": len(staff), "tz": prop.time_zone, "first": first_id},
            )
            cursor.execute("SELECT COUNT(*) FROM complaints_courtesycheck")
            (checks,) = cursor.fetchone()
            cursor.execute("SELECT COUNT(*) FROM guests_stay")
            (stays,) = cursor.fetchone()
            cursor.execute("ANALYZE guests_stay")
            cursor.execute("ANALYZE complaints_courtesycheck")
        self.stdout.write(
            f"Loaded in {time.perf_counter() - started:.1f} s: "
            f"{stays:,} stays, {checks:,} courtesy checks in all."
        )
        start = today - dt.timedelta(days=30)
        timings, queries, coverage = [], 0, {}
        for _run in range(runs):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                coverage = courtesy_coverage(prop=prop, start=start, end=today)
                timings.append((time.perf_counter() - began) * 1000)
            queries = len(captured.captured_queries)
        by_day_sql = captured.captured_queries[0]["sql"]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + by_day_sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        self.stdout.write(
            f"courtesy_coverage, last 31 days: median {statistics.median(timings):.0f} ms, "
            f"slowest {max(timings):.0f} ms over {runs} runs, {queries} queries; "
            f"{coverage['nights']:,} guest-nights, {coverage['asked']:,} asked ({coverage['share']}%)."
        )
        self.stdout.write("Plan of the by-day query:\n" + plan)
