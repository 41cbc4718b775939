"""Signals sent by guests.services inside their transaction (receivers defer outside effects to on_commit)."""

from django.dispatch import Signal

# guest, actor
guest_erased = Signal()
# stay, actor: a reserved stay was checked in (from the desk or the PMS through the API)
stay_checked_in = Signal()
