"""Settings for the test suite: the real settings plus test-only defaults.

Environment variables still win, so CI points the same suite at PostgreSQL
and Redis with DATABASE_URL / REDIS_URL.
"""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
# Under pytest-xdist each worker process ("gw0", "gw1", …) gets its own var/ folder (filesystem broker,
# SQLite file) and its own Redis database (below); pytest-django gives it its own test database.
os.environ.setdefault(
    "VAR_DIR",
    os.path.join(
        os.path.dirname(os.path.dirname(__file__)), "var", "test", os.environ.get("PYTEST_XDIST_WORKER", "")
    ),
)
os.environ.setdefault("HEARTBEAT_SECONDS", "1")
# The suite logs staff in with force_login and the demo password; the MFA tests switch it on.
os.environ.setdefault("MFA_REQUIRED_ROLES", "")

from hotel_crm.settings import *  # noqa: F403
from hotel_crm.settings import CELERY_BROKER_URL, REDIS_URL  # set again below, per xdist worker

XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

# A file, not Django's in-memory default: the reliability tests start Celery worker processes that
# must open the test database too. One file per test run, so two runs cannot clobber each other.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
else:
    # PostgreSQL's JIT compiles a query whose estimated cost is high, and a fresh test table has no
    # statistics, so a small query can pay for a compilation it does not need; the commits (transactional
    # tests, flushes) need not wait for the disk. Test-only: both are session settings.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c synchronous_commit=off"  # noqa: F405

# Django 6 hashes with 1.2M PBKDF2 iterations; tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# No collectstatic in tests: serve from the source folders.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Rate-limit counters live in the cache (Redis in CI): keep one run's counters from meeting another's.
if "CACHES" in globals():
    CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"  # noqa: F405


def _redis_db_of_worker(url: str) -> str:
    """The URL's database number plus the xdist worker's index: redis://…/6 is /6 for gw0, /7 for gw1."""
    parts = urlsplit(url)
    if not XDIST_WORKER or parts.scheme not in ("redis", "rediss"):
        return url
    db = int(parts.path.strip("/") or 0) + int(XDIST_WORKER.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{db}"))


# Worker processes that a test starts inherit PYTEST_XDIST_WORKER and the unchanged REDIS_URL, so they
# derive the same database.
if REDIS_URL:
    if CELERY_BROKER_URL == REDIS_URL:
        CELERY_BROKER_URL = _redis_db_of_worker(REDIS_URL)
    REDIS_URL = _redis_db_of_worker(REDIS_URL)
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
