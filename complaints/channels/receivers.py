"""Signals the channels listen to: mail services' inbound webhooks (django-anymail) and VIP arrivals."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import translation
from django.utils.translation import gettext as _

from complaints.channels.email import anymail_inbound_received
from complaints.models import (
    ChannelIdentity,
    Complaint,
    ComplaintEvent,
    EventKind,
    ImportedReview,
    IncomingAttachment,
    IncomingMessage,
    OutgoingReply,
    OutgoingReplyStatus,
    TeamAlertKind,
)
from complaints.team_chat import team_alert_send
from guests import signals as guest_signals
from guests.models import Guest, Stay, StayStatus


def vip_arrival_alert(
    sender: type, instance: Stay, update_fields: frozenset[str] | None = None, **kwargs: object
) -> None:
    """A VIP with complaints in the past just checked in: tell the team chat, once per stay."""
    if instance.status != StayStatus.IN_HOUSE or (
        update_fields is not None and "status" not in update_fields
    ):
        return
    guest = instance.guest
    if not guest.vip_level:
        return
    past = Complaint.objects.filter(guest=guest).exclude(stay=instance).count()
    if not past:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = _("VIP arrival: %(guest)s (%(vip)s) in room %(room)s has %(n)s past complaint(s) on file.") % {
            "guest": guest.addressed_as,
            "vip": guest.get_vip_level_display(),
            "room": instance.room.number,
            "n": past,
        }
    team_alert_send(
        prop=instance.property, kind=TeamAlertKind.VIP_ARRIVAL, text=text, key=f"vip_arrival:{instance.pk}"
    )


def _on_stay_saved(sender: type, instance: Stay, **kwargs: object) -> None:
    # Only the commit of the check-in sends anything; a rolled-back check-in alerts nobody.
    if instance.status == StayStatus.IN_HOUSE:
        update_fields = kwargs.get("update_fields")
        transaction.on_commit(lambda: _alert_in_own_transaction(instance, update_fields))  # type: ignore[arg-type]


def _alert_in_own_transaction(instance: Stay, update_fields: frozenset[str] | None) -> None:
    with transaction.atomic():
        vip_arrival_alert(Stay, instance, update_fields=update_fields)


def guest_erased_scrub(sender: type, guest: Guest, **kwargs: object) -> None:
    """Erasure (PIPL/GDPR) reaches the guest's own messages and their copies: who, what and the original go,
    the rows stay. Copies: the case timeline's MESSAGE_IN entries, our replies to them (address and text),
    and the imported review a message came from."""
    messages = IncomingMessage.objects.filter(guest=guest)
    message_ids = set(messages.values_list("pk", flat=True))
    IncomingAttachment.objects.filter(message__in=messages).delete()
    complaint_ids = set(messages.exclude(complaint=None).values_list("complaint_id", flat=True))
    events = [
        event
        for event in ComplaintEvent.objects.filter(complaint_id__in=complaint_ids, kind=EventKind.MESSAGE_IN)
        if isinstance(event.data, dict) and event.data.get("incoming") in message_ids
    ]
    for event in events:
        event.note = ""
        event.data = {**event.data, "sender": "erased"}
    ComplaintEvent.objects.bulk_update(events, ["note", "data"])
    replies = OutgoingReply.objects.filter(incoming_id__in=message_ids)
    replies.filter(status=OutgoingReplyStatus.PENDING).update(
        status=OutgoingReplyStatus.FAILED, next_attempt_at=None, last_error="guest erased"
    )
    replies.update(recipient="erased", subject="", body="")
    ImportedReview.objects.filter(incoming_id__in=message_ids).update(author="", title="", text="")
    messages.update(sender="erased", sender_name="", subject="", body="", raw=b"", reply_to_ids="")
    ChannelIdentity.objects.filter(guest=guest).delete()


def connect() -> None:
    from anymail.signals import inbound

    inbound.connect(anymail_inbound_received, dispatch_uid="complaints.channels.anymail_inbound")
    post_save.connect(_on_stay_saved, sender=Stay, dispatch_uid="complaints.channels.vip_arrival")
    guest_signals.guest_erased.connect(guest_erased_scrub, dispatch_uid="complaints.channels.guest_erased")
