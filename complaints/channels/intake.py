"""One intake path for every channel: a message arrives once, waits in the queue, becomes or joins a case."""

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services
from complaints.case_primitives import case_event
from complaints.channels import content
from complaints.models import (
    Channel,
    ChannelIdentity,
    Complaint,
    EventKind,
    IncomingAttachment,
    IncomingMessage,
    IncomingStatus,
    OutgoingReply,
)
from guests.models import Guest
from hotel_crm.errors import DomainError, StaleRecord
from hotel_crm.models import Property

INTAKE_CHANNELS = (Channel.EMAIL, Channel.WECHAT, Channel.REVIEW_SITE)


class IntakeError(DomainError):
    """The intake item cannot be handled that way; the message is for the clerk."""


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class IncomingInput:
    """A message as a channel delivered it, before it is stored."""

    channel: str
    external_id: str
    sender: str
    raw: bytes
    body: str = ""
    sender_name: str = ""
    subject: str = ""
    received_at: dt.datetime | None = None
    reply_to_ids: Sequence[str] = ()
    attachments: list[Attachment] = field(default_factory=list)


def _thread_case(prop: Property, reply_to_ids: Sequence[str], sender: str) -> Complaint | None:
    """The case a reply belongs to: one of ours it answers, or an earlier message of the same thread.

    Only when it comes from whom that message was for or from: In-Reply-To and References are the sender's
    own words, and anyone who knows a Message-ID (a guest forwarding our reply) could name it. Anything
    else waits in the queue for staff.
    """
    ids = [i for i in reply_to_ids if i][:50]
    if not ids or not sender:
        return None
    reply = (
        OutgoingReply.objects.filter(message_id__in=ids, complaint__property=prop, recipient__iexact=sender)
        .select_related("complaint")
        .order_by("-pk")
        .first()
    )
    if reply is not None:
        return reply.complaint
    earlier = (
        IncomingMessage.objects.filter(
            property=prop, external_id__in=ids, complaint__isnull=False, sender__iexact=sender
        )
        .select_related("complaint")
        .order_by("-pk")
        .first()
    )
    return earlier.complaint if earlier else None


def _store_attachments(message: IncomingMessage, attachments: list[Attachment]) -> None:
    rows = []
    for n, item in enumerate(attachments):
        # A sender's Content-Type may hold NULs (PostgreSQL refuses them) and controls, and be any length.
        kind = content.clean_line(item.content_type, 200).split(";")[0].strip().lower()[:100]
        refused = (
            "too many attachments"
            if n >= content.ATTACHMENTS_PER_MESSAGE
            else content.attachment_refusal(item.filename, kind, item.data)
        )
        rows.append(
            IncomingAttachment(
                message=message,
                filename=content.safe_filename(item.filename),
                content_type=kind or "application/octet-stream",
                size=len(item.data),
                data=b"" if refused else item.data,
                refused=refused,
            )
        )
    IncomingAttachment.objects.bulk_create(rows)


@transaction.atomic
def incoming_receive(
    *, prop: Property, data: IncomingInput, now: dt.datetime | None = None
) -> tuple[IncomingMessage, bool]:
    """Store a message once per channel message id (a second delivery returns the first, False).

    A guest's reply to one of our replies (or to a message already on a case) joins that case at once.
    """
    now = now or timezone.now()
    if data.channel not in INTAKE_CHANNELS:
        raise IntakeError(_("Unknown channel."))
    raw, truncated = content.keep_raw(data.raw)
    external_id = (
        content.clean_line(data.external_id, 255) or "sha256:" + hashlib.sha256(data.raw).hexdigest()
    )
    existing = IncomingMessage.objects.filter(
        property=prop, channel=data.channel, external_id=external_id
    ).first()
    if existing is not None:
        return existing, False
    body = content.clean_text(data.body)
    subject = content.clean_line(data.subject)
    received = data.received_at or now
    if received > now + dt.timedelta(minutes=5):  # a sender's clock cannot put it in the future
        received = now
    message = IncomingMessage(
        property=prop,
        channel=data.channel,
        external_id=external_id,
        sender=content.clean_line(data.sender, 254) or "?",
        sender_name=content.clean_line(data.sender_name, content.MAX_NAME_CHARS),
        subject=subject,
        body=body,
        raw=raw,
        raw_truncated=truncated,
        language=content.guess_language(f"{subject}\n{body}"),
        received_at=received,
        reply_to_ids=" ".join(content.clean_line(i, 255) for i in data.reply_to_ids)[:4000],
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # the same delivery, at the same moment, in another process
        return IncomingMessage.objects.get(
            property=prop, channel=data.channel, external_id=external_id
        ), False
    _store_attachments(message, data.attachments)
    case = _thread_case(prop, data.reply_to_ids, message.sender)
    if case is not None:
        message.status, message.complaint, message.guest = IncomingStatus.ATTACHED, case, case.guest
        message.handled_at = now
        message.save(update_fields=["status", "complaint", "guest", "handled_at"])
        _timeline(case, message, actor=None)
    return message, True


def _timeline(complaint: Complaint, message: IncomingMessage, actor: User | None) -> None:
    case_event(
        complaint,
        EventKind.MESSAGE_IN,
        actor,
        note=(f"{message.subject}\n{message.body}" if message.subject else message.body)[:4000],
        data={"channel": message.channel, "incoming": message.pk, "sender": message.sender},
    )


def _lock(message: IncomingMessage, expected_version: int | None) -> IncomingMessage:
    locked = IncomingMessage.objects.select_for_update().get(pk=message.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleRecord(_("Someone else handled this message meanwhile. Reload the page."))
    if locked.status != IncomingStatus.NEW:
        raise IntakeError(_("This message was already handled."))
    return locked


def _confirm_guest(message: IncomingMessage, guest: Guest | None, actor: User) -> None:
    """Remember a confirmed WeChat id, so the next message from it matches the guest at once."""
    if guest is None or message.channel != Channel.WECHAT:
        return
    ChannelIdentity.objects.get_or_create(
        channel=Channel.WECHAT, identifier=message.sender, defaults={"guest": guest, "confirmed_by": actor}
    )


def _finish(message: IncomingMessage, status: str, actor: User, now: dt.datetime, **fields: object) -> None:
    for name, value in fields.items():
        setattr(message, name, value)
    message.status, message.handled_by, message.handled_at = status, actor, now
    message.version += 1
    message.save(update_fields=["status", "handled_by", "handled_at", "version", *fields])


@transaction.atomic
def incoming_to_case(
    *,
    message: IncomingMessage,
    actor: User,
    data: services.ComplaintInput,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Log a new case from the message: reported when it was received (a review: when logged), on its
    channel, the original kept; it occurred no later than it was received (a review: posted)."""
    now = now or timezone.now()
    message = _lock(message, expected_version)
    data.channel = message.channel
    # Reported when it reached us; a review only now, when staff log it (it may have been posted months
    # ago, and a report time in the past would fire the case's reminders and escalations at once).
    data.reported_at = now if message.channel == Channel.REVIEW_SITE else min(message.received_at, now)
    if data.occurred_at is None or data.occurred_at > message.received_at:
        data.occurred_at = message.received_at
    complaint = services.complaint_log(
        prop=message.property, actor=actor, data=data, submission_key=f"incoming:{message.pk}", now=now
    )
    _timeline(complaint, message, actor)
    _confirm_guest(message, complaint.guest, actor)
    _finish(
        message,
        IncomingStatus.CASE_CREATED,
        actor,
        now,
        complaint=complaint,
        guest=complaint.guest,
        guest_confirmed=complaint.guest is not None,
    )
    return complaint


@transaction.atomic
def incoming_attach(
    *,
    message: IncomingMessage,
    complaint: Complaint,
    actor: User,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Add the message to an existing case of the same hotel (its timeline keeps the guest's words)."""
    now = now or timezone.now()
    message = _lock(message, expected_version)
    if complaint.property_id != message.property_id:
        raise IntakeError(_("That case belongs to another hotel."))
    _timeline(complaint, message, actor)
    _confirm_guest(message, complaint.guest, actor)
    _finish(
        message,
        IncomingStatus.ATTACHED,
        actor,
        now,
        complaint=complaint,
        guest=complaint.guest,
        guest_confirmed=complaint.guest is not None,
    )
    return complaint


@transaction.atomic
def incoming_dismiss(
    *,
    message: IncomingMessage,
    actor: User,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> IncomingMessage:
    """Not a complaint (spam, a thank-you): out of the queue, kept for the record."""
    now = now or timezone.now()
    message = _lock(message, expected_version)
    _finish(message, IncomingStatus.DISMISSED, actor, now)
    return message
