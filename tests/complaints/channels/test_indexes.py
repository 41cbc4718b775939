"""The channels' hot reads can use an index (PostgreSQL only: SQLite plans differently)."""

import pytest
from django.db import connection
from django.utils import timezone

from complaints.models import OutgoingReply, OutgoingReplyStatus
from guests.models import Guest

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans"),
]


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: make the planner show the index
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_matching_a_sender_to_a_guest_by_email_in_any_case_uses_an_index():
    assert "guest_email_upper_idx" in _plan(Guest.objects.filter(email__iexact="Li.Na@Guest.Example"))


def test_the_replies_due_use_the_partial_index_of_pending_replies():
    due = OutgoingReply.objects.filter(
        status=OutgoingReplyStatus.PENDING, next_attempt_at__lte=timezone.now()
    )
    assert "outgoing_reply_due_idx" in _plan(due)
