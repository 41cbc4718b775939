"""What complaints does when something happens in a lower app (guests sends, complaints listens)."""

from complaints.services.shift import arrival_checked_in_notify
from guests import signals as guest_signals


def on_stay_checked_in(sender, stay, **kwargs):
    # Inside the check-in's transaction: the notification commits or rolls back with the check-in.
    arrival_checked_in_notify(stay=stay)


def connect() -> None:
    guest_signals.stay_checked_in.connect(on_stay_checked_in, dispatch_uid="complaints.on_stay_checked_in")
