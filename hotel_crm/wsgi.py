"""WSGI entry point for gunicorn: `gunicorn hotel_crm.wsgi`."""

import os
from collections.abc import Callable, Iterable

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotel_crm.settings")

application: Callable[..., Iterable[bytes]] = get_wsgi_application()

from django.conf import settings  # noqa: E402 (after the app is set up)

if settings.BENCH_FLOOR:
    # Benchmark only: /h0/ served with no middleware (hotel_crm.bench_floor).
    from hotel_crm.bench_floor import with_h0

    application = with_h0(application)
