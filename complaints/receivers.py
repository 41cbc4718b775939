"""What complaints does when something happens in a lower app (guests sends, complaints listens)."""

from complaints.services.erasure import guest_cases_scrub
from complaints.services.shift import arrival_checked_in_notify
from guests import signals as guest_signals


def on_stay_checked_in(sender, stay, **kwargs):
    # Inside the check-in's transaction: the notification commits or rolls back with the check-in.
    arrival_checked_in_notify(stay=stay)


def on_guest_erased(sender, guest, **kwargs):
    # Inside the erasure's transaction: the cases are scrubbed with the profile or not at all.
    guest_cases_scrub(guest=guest)


def connect() -> None:
    guest_signals.stay_checked_in.connect(on_stay_checked_in, dispatch_uid="complaints.on_stay_checked_in")
    guest_signals.guest_erased.connect(on_guest_erased, dispatch_uid="complaints.on_guest_erased")
