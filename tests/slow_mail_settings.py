"""The test settings with a slow mail server (tests.slow_mail), for a Celery worker process that a
reliability test kills mid-send: DJANGO_SETTINGS_MODULE=tests.slow_mail_settings, the pause in
SLOW_MAIL_SECONDS.
"""

import os

from hotel_crm.test_settings import *  # noqa: F403
from tests.slow_mail import slow_mailers

MAILERS = slow_mailers(float(os.environ.get("SLOW_MAIL_SECONDS", "5")))
