"""Email: a real IMAP server (Debian's dovecot, started by the tests), threaded replies, anymail."""

import base64
import json
from email.message import EmailMessage

import pytest
from django.core import mail
from imapclient import IMAPClient

from complaints import channels, services
from complaints.models import (
    Channel,
    ComplaintEvent,
    EventKind,
    IncomingAttachment,
    IncomingMessage,
    IncomingStatus,
    Mailbox,
    OutgoingReply,
    OutgoingReplyStatus,
)
from tests import factories

pytestmark = pytest.mark.django_db


def _guest_email(
    message_id: str, body: str, *, subject="Air conditioning broken", in_reply_to: str = ""
) -> bytes:
    message = EmailMessage()
    message["From"] = "Li Na <li.na@guest.example>"
    message["To"] = "frontoffice@sha.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Mon, 07 Dec 2026 01:05:00 +0800"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    return message.as_bytes()


@pytest.fixture
def imap_mailbox(sha, dovecot):
    """The hotel mailbox, on the real IMAP server, emptied for this test."""
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(dovecot.user, dovecot.password)
        client.select_folder("INBOX")
        if uids := client.search(["ALL"]):
            client.delete_messages(uids)
            client.expunge()
    return Mailbox.objects.create(
        property=sha,
        address="frontoffice@sha.example",
        imap_host=dovecot.host,
        imap_port=dovecot.port,
        imap_ssl=False,
        imap_username=dovecot.user,
        imap_password=dovecot.password,
    )


def _deliver(dovecot, raw: bytes) -> None:
    """Put a message in the hotel mailbox as the mail server would (IMAP APPEND)."""
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(dovecot.user, dovecot.password)
        client.append("INBOX", raw)


def test_an_email_in_the_hotel_mailbox_becomes_an_intake_item_once(dovecot, imap_mailbox):
    # Given a guest's email in the hotel mailbox on a real IMAP server
    raw = _guest_email("<guest-1@guest.example>", "The air conditioning in 2101 is broken. It is 1 a.m.")
    _deliver(dovecot, raw)
    # When beat polls the mailbox
    assert channels.mailboxes_poll() == 1
    # Then one intake item holds the email, its raw bytes unchanged
    message = IncomingMessage.objects.get()
    assert (message.channel, message.sender, message.sender_name) == (
        Channel.EMAIL,
        "li.na@guest.example",
        "Li Na",
    )
    assert message.subject == "Air conditioning broken"
    assert "2101 is broken" in message.body
    assert bytes(message.raw).replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert message.status == IncomingStatus.NEW
    # And polling again (or after the UID watermark is lost) adds nothing
    assert channels.mailboxes_poll() == 0
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(last_uid=0)
    assert channels.mailboxes_poll() == 0
    assert IncomingMessage.objects.count() == 1


def test_a_staff_reply_threads_and_the_guest_answer_joins_the_same_case(dovecot, imap_mailbox, clerk):
    # Given a case logged from a guest's email that came in over IMAP
    _deliver(dovecot, _guest_email("<guest-2@guest.example>", "No hot water in room 1808."))
    channels.mailboxes_poll()
    message = IncomingMessage.objects.get()
    department = factories.make_department(imap_mailbox.property, "engineering")
    case = channels.incoming_to_case(
        message=message,
        actor=clerk,
        data=services.ComplaintInput(
            guest_words=message.body, department=department, complainant_name="Li Na"
        ),
    )
    # When staff reply from the case
    reply = channels.reply_send(
        complaint=case, actor=clerk, body="We are so sorry. An engineer is on the way."
    )
    channels.reply_deliver(reply_id=reply.pk)
    # Then the email goes out threaded on the guest's message
    reply.refresh_from_db()
    assert reply.status == OutgoingReplyStatus.SENT
    sent = mail.outbox[-1]
    assert sent.to == ["li.na@guest.example"]
    assert sent.from_email == "frontoffice@sha.example"
    assert sent.subject == "Re: Air conditioning broken"
    headers = sent.message()
    assert headers["Message-ID"] == reply.message_id
    assert headers["In-Reply-To"] == "<guest-2@guest.example>"
    assert "<guest-2@guest.example>" in headers["References"]
    # When the guest answers that email (their mail program sets In-Reply-To to our Message-ID)
    _deliver(
        dovecot,
        _guest_email(
            "<guest-3@guest.example>",
            "Thank you, it works now.",
            subject="Re: Air",
            in_reply_to=reply.message_id,
        ),
    )
    assert channels.mailboxes_poll() == 1
    # Then the answer is attached to the same case at once, not left in the queue
    answer = IncomingMessage.objects.get(external_id="<guest-3@guest.example>")
    assert answer.status == IncomingStatus.ATTACHED and answer.complaint == case
    notes = list(
        ComplaintEvent.objects.filter(complaint=case, kind=EventKind.MESSAGE_IN).values_list(
            "note", flat=True
        )
    )
    assert any("it works now" in note for note in notes)
    assert ComplaintEvent.objects.filter(complaint=case, kind=EventKind.MESSAGE_OUT).count() == 1


def test_a_mailbox_that_cannot_be_reached_records_the_error_and_others_still_poll(sha, dovecot, imap_mailbox):
    Mailbox.objects.create(
        property=sha, address="closed@sha.example", imap_host="127.0.0.1", imap_port=1, imap_ssl=False
    )
    _deliver(dovecot, _guest_email("<guest-4@guest.example>", "Hello"))
    assert channels.mailboxes_poll() == 1
    assert Mailbox.objects.get(address="closed@sha.example").last_error


def test_a_reply_needs_a_case_that_came_from_a_channel(sha, clerk):
    case = factories.log_case(sha, clerk)
    with pytest.raises(channels.IntakeError):
        channels.reply_send(complaint=case, actor=clerk, body="Hello")
    assert not OutgoingReply.objects.exists()


# --- django-anymail's inbound webhooks (Postmark's format here; every service gives the same signal) ---


def _postmark(raw: bytes | None = None, **fields):
    payload = {
        "FromFull": {"Email": "wang@guest.example", "Name": "Wang Wei"},
        "ToFull": [{"Email": "frontoffice@sha.example", "Name": ""}],
        "Subject": "Breakfast was cold",
        "TextBody": "The breakfast buffet was cold this morning.",
        "MessageID": "0f1e2d3c-postmark",
        "Headers": [{"Name": "Message-ID", "Value": "<pm-1@guest.example>"}],
        "Attachments": [],
        **fields,
    }
    if raw is not None:
        payload["RawEmail"] = raw.decode()
    return json.dumps(payload)


def _auth(user="mailsvc", password="inbound-secret"):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "mailsvc:inbound-secret"}


def test_an_anymail_inbound_webhook_creates_an_intake_item(client, mailbox, webhook_secret):
    # When the mail service posts an inbound email addressed to the hotel's mailbox
    response = client.post(
        "/channels/postmark/inbound/", _postmark(), content_type="application/json", **_auth()
    )
    # Then it is accepted and waits in that hotel's intake queue
    assert response.status_code == 200
    message = IncomingMessage.objects.get()
    assert message.property == mailbox.property
    assert (message.sender, message.subject) == ("wang@guest.example", "Breakfast was cold")
    assert "buffet was cold" in message.body
    # And the service retrying the same delivery adds nothing
    client.post("/channels/postmark/inbound/", _postmark(), content_type="application/json", **_auth())
    assert IncomingMessage.objects.count() == 1


def test_an_inbound_webhook_without_the_secret_is_refused(client, mailbox, webhook_secret):
    response = client.post(
        "/channels/postmark/inbound/", _postmark(), content_type="application/json", **_auth(password="wrong")
    )
    assert response.status_code in (400, 401, 403)
    assert not IncomingMessage.objects.exists()


def test_an_inbound_email_to_an_unknown_address_is_dropped(client, mailbox, webhook_secret):
    payload = _postmark(ToFull=[{"Email": "someone@else.example", "Name": ""}])
    response = client.post("/channels/postmark/inbound/", payload, content_type="application/json", **_auth())
    assert response.status_code == 200
    assert not IncomingMessage.objects.exists()


# --- One bad email must not block a mailbox: kept as an unreadable item, the poll moves past it ---


def _nested(depth: int = 1000, message_id: str = "<deep@x.example>") -> bytes:
    """A MIME bomb: multipart inside multipart, `depth` levels (Python's parser recurses per level)."""
    head = f"From: Mallory <mallory@x.example>\r\nTo: frontoffice@sha.example\r\nMessage-ID: {message_id}\r\n"
    levels = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth)
    )
    return (head + levels + "Content-Type: text/plain\r\n\r\nhi\r\n").encode()


def _nul_content_type() -> bytes:
    return (
        b"From: a@x.example\r\nTo: frontoffice@sha.example\r\nMessage-ID: <nul@x.example>\r\n"
        b'Content-Type: multipart/mixed; boundary="z"\r\n'
        b"\r\n--z\r\nContent-Type: text/plain\r\n\r\nThe room was dirty.\r\n--z\r\n"
        b"Content-Type: image/png\x00" + b"x" * 300 + b'\r\nContent-Disposition: attachment; filename="a.png"'
        b"\r\n\r\nxx\r\n--z--\r\n"
    )


def test_a_mime_bomb_is_kept_as_unreadable_and_the_next_email_still_arrives(dovecot, imap_mailbox):
    # Given a message Python's MIME parser cannot read, then a guest's ordinary email
    bomb = _nested()
    _deliver(dovecot, bomb)
    _deliver(dovecot, _guest_email("<after-bomb@guest.example>", "The lift is broken."))
    # When beat polls the mailbox
    assert channels.mailboxes_poll() == 2
    # Then the bad one waits for staff as an unreadable item, its original kept, and the good one arrived
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error == ""
    unreadable = IncomingMessage.objects.get(subject="(unreadable message)")
    assert unreadable.status == IncomingStatus.NEW and unreadable.sender == "mallory@x.example"
    assert bytes(unreadable.raw).replace(b"\r\n", b"\n") == bomb.replace(b"\r\n", b"\n")
    assert "lift is broken" in IncomingMessage.objects.get(external_id="<after-bomb@guest.example>").body
    # And the watermark moved past both: polling again adds nothing, and losing it adds no duplicate
    assert channels.mailboxes_poll() == 0
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(last_uid=0)
    assert channels.mailboxes_poll() == 0
    assert IncomingMessage.objects.count() == 2


def test_an_attachment_type_with_nul_and_controls_is_cleaned_and_capped(sha):
    message, created = channels.incoming_receive(prop=sha, data=channels.email_parse(_nul_content_type()))
    assert created and "dirty" in message.body
    attachment = IncomingAttachment.objects.get(message=message)
    assert "\x00" not in attachment.content_type and len(attachment.content_type) <= 100
    assert attachment.content_type.startswith("image/png")


def test_the_webhook_answers_a_mime_bomb_without_a_500(client, mailbox, webhook_secret):
    response = client.post(
        "/channels/postmark/inbound/",
        _postmark(raw=_nested()),
        content_type="application/json",
        **_auth(),
    )
    assert response.status_code == 200


def test_the_webhook_keeps_an_email_with_a_nul_in_a_content_type(client, mailbox, webhook_secret):
    response = client.post(
        "/channels/postmark/inbound/",
        _postmark(raw=_nul_content_type()),
        content_type="application/json",
        **_auth(),
    )
    assert response.status_code == 200
    assert IncomingMessage.objects.filter(property=mailbox.property).count() == 1


def test_a_message_over_the_size_limit_is_not_downloaded_its_headers_wait_for_staff(
    dovecot, imap_mailbox, monkeypatch
):
    monkeypatch.setattr("complaints.channels.email.MAX_FETCH_BYTES", 20_000)
    _deliver(dovecot, _guest_email("<huge@guest.example>", "x" * 50_000))
    _deliver(dovecot, _guest_email("<small@guest.example>", "The lift is broken."))
    assert channels.mailboxes_poll() == 2
    huge = IncomingMessage.objects.get(external_id="<huge@guest.example>")
    assert (huge.sender, huge.subject) == ("li.na@guest.example", "Air conditioning broken")
    assert "over the size limit" in huge.body and "xxxx" not in huge.body
    assert len(bytes(huge.raw)) < 2_000  # the headers only
    assert "lift is broken" in IncomingMessage.objects.get(external_id="<small@guest.example>").body


def test_a_mailbox_being_polled_is_not_polled_again_at_the_same_time(dovecot, imap_mailbox):
    from django.core.cache import cache

    _deliver(dovecot, _guest_email("<locked@guest.example>", "Hello"))
    lock = f"complaints:mailbox_poll:{imap_mailbox.pk}"
    cache.add(lock, 1, timeout=60)  # another worker's poll is running
    try:
        assert channels.mailbox_poll(mailbox_id=imap_mailbox.pk) == 0
        assert not IncomingMessage.objects.exists()
    finally:
        cache.delete(lock)
    assert channels.mailbox_poll(mailbox_id=imap_mailbox.pk) == 1
    assert cache.add(lock, 1, timeout=1)  # and the poll released its lock
    cache.delete(lock)


def test_a_webhook_email_is_received_when_it_arrives_not_at_its_date_header(client, mailbox, webhook_secret):
    from django.utils import timezone

    raw = (
        b"From: wang@guest.example\r\nTo: frontoffice@sha.example\r\nMessage-ID: <old@guest.example>\r\n"
        b"Date: Mon, 01 Dec 2025 08:00:00 +0800\r\nSubject: Cold\r\n\r\nThe room is cold."
    )
    before = timezone.now()
    response = client.post(
        "/channels/postmark/inbound/", _postmark(raw=raw), content_type="application/json", **_auth()
    )
    assert response.status_code == 200
    assert IncomingMessage.objects.get().received_at >= before


def test_inbound_mail_goes_to_the_mailbox_it_was_delivered_to_whatever_the_case(
    client, sha, hgh, webhook_secret
):
    Mailbox.objects.create(property=sha, address="frontoffice@sha.example")
    hangzhou = Mailbox.objects.create(property=hgh, address="guest.relations@hgh.example")
    # Delivered to Hangzhou's mailbox (the envelope), though To names Shanghai's, in other letter case
    payload = _postmark(
        OriginalRecipient="Guest.Relations@HGH.example",
        ToFull=[{"Email": "FrontOffice@SHA.example", "Name": ""}],
    )
    assert (
        client.post(
            "/channels/postmark/inbound/", payload, content_type="application/json", **_auth()
        ).status_code
        == 200
    )
    assert IncomingMessage.objects.get().property == hangzhou.property
    # Without an envelope recipient, To is matched without regard to case
    payload = _postmark(
        ToFull=[{"Email": "FrontOffice@SHA.example", "Name": ""}],
        Headers=[{"Name": "Message-ID", "Value": "<pm-2@guest.example>"}],
        MessageID="second",
    )
    client.post("/channels/postmark/inbound/", payload, content_type="application/json", **_auth())
    assert IncomingMessage.objects.get(external_id="<pm-2@guest.example>").property == sha
