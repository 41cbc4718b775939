"""Configuration comes from the environment; production refuses unsafe defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _setup_django(
    env_overrides: dict[str, str], tmp_path: Path, code: str = ""
) -> subprocess.CompletedProcess:
    """Start Django in a fresh interpreter with exactly this configuration.

    Nothing of the test process's own configuration goes along: not its settings, nor what a browser
    test run earlier in the same process set (DJANGO_ALLOW_ASYNC_UNSAFE, which --deploy refuses).
    """
    ours = {
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DEBUG",
        "DATABASE_URL",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "hotel_crm.settings", "VAR_DIR": str(tmp_path / "var"), **env_overrides}
    )
    script = "import django; django.setup(); from django.conf import settings\n" + code
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_secret_key(tmp_path):
    # Given DEBUG off and ALLOWED_HOSTS set, but no SECRET_KEY
    result = _setup_django({"ALLOWED_HOSTS": "crm.hotel.example"}, tmp_path)
    # Then Django does not start, and says what is missing
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = _setup_django({"SECRET_KEY": "x" * 60}, tmp_path)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_starts_with_both_and_is_not_in_debug(tmp_path):
    result = _setup_django(
        {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "crm.hotel.example"},
        tmp_path,
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.ALLOWED_HOSTS)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True ['crm.hotel.example']"


def test_embedded_defaults_use_sqlite_and_a_filesystem_broker_under_var(tmp_path):
    # Given nothing configured but DEBUG (what `make run` sets)
    result = _setup_django(
        {"DEBUG": "1"},
        tmp_path,
        "print(settings.DATABASES['default']['ENGINE']); print(settings.DATABASES['default']['NAME']);"
        "print(settings.CELERY_BROKER_URL)",
    )
    assert result.returncode == 0, result.stderr
    engine, name, broker = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name.startswith(str(tmp_path / "var"))
    assert broker == "filesystem://"
    # and the broker's folders exist before any worker starts
    for folder in ("queue", "processed", "control"):
        assert (tmp_path / "var" / "broker" / folder).is_dir()


@pytest.mark.parametrize(
    ("overrides", "expected_broker"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/3"}, "redis://127.0.0.1:6379/3"),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/3", "CELERY_BROKER_URL": "redis://10.0.0.9:6379/1"},
            "redis://10.0.0.9:6379/1",
        ),
    ],
)
def test_database_and_broker_come_from_the_environment(tmp_path, overrides, expected_broker):
    result = _setup_django(
        {"DEBUG": "1", "DATABASE_URL": "postgres://crm@db.internal:5432/hotel_crm", **overrides},
        tmp_path,
        "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['HOST'],"
        " settings.CELERY_BROKER_URL)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "db.internal", expected_broker]


# --- `check --deploy` (issue #18, class 9) ---------------------------------------------------------

_DEPLOY_CHECK = (
    "from django.core.management import call_command\n"
    "call_command('check', '--deploy', '--fail-level', 'WARNING')\n"
)
_PRODUCTION = {
    "ALLOWED_HOSTS": "crm.hotel.example",
    "SECRET_KEY": "k" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP",
    "GUEST_LINK_BASE_URL": "https://crm.hotel.example",
    "SECURE_SSL_REDIRECT": "true",  # the test run's environment turns it off
}


def test_check_deploy_passes_with_a_long_key_and_the_guest_link_address(tmp_path):
    result = _setup_django(_PRODUCTION, tmp_path, _DEPLOY_CHECK)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"GUEST_LINK_BASE_URL": ""}, "hotel_crm.E002"),
        ({"GUEST_LINK_BASE_URL": "http://localhost:8000"}, "hotel_crm.E002"),
        ({"SECRET_KEY": "short-but-set-0123456789"}, "hotel_crm.E001"),
        ({"SECRET_KEY": "a" * 80}, "hotel_crm.E001"),
    ],
    ids=["no guest link address", "guest links to localhost", "short key", "key of one character"],
)
def test_check_deploy_refuses_unsafe_production_settings_as_errors(tmp_path, overrides, error):
    # Errors, not warnings: the default fail level (ERROR) refuses them too
    code = "from django.core.management import call_command\ncall_command('check', '--deploy')\n"
    result = _setup_django({**_PRODUCTION, **overrides}, tmp_path, code)
    assert result.returncode != 0
    assert error in result.stderr
