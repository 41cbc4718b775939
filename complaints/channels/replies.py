"""Staff replies to the guest where the case came from: email (threaded) or WeChat customer service."""

import datetime as dt
import logging
from email.utils import make_msgid

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.case_primitives import case_event
from complaints.channels import content
from complaints.channels.email import reply_message
from complaints.channels.intake import IntakeError
from complaints.channels.wechat import WeChatError, customer_service_send
from complaints.models import (
    Channel,
    Complaint,
    EventKind,
    IncomingMessage,
    IncomingStatus,
    Mailbox,
    OutgoingReply,
    OutgoingReplyStatus,
    WeChatAccount,
)
from complaints.task_publish import publish_on_commit

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE = dt.timedelta(minutes=2)  # a claimed reply comes back if its worker died mid-send
RETRY = dt.timedelta(minutes=1)
REPLY_CHANNELS = (Channel.EMAIL, Channel.WECHAT)


def reply_source(complaint: Complaint) -> IncomingMessage | None:
    """The guest's latest message on the case from a channel we can answer on.

    The guest is who wrote the message the case was logged from (else the case's first message): a later
    message on the case may be someone else's (staff attach what they judge belongs there), and the reply
    must not go to them.
    """
    messages = IncomingMessage.objects.filter(complaint=complaint, channel__in=REPLY_CHANNELS)
    origin = (
        messages.filter(status=IncomingStatus.CASE_CREATED).order_by("pk").first()
        or messages.order_by("received_at", "pk").first()
    )
    if origin is None:
        return None
    return (
        messages.filter(channel=origin.channel, sender__iexact=origin.sender)
        .order_by("-received_at", "-pk")
        .first()
    ) or origin


def _domain(prop_mailbox: Mailbox | None) -> str:
    return prop_mailbox.address.rsplit("@", 1)[1] if prop_mailbox else "hotel-crm.invalid"


def reply_send(*, complaint: Complaint, actor: User, body: str, submission_key: str = "") -> OutgoingReply:
    """Queue a reply to the guest where they wrote from; the timeline records it.

    The same `submission_key` twice (a double click, a resend after a timeout) returns the first reply
    and queues nothing more: the guest gets one message. Two requests racing past the check meet the
    unique key; the loser's transaction rolls back whole and it returns the winner's reply.
    """
    try:
        return _reply_send(complaint=complaint, actor=actor, body=body, submission_key=submission_key)
    except IntegrityError:
        existing = _sent_with(complaint, submission_key)
        if existing is None:
            raise
        return existing


def _sent_with(complaint: Complaint, submission_key: str) -> OutgoingReply | None:
    if not submission_key:
        return None
    return OutgoingReply.objects.filter(complaint=complaint, submission_key=submission_key).first()


@transaction.atomic
def _reply_send(*, complaint: Complaint, actor: User, body: str, submission_key: str) -> OutgoingReply:
    existing = _sent_with(complaint, submission_key)
    if existing is not None:
        return existing
    text = content.clean_text(body, 4000)
    if not text:
        raise IntakeError(_("Write the reply."))
    source = reply_source(complaint)
    if source is None:
        raise IntakeError(_("This case did not come by email or WeChat: there is nobody to reply to."))
    mailbox = Mailbox.objects.filter(property_id=complaint.property_id, is_active=True).first()
    subject = ""
    message_id = ""
    if source.channel == Channel.EMAIL:
        original = source.subject or complaint.reference
        subject = original if original.lower().startswith("re:") else f"Re: {original}"
        message_id = make_msgid(idstring=f"{complaint.reference}", domain=_domain(mailbox))
    reply = OutgoingReply.objects.create(
        next_attempt_at=timezone.now(),
        complaint=complaint,
        incoming=source,
        channel=source.channel,
        recipient=source.sender,
        subject=subject[:300],
        body=text,
        message_id=message_id,
        sent_by=actor,
        submission_key=submission_key,
    )
    case_event(
        complaint,
        EventKind.MESSAGE_OUT,
        actor,
        note=text,
        data={"channel": source.channel, "reply": reply.pk},
    )
    publish_on_commit("complaints.outgoing_reply_deliver", reply.pk)
    return reply


def reply_deliver(*, reply_id: int, now: dt.datetime | None = None) -> OutgoingReply | None:
    """Send one pending reply (email or WeChat) and record the outcome; safe to run twice."""
    now = now or timezone.now()
    with transaction.atomic():
        reply = (
            OutgoingReply.objects.select_for_update(of=("self",))
            .select_related("complaint", "incoming")
            .filter(pk=reply_id, status=OutgoingReplyStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if reply is None:
            return None
        reply.attempts += 1
        reply.next_attempt_at = now + LEASE
        reply.save(update_fields=["attempts", "next_attempt_at"])
    error = ""
    try:
        if reply.channel == Channel.EMAIL:
            mailbox = Mailbox.objects.filter(property_id=reply.complaint.property_id, is_active=True).first()
            reply_message(reply, mailbox).send()
        else:
            account = WeChatAccount.objects.filter(
                property_id=reply.complaint.property_id, is_active=True
            ).first()
            if account is None:
                raise WeChatError("no WeChat account")
            customer_service_send(account=account, openid=reply.recipient, text=reply.body)
    except (WeChatError, OSError) as failure:
        error = str(failure)[:300]
        log.info("Reply %s to the guest failed: %s", reply.pk, error)
    if error:
        reply.last_error = error
        reply.next_attempt_at = now + RETRY * reply.attempts
        if reply.attempts >= MAX_ATTEMPTS:
            reply.status = OutgoingReplyStatus.FAILED
    else:
        reply.status, reply.sent_at, reply.last_error = OutgoingReplyStatus.SENT, now, ""
    reply.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
    return reply


def replies_due(*, now: dt.datetime | None = None, limit: int = 200) -> list[int]:
    """Pending replies whose time has come: a failure to retry, a message the broker lost."""
    now = now or timezone.now()
    return list(
        OutgoingReply.objects.filter(status=OutgoingReplyStatus.PENDING, next_attempt_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
