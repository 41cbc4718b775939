from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from complaints.devtools import bulk_data


class Command(BaseCommand):
    help = (
        "Fill PostgreSQL with a large realistic data set for benchmarks: N guests, two years of stays "
        "at the demo hotels and M cases in every step (loads the demo group first if missing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--guests", type=int, default=10_000, help="guests to add (default 10,000)")
        parser.add_argument("--complaints", type=int, default=10_000, help="cases to add (default 10,000)")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed: the same seed gives the same data"
        )
        parser.add_argument("--years", type=int, default=2, help="years of history (default 2)")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_data needs PostgreSQL: it loads rows with COPY. "
                "Set DATABASE_URL=postgres://user@host:5432/dbname (a database of its own)."
            )
        if options["guests"] < 1 or options["complaints"] < 0:
            raise CommandError("--guests must be at least 1 and --complaints at least 0.")
        guests, complaints, seed = options["guests"], options["complaints"], options["seed"]
        self.stdout.write(f"Generating {guests:,} guests and {complaints:,} cases (seed {seed})")
        report = bulk_data.generate(
            guests=options["guests"],
            complaints=options["complaints"],
            seed=options["seed"],
            years=options["years"],
            log=self.stdout.write,
        )
        for name, count in report.counts.items():
            self.stdout.write(f"  {name}: {count:,}")
        self.stdout.write(self.style.SUCCESS(f"Done in {report.seconds['total']} s"))
