"""PostgreSQL only: the GIN index behind guest search and the no-overlap rule for in-house stays.

On SQLite these are skipped: search falls back to LIKE, and the stay services
enforce the overlap rule under a row lock (as they do on PostgreSQL too).
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "CREATE INDEX guest_search_tokens_gin ON guests_guest USING gin (string_to_array(search_tokens, ' '))",
    """ALTER TABLE guests_stay ADD CONSTRAINT stay_room_no_overlapping_in_house
       EXCLUDE USING gist (room_id WITH =, daterange(arrival_date, departure_date, '[)') WITH &&)
       WHERE (status = 'in_house')""",
]
BACKWARD = [
    "ALTER TABLE guests_stay DROP CONSTRAINT IF EXISTS stay_room_no_overlapping_in_house",
    "DROP INDEX IF EXISTS guest_search_tokens_gin",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("guests", "0001_initial")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
