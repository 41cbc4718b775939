import pytest
from django.test import Client

from hotel_crm.celery import app as celery_app
from hotel_crm.services import heartbeat_record


@pytest.fixture
def broker_url():
    """Point the Celery app at another broker for one test, then restore it."""
    original = celery_app.conf.broker_url

    def _set(url: str) -> None:
        celery_app.conf.broker_url = url

    yield _set
    celery_app.conf.broker_url = original


@pytest.mark.django_db
def test_healthz_needs_no_login_and_reports_database_and_broker():
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["broker"] == {"ok": True}


@pytest.mark.django_db
def test_healthz_reports_a_down_broker_as_down(broker_url):
    # Given a broker address where nothing listens
    broker_url("redis://127.0.0.1:1/0")
    response = Client().get("/healthz")
    # Then the check fails loudly instead of pretending
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"] == {"ok": False}
    assert body["database"] == {"ok": True}


@pytest.mark.django_db
def test_healthz_shows_when_the_worker_was_last_seen_without_secrets():
    heartbeat_record(name="worker")
    response = Client().get("/healthz")
    body = response.json()
    assert body["worker"]["ok"] is True
    assert body["worker"]["last_seen"]
    text = response.content.decode()
    assert "redis://" not in text and "sqlite" not in text and "password" not in text.lower()
