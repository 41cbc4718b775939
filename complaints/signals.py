"""Signals sent by complaints.services inside their transaction, for apps that build on the cycle.

Receivers run in the same transaction: anything they write commits or rolls back with the change,
and anything leaving the database must wait for `transaction.on_commit`.
"""

from django.dispatch import Signal

# complaint, actor
complaint_created = Signal()
# complaint, actor, from_status, to_status
complaint_step_changed = Signal()
# complaint, actor
complaint_closed = Signal()
