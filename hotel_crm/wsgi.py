"""WSGI entry point for gunicorn: `gunicorn hotel_crm.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotel_crm.settings")

application = get_wsgi_application()
