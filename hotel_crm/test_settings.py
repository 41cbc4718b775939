"""Settings for the test suite: the real settings plus test-only defaults.

Environment variables still win, so CI points the same suite at PostgreSQL
and Redis with DATABASE_URL / REDIS_URL.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))
os.environ.setdefault("HEARTBEAT_SECONDS", "1")

from hotel_crm.settings import *  # noqa: F403

# A file, not Django's in-memory default: the reliability tests start Celery worker processes that
# must open the test database too. One file per test run, so two runs cannot clobber each other.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405

# Django 6 hashes with 1.2M PBKDF2 iterations; tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# No collectstatic in tests: serve from the source folders.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Rate-limit counters live in the cache (Redis in CI): keep one run's counters from meeting another's.
if "CACHES" in globals():
    CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"  # noqa: F405
