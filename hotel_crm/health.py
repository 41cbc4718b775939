"""Reachability checks for /healthz."""

import datetime as dt
import os

from django.conf import settings
from django.db import connection
from django.utils import timezone

from hotel_crm.celery import app as celery_app
from hotel_crm.models import Heartbeat


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_ok(timeout: float = 2.0) -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            # kombu takes the timeout in seconds as a float; celery-types says int.
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)  # type: ignore[arg-type]
            if conn.transport.driver_type == "filesystem":
                # Connecting to the filesystem transport always "works"; the folder is what matters.
                # kombu sets transport_options to {} when none are given; the stub allows None.
                folder = conn.transport_options.get("data_folder_in", "")  # type: ignore[union-attr]
                return os.path.isdir(folder) and os.access(folder, os.W_OK)
            return True
    except Exception:
        return False


def worker_last_seen() -> dt.datetime | None:
    try:
        beat = Heartbeat.objects.filter(name="worker").first()
    except Exception:
        return None
    return beat.seen_at if beat else None


def worker_recent(seen: dt.datetime | None) -> bool:
    interval = settings.CELERY_BEAT_SCHEDULE["heartbeat"]["schedule"]
    return seen is not None and timezone.now() - seen < dt.timedelta(seconds=max(3 * interval, 90))
