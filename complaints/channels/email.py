"""Email in and out: MIME parsed defensively, the hotel mailbox polled over IMAP, replies threaded.

A staff reply carries its own Message-ID and In-Reply-To/References of the guest's message; the guest's
answer names ours in In-Reply-To, so `incoming_receive` puts it on the same case.
"""

import contextlib
import datetime as dt
import email
import email.errors
import email.header
import email.policy
import email.utils
import logging
import re
from email.message import Message
from html import unescape

from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.channels import content
from complaints.channels.intake import Attachment, IncomingInput, incoming_receive
from complaints.models import Channel, IncomingMessage, Mailbox, OutgoingReply
from hotel_crm.auth_context import CACHE_ERRORS
from hotel_crm.models import Property

log = logging.getLogger(__name__)

MAX_PARTS = 60
_MSGID = re.compile(r"<[^<>\s]{1,250}>")
# Bytes the parser could not read as ASCII, kept as surrogates (surrogateescape).
_RAW_8BIT = re.compile("[\udc80-\udcff]")
_ENCODED_WORD = re.compile(r"=\?[^?\s]{1,40}\?[bBqQ]\?[^?\s]{0,1000}\?=")
_FROM_LINE = re.compile(rb"^From:[ \t]*([^\r\n]{1,300})", re.MULTILINE | re.IGNORECASE)
FETCH_BATCH = 50
# A message larger than this (RFC822.SIZE) is not downloaded: its headers and a note wait for staff.
MAX_FETCH_BYTES = 25 * 1024 * 1024
# One poll of a mailbox at a time (beat every minute, a slow server): the lock expires after this.
POLL_LOCK_SECONDS = 10 * 60


# An HTML body is read up to this many characters (a text body is capped at 20,000 anyway).
MAX_HTML_CHARS = 500_000
_BLOCK_TAGS = frozenset(("br", "p", "div", "li", "tr"))
_TAG_NAME = re.compile(r"/?\s*([a-zA-Z][a-zA-Z0-9]{0,20})")
_SCRIPT_END = {name: re.compile(f"</{name}", re.IGNORECASE) for name in ("script", "style")}


def html_to_text(html: str) -> str:
    """An HTML body as plain text: comments, scripts and styles dropped, block tags as line breaks,
    entities decoded; we store and show text only.

    A scan with `str.find`, linear in the input (capped at MAX_HTML_CHARS): every search either consumes
    what it passed or ends the scan. HTMLParser took 80 s on `"<a " * 20000`.
    """
    html = html[:MAX_HTML_CHARS]
    out: list[str] = []
    i, n = 0, len(html)
    while i < n:
        lt = html.find("<", i)
        if lt < 0:
            out.append(html[i:])
            break
        out.append(html[i:lt])
        if html.startswith("<!--", lt):
            end = html.find("-->", lt + 4)
            i = n if end < 0 else end + 3
            continue
        following = html[lt + 1 : lt + 2]
        if not following or not (following.isascii() and (following.isalpha() or following in "/!?")):
            out.append("<")  # "a < b": text, not a tag
            i = lt + 1
            continue
        gt = html.find(">", lt + 1)
        if gt < 0:  # a tag never closed: the rest is markup
            break
        i = gt + 1
        inner = html[lt + 1 : gt]
        name_match = _TAG_NAME.match(inner)
        name = name_match.group(1).lower() if name_match and not inner.startswith("/") else ""  # start tags
        if name in _SCRIPT_END:
            close = _SCRIPT_END[name].search(html, i)
            end = html.find(">", close.end()) if close else -1
            i = n if end < 0 else end + 1
        elif name in _BLOCK_TAGS:
            out.append("\n")
    return re.sub(r"\n{3,}", "\n\n", unescape("".join(out)))


def _raw_8bit_header(message: Message, name: str) -> str | None:
    """A header written in raw 8-bit text (no RFC 2047 encoding: some Chinese mail clients send GBK
    as is) decoded like a body without a charset: UTF-8, else GB18030. None if the header is plain
    ASCII or absent (the policy's own decoding, encoded words included, is right for those)."""
    for key, value in message.raw_items():
        if key.lower() != name.lower():
            continue
        if not isinstance(value, str) or not _RAW_8BIT.search(value):
            return None
        data = re.sub(r"\r?\n(?=[ \t])", "", value).encode("utf-8", "surrogateescape")
        text = content.decode_bytes(data)
        return _ENCODED_WORD.sub(_decoded_word, text).strip()  # an encoded word next to the raw text
    return None


def _decoded_word(found: re.Match[str]) -> str:
    word = found.group(0)
    with contextlib.suppress(ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        return "".join(
            part.decode(charset or "ascii", errors="replace") if isinstance(part, bytes) else part
            for part, charset in email.header.decode_header(word)
        )
    return word


def _header(message: Message, name: str) -> str:
    decoded = _raw_8bit_header(message, name)
    if decoded is not None:
        return decoded
    try:
        value = message.get(name)
        return str(value) if value is not None else ""
    except (ValueError, TypeError, LookupError, IndexError, AttributeError):  # a malformed header
        raw = message.get_all(name, failobj=[""]) if hasattr(message, "get_all") else [""]
        return str(raw[0]) if raw else ""


def _filename(part: Message) -> str | None:
    """The attachment's name; one written in raw 8-bit text (GBK) is read like such a header."""
    for name, param in (("Content-Disposition", "filename"), ("Content-Type", "name")):
        decoded = _raw_8bit_header(part, name)
        if decoded is not None:
            with contextlib.suppress(ValueError, TypeError, LookupError, IndexError, AttributeError):
                value = email.policy.default.header_factory(name, decoded).params.get(param)
                if value:
                    return str(value)
    try:
        return part.get_filename()
    except (ValueError, TypeError, LookupError, IndexError, AttributeError):  # a malformed header
        return None


def _payload_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = content.decode_bytes(payload, part.get_content_charset())
    return html_to_text(text) if part.get_content_type() == "text/html" else text


def _parts(message: Message) -> tuple[str, list[Attachment]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for n, part in enumerate(message.walk()):
        if n >= MAX_PARTS:
            break
        if part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").lower()
        kind = part.get_content_type()
        if disposition == "attachment" or not kind.startswith("text/"):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                attachments.append(Attachment(_filename(part) or "attachment", kind, data))
        elif kind == "text/plain":
            plain.append(_payload_text(part))
        elif kind == "text/html":
            html.append(_payload_text(part))
    return "\n\n".join(plain or html), attachments


def email_parse(raw: bytes, *, received_at: dt.datetime | None = None) -> IncomingInput:
    """A raw RFC 5322 message as an intake input; whatever is malformed is read as far as it goes.

    `received_at`: when it arrived (None: when it is stored).
    """
    message = email.message_from_bytes(raw, policy=email.policy.default)
    name, address = email.utils.parseaddr(_header(message, "From"))
    body, attachments = _parts(message)
    threading = f"{_header(message, 'In-Reply-To')} {_header(message, 'References')}"
    message_id = _MSGID.search(_header(message, "Message-ID"))
    return IncomingInput(
        channel=Channel.EMAIL,
        external_id=message_id.group(0) if message_id else "",
        sender=address.lower() or name or "?",
        sender_name=name,
        subject=_header(message, "Subject"),
        body=body,
        raw=raw,
        # When it reached us (IMAP's INTERNALDATE, the webhook's call), never the sender's Date header: a
        # backdated Date would make the case look reported long ago and fire its reminders at once.
        received_at=received_at,
        reply_to_ids=list(dict.fromkeys(_MSGID.findall(threading)))[-20:],
        attachments=attachments,
    )


def _unreadable_sender(raw: bytes) -> str:
    """Best effort for staff: the From line's address of a message that could not be parsed."""
    found = _FROM_LINE.search(raw[:65536])
    if not found:
        return "?"
    name, address = email.utils.parseaddr(found.group(1).decode("utf-8", errors="replace"))
    return address.lower() or name or "?"


def email_receive(
    *,
    prop: Property,
    raw: bytes,
    received_at: dt.datetime | None = None,
    fallback_id: str = "",
    now: dt.datetime | None = None,
    too_large: int = 0,
) -> tuple[IncomingMessage, bool]:
    """Parse and store one raw email. One that cannot be read or stored (a MIME bomb, bytes the database
    refuses) is kept as an unreadable item with its original, for staff to look at: one bad message must
    not stop the ones after it. Database outages are raised (the poll or the webhook is retried).
    `too_large`: only the headers were fetched, the message has that many bytes.
    """
    try:
        with transaction.atomic():
            data = email_parse(raw, received_at=received_at)
            if too_large:
                data.body = _("This message (%(size)s MB) is over the size limit and was not fetched.") % {
                    "size": round(too_large / 1024 / 1024, 1)
                }
                data.attachments = []
            if not data.external_id and fallback_id:  # no Message-ID: the service's id keeps it idempotent
                data.external_id = fallback_id
            return incoming_receive(prop=prop, data=data, now=now)
    except (OperationalError, InterfaceError):
        raise
    except Exception:  # the content's fault, not ours: it would fail the same way every time
        log.warning("An email for %s could not be read; kept as unreadable", prop, exc_info=True)
    return incoming_receive(
        prop=prop,
        data=IncomingInput(
            channel=Channel.EMAIL,
            external_id=fallback_id,  # "" -> the hash of the original
            sender=_unreadable_sender(raw),
            subject=_("(unreadable message)"),
            raw=raw,
            received_at=received_at,
        ),
        now=now,
    )


def mailbox_poll(*, mailbox_id: int, now: dt.datetime | None = None) -> int:
    """Fetch the mailbox's messages not seen yet (by UID) into the intake queue; returns how many were new.

    One poll per mailbox at a time (a lock in the cache); a poll already running makes this one a no-op.
    """
    mailbox = Mailbox.objects.select_related("property").get(pk=mailbox_id)
    if not (mailbox.is_active and mailbox.imap_host):
        return 0
    lock = f"complaints:mailbox_poll:{mailbox_id}"
    try:
        if not cache.add(lock, 1, timeout=POLL_LOCK_SECONDS):
            log.info("Mailbox %s is being polled already", mailbox_id)
            return 0
    except CACHE_ERRORS:  # no cache server: poll unlocked (a message stored twice is still one row)
        log.warning("No cache for the poll lock of mailbox %s", mailbox_id, exc_info=True)
    try:
        return _mailbox_fetch(mailbox, now)
    finally:
        try:
            cache.delete(lock)
        except CACHE_ERRORS:
            log.warning("Could not release the poll lock of mailbox %s", mailbox_id, exc_info=True)


def _mailbox_fetch(mailbox: Mailbox, now: dt.datetime | None) -> int:
    from imapclient import IMAPClient

    new = 0
    with IMAPClient(mailbox.imap_host, port=mailbox.imap_port, ssl=mailbox.imap_ssl, timeout=30) as client:
        client.login(mailbox.imap_username, mailbox.imap_password)
        info = client.select_folder(mailbox.imap_folder, readonly=True)
        validity = int(info.get(b"UIDVALIDITY", 0))
        last_uid = mailbox.last_uid if mailbox.uid_validity == validity else 0
        uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
        for start in range(0, len(uids), FETCH_BATCH):
            chunk = uids[start : start + FETCH_BATCH]
            sizes = client.fetch(chunk, ["RFC822.SIZE"])
            big = [uid for uid in chunk if int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0)) > MAX_FETCH_BYTES]
            small = [uid for uid in chunk if uid not in big]
            fetched = client.fetch(small, ["BODY.PEEK[]", "INTERNALDATE"]) if small else {}
            if big:
                fetched.update(client.fetch(big, ["BODY.PEEK[HEADER]", "INTERNALDATE"]))
            for uid in chunk:
                item = fetched.get(uid, {})
                raw = item.get(b"BODY[]") or item.get(b"BODY[HEADER]") or b""
                arrived = item.get(b"INTERNALDATE")
                if isinstance(arrived, dt.datetime) and timezone.is_naive(arrived):
                    arrived = timezone.make_aware(arrived)
                with transaction.atomic():
                    _message, created = email_receive(
                        prop=mailbox.property,
                        raw=raw,
                        received_at=arrived if isinstance(arrived, dt.datetime) else None,
                        now=now,
                        too_large=int(sizes[uid][b"RFC822.SIZE"]) if uid in big else 0,
                    )
                    new += created
                    Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=validity, last_uid=uid)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=now or timezone.now(), last_error="")
    return new


def mailboxes_poll(now: dt.datetime | None = None) -> int:
    """Beat: poll every active mailbox that has IMAP; one failing server does not stop the others."""
    new = 0
    for mailbox_id in (
        Mailbox.objects.filter(is_active=True).exclude(imap_host="").values_list("pk", flat=True)
    ):
        try:
            new += mailbox_poll(mailbox_id=mailbox_id, now=now)
        except SoftTimeLimitExceeded:
            raise
        except Exception as error:  # network, login, protocol: recorded on the mailbox, retried next beat
            log.warning("Polling mailbox %s failed: %s", mailbox_id, error)
            Mailbox.objects.filter(pk=mailbox_id).update(last_error=str(error)[:300])
    return new


def mailbox_for_recipients(addresses: list[str]) -> Mailbox | None:
    """The first address (in the order given) that is an active hotel mailbox, compared case-insensitively."""
    wanted = list(dict.fromkeys(a.strip().lower() for a in addresses if a and "@" in a))[:50]
    if not wanted:
        return None
    query = Q()
    for address in wanted:
        query |= Q(address__iexact=address)
    found = {
        m.address.lower(): m for m in Mailbox.objects.select_related("property").filter(query, is_active=True)
    }
    return next((found[a] for a in wanted if a in found), None)


def anymail_inbound_received(sender: object, event: object, esp_name: str = "", **kwargs: object) -> None:
    """django-anymail's normalised inbound signal: the message joins the queue of the hotel it was sent to."""
    message = getattr(event, "message", None)
    if message is None:
        return
    # The envelope recipient (where the mail server delivered it) first: To and Cc are the sender's words.
    envelope = getattr(message, "envelope_recipient", None) or ""
    recipients = [envelope, *(a.addr_spec for a in [*(message.to or []), *(message.cc or [])])]
    mailbox = mailbox_for_recipients(recipients)
    if mailbox is None:
        log.info("Inbound email via %s to %s: no hotel mailbox has that address", esp_name, recipients[:3])
        return
    try:
        raw = message.as_bytes()
    except (UnicodeError, LookupError, ValueError, TypeError):
        raw = message.as_string().encode("utf-8", errors="replace")
    event_id = getattr(event, "event_id", None)
    email_receive(
        prop=mailbox.property,
        raw=raw,
        received_at=timezone.now(),
        fallback_id=f"{esp_name}:{event_id}" if event_id else "",
    )


def reply_message(reply: OutgoingReply, mailbox: Mailbox | None) -> EmailMessage:
    """The email of a staff reply, threaded on the guest's message."""
    source = reply.incoming
    references = " ".join(
        [*(source.reply_to_ids.split() if source else []), *([source.external_id] if source else [])]
    )
    headers = {"Message-ID": reply.message_id}
    if source and source.external_id.startswith("<"):
        headers["In-Reply-To"] = source.external_id
        headers["References"] = references[-900:]
    return EmailMessage(
        subject=reply.subject,
        body=reply.body,
        from_email=mailbox.address if mailbox else None,
        to=[reply.recipient],
        headers=headers,
    )
