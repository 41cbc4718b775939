"""The suite runs on the database and broker the environment names (CI: PostgreSQL and Redis)."""

import os

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_suite_runs_on_the_configured_database_and_broker():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
    if os.environ.get("REDIS_URL"):
        assert settings.CELERY_BROKER_URL.startswith("redis://")
    else:
        assert settings.CELERY_BROKER_URL == "filesystem://"
