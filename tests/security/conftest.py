import hashlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client

from complaints.demo import load_demo

# Sessions change on every request (the current property is kept there), and rate-limit buckets count
# refused requests on purpose (the guest's public page): bookkeeping, not app data. The same holds for
# the security trail: a refused second-factor code or login is audited and counted by design (issue
# #10), and a staff session's "last seen" moves once a minute.
NOT_APP_DATA = {
    "sessions.session",
    "complaints.ratelimitbucket",
    "hotel_crm.auditevent",
    "hotel_crm.loginattempt",
    "hotel_crm.staffsession",
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo hotel group, loaded once per module (tests must leave it as they found it)."""
    with django_db_blocker.unblock():
        load_demo()
    yield
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False)


def client_for(username: str | None, **kwargs) -> Client:
    client = Client(**kwargs)
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def _app_models():
    return [m for m in apps.get_models() if m._meta.label_lower not in NOT_APP_DATA]


def row_counts() -> dict[str, int]:
    """Rows in every table of the app (sessions aside), in one query."""
    from django.db import connection

    models = _app_models()
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT {i}, COUNT(*) FROM {quote(m._meta.db_table)}" for i, m in enumerate(models)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = dict(cursor.fetchall())
    return {m._meta.label_lower: counts[i] for i, m in enumerate(models)}


def fingerprint() -> str:
    """A hash of every row of every table: any insert, update or delete changes it."""
    digest = hashlib.sha256()
    for model in _app_models():
        digest.update(model._meta.label_lower.encode())
        for row in model._default_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()
