"""Turn the case signals into webhook deliveries (in the same transaction: an outbox)."""

from complaints import signals
from hotel_crm.api import webhooks
from hotel_crm.api.models import WebhookEvent


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


def connect() -> None:
    signals.complaint_created.connect(on_complaint_created, dispatch_uid="api.complaint_created")
    signals.complaint_step_changed.connect(
        on_complaint_step_changed, dispatch_uid="api.complaint_step_changed"
    )
    signals.complaint_closed.connect(on_complaint_closed, dispatch_uid="api.complaint_closed")
