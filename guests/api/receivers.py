"""Turn the guest signals into webhook deliveries (in the same transaction: an outbox)."""

from guests import signals
from hotel_crm.api import webhooks
from hotel_crm.api.models import WebhookEvent


def on_guest_erased(sender, guest, **kwargs):
    # A guest profile is shared by the whole group: every property's subscribers may hold it.
    webhooks.enqueue(prop=None, event=WebhookEvent.GUEST_ERASED, data={"guest": guest.pk})


def connect() -> None:
    signals.guest_erased.connect(on_guest_erased, dispatch_uid="api.guest_erased")
