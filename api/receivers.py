"""Turn the apps' signals into webhook deliveries (in the same transaction: an outbox)."""

from api import webhooks
from api.models import WebhookEvent
from complaints import signals as complaint_signals
from guests import signals as guest_signals


def _case(complaint) -> dict:
    # Identifiers and the step only: the guest's words and name stay in the app (sensitive cases).
    return {
        "id": complaint.pk,
        "reference": complaint.reference,
        "property": complaint.property.code,
        "status": complaint.status,
        "severity": complaint.severity,
        "version": complaint.version,
    }


def on_complaint_created(sender, complaint, **kwargs):
    webhooks.enqueue(prop=complaint.property, event=WebhookEvent.COMPLAINT_CREATED, data=_case(complaint))


def on_complaint_step_changed(sender, complaint, from_status, to_status, **kwargs):
    data = {**_case(complaint), "from_status": str(from_status), "to_status": str(to_status)}
    webhooks.enqueue(prop=complaint.property, event=WebhookEvent.COMPLAINT_STEP_CHANGED, data=data)


def on_complaint_closed(sender, complaint, **kwargs):
    data = {**_case(complaint), "verdict": complaint.verdict}
    webhooks.enqueue(prop=complaint.property, event=WebhookEvent.COMPLAINT_CLOSED, data=data)


def on_guest_erased(sender, guest, **kwargs):
    # A guest profile is shared by the whole group: every property's subscribers may hold it.
    webhooks.enqueue(prop=None, event=WebhookEvent.GUEST_ERASED, data={"guest": guest.pk})


def connect() -> None:
    complaint_signals.complaint_created.connect(on_complaint_created, dispatch_uid="api.complaint_created")
    complaint_signals.complaint_step_changed.connect(
        on_complaint_step_changed, dispatch_uid="api.complaint_step_changed"
    )
    complaint_signals.complaint_closed.connect(on_complaint_closed, dispatch_uid="api.complaint_closed")
    guest_signals.guest_erased.connect(on_guest_erased, dispatch_uid="api.guest_erased")
