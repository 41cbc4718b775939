"""Signals sent by guests.services inside their transaction (receivers defer outside effects to on_commit)."""

from django.dispatch import Signal

# guest, actor
guest_erased = Signal()
