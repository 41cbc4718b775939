"""WeChat Official Account customer-service messages, to the documented protocol (ADR 0020).

- Signature: SHA-1 of the sorted token, timestamp and nonce (plaintext mode), and for the encrypted mode
  also of the `Encrypt` element (`msg_signature`).
- Encrypted (safe) mode: AES-256-CBC, key = Base64(EncodingAESKey + "="), IV = the key's first 16 bytes,
  PKCS#7 padding to 32 bytes; the plaintext is 16 random bytes, the XML's length (4 bytes, big-endian),
  the XML, then the AppID, which must be ours.
- The five-second rule: the callback checks the signature, hands the message to Celery and answers
  "success" at once; the worker stores it (`wechat_message_process`).
- Replies go through the customer-service message API (`/cgi-bin/message/custom/send`) with an access
  token from `/cgi-bin/token`, at the account's API address (a local stand-in in tests).
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
import struct
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from complaints.channels import content
from complaints.channels.intake import Attachment, IncomingInput, incoming_receive
from complaints.models import Channel, IncomingMessage, WeChatAccount
from hotel_crm.auth_context import CACHE_ERRORS
from hotel_crm.inputs import as_number

MAX_CALLBACK_BYTES = 64 * 1024
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
BLOCK = 32
ACCEPTED_TYPES = ("text", "image")
# A plaintext callback's (timestamp, nonce) is refused a second time within this window (replay).
REPLAY_WINDOW_SECONDS = 10 * 60
_ENCRYPT = re.compile(r"<Encrypt>\s*(?:<!\[CDATA\[)?([A-Za-z0-9+/=]{1,65536})(?:\]\]>)?\s*</Encrypt>")
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]{0,200}\?>")

log = logging.getLogger(__name__)


class WeChatError(Exception):
    """A callback that is refused: bad signature, stale, undecryptable or malformed."""


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode(), usedforsecurity=True).hexdigest()  # noqa: S324 (the protocol's)


def signature_valid(expected: str, *parts: str) -> bool:
    # Bytes: compare_digest raises TypeError for a str that is not ASCII (anyone could send one).
    return hmac.compare_digest(
        sha1_signature(*parts).encode(), (expected or "").lower().encode("utf-8", "replace")
    )


def _key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (ValueError, TypeError) as error:
        raise WeChatError("bad EncodingAESKey") from error
    if len(key) != 32:
        raise WeChatError("bad EncodingAESKey")
    return key


def decrypt(encrypted: str, *, encoding_aes_key: str, app_id: str) -> bytes:
    """The XML inside an `Encrypt` element; WeChatError when it was not made with our key and AppID."""
    key = _key(encoding_aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (ValueError, TypeError) as error:
        raise WeChatError("not Base64") from error
    if not data or len(data) % 16:
        raise WeChatError("bad ciphertext length")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or len(plain) < 20 + pad:
        raise WeChatError("bad padding")
    plain = plain[:-pad]
    (length,) = struct.unpack(">I", plain[16:20])
    xml, tail = plain[20 : 20 + length], plain[20 + length :]
    if len(xml) != length or not hmac.compare_digest(tail, app_id.encode()):
        raise WeChatError("not for this AppID")
    return xml


def encrypt(xml: bytes, *, encoding_aes_key: str, app_id: str, random16: bytes | None = None) -> str:
    """The `Encrypt` value for a passive reply (the protocol's other direction)."""
    key = _key(encoding_aes_key)
    plain = (random16 or os.urandom(16)) + struct.pack(">I", len(xml)) + xml + app_id.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def parse_xml(data: bytes) -> dict[str, str]:
    """The message's top-level elements as text; UTF-8 only, no DTD, no entities, a size limit.

    WeChat sends UTF-8. The bytes must decode as UTF-8 with no NUL (so no UTF-16, whose every ASCII
    character has one), the check for a DTD is made on the decoded text, and the parser is given that text
    without its XML declaration, so no declared encoding can make it read something else.
    """
    if len(data) > MAX_CALLBACK_BYTES:
        raise WeChatError("too large")
    if b"\x00" in data:
        raise WeChatError("not UTF-8 XML")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WeChatError("not UTF-8 XML") from error
    text = _XML_DECLARATION.sub("", text.removeprefix("\ufeff"), count=1)
    upper = text.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise WeChatError("DTDs are not accepted")
    try:
        root = ET.fromstring(text)  # noqa: S314 (checked above)
    except (ET.ParseError, ValueError) as error:
        raise WeChatError("malformed XML") from error
    return {child.tag: (child.text or "") for child in root}


def _first_use(account: WeChatAccount, timestamp: str, nonce: str) -> bool:
    """True the first time this (timestamp, nonce) is seen for the account within the replay window."""
    try:
        return bool(cache.add(f"wechat:nonce:{account.pk}:{timestamp}:{nonce}", 1, REPLAY_WINDOW_SECONDS))
    except CACHE_ERRORS:  # no cache server: the MsgId still stores a replayed message once
        log.warning("No cache to check WeChat replays", exc_info=True)
        return True


@dataclass
class Callback:
    """A verified callback: the message's XML in plain text, ready for the worker."""

    xml: bytes
    fields: dict[str, str]


def callback_open(
    *, account: WeChatAccount, query: dict[str, str], body: bytes, now: dt.datetime | None = None
) -> Callback:
    """Check a POSTed callback (both modes) and return its plaintext; WeChatError to refuse it."""
    now = now or timezone.now()
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    sent = as_number(timestamp)
    if sent is None or abs(now.timestamp() - sent) > MAX_CLOCK_SKEW.total_seconds():
        raise WeChatError("stale or missing timestamp")
    if len(body) > MAX_CALLBACK_BYTES:
        raise WeChatError("too large")
    # The body is parsed only once the signature is right; for the encrypted mode the signature covers the
    # `Encrypt` element, read here as text (Base64) without parsing the XML.
    if query.get("encrypt_type") == "aes":
        found = _ENCRYPT.search(body.decode("utf-8", errors="replace"))
        encrypted = found.group(1) if found else ""
        if not account.encoding_aes_key or not encrypted:
            raise WeChatError("encrypted message without a key")
        if not signature_valid(query.get("msg_signature", ""), account.token, timestamp, nonce, encrypted):
            raise WeChatError("bad msg_signature")
        xml = decrypt(encrypted, encoding_aes_key=account.encoding_aes_key, app_id=account.app_id)
        return Callback(xml, parse_xml(xml))
    if account.encoding_aes_key:  # an account set up for the safe mode takes nothing in plaintext
        raise WeChatError("this account accepts encrypted messages only")
    if not signature_valid(query.get("signature", ""), account.token, timestamp, nonce):
        raise WeChatError("bad signature")
    # Plaintext: the signature covers only the timestamp and nonce, so a captured request could be sent
    # again with any body within the clock skew; each pair is taken once.
    if not _first_use(account, timestamp, nonce):
        raise WeChatError("replayed timestamp and nonce")
    return Callback(body, parse_xml(body))


def url_check(*, account: WeChatAccount, query: dict[str, str], now: dt.datetime | None = None) -> str:
    """The server-address check (GET): echo `echostr` when the signature is right."""
    now = now or timezone.now()
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    sent = as_number(timestamp)
    if sent is None or abs(now.timestamp() - sent) > MAX_CLOCK_SKEW.total_seconds():
        raise WeChatError("stale or missing timestamp")
    if not signature_valid(query.get("signature", ""), account.token, timestamp, nonce):
        raise WeChatError("bad signature")
    return content.clean_line(query.get("echostr", ""), 200)


# --- The WeChat API (a local stand-in in tests) ----------------------------------------------------


def _api(
    account: WeChatAccount, path: str, *, params: dict, body: dict | None = None, limit: int = 65536
) -> tuple[bytes, str]:
    url = f"{account.api_base_url.rstrip('/')}{path}?{urllib.parse.urlencode(params)}"
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (URLField: http/https only)
        url,
        data=data,
        method="POST" if data is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.API_WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.read(limit + 1), response.headers.get_content_type()
    except (TimeoutError, urllib.error.URLError, OSError, ValueError) as error:
        raise WeChatError(f"API unreachable: {getattr(error, 'reason', error)}") from error


def _json(data: bytes) -> dict:
    try:
        answer = json.loads(data)
    except ValueError as error:
        raise WeChatError("API answer is not JSON") from error
    if not isinstance(answer, dict):
        raise WeChatError("API answer is not an object")
    if answer.get("errcode"):
        raise WeChatError(f"API errcode {answer.get('errcode')}")
    return answer


def access_token(account: WeChatAccount, now: dt.datetime | None = None) -> str:
    """The account's access token, fetched again when it is missing or about to expire."""
    now = now or timezone.now()
    if account.access_token and account.access_token_expires_at and account.access_token_expires_at > now:
        return account.access_token
    answer = _json(
        _api(
            account,
            "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": account.app_id, "secret": account.app_secret},
        )[0]
    )
    token = str(answer.get("access_token", ""))
    if not token:
        raise WeChatError("no access token")
    expires = now + dt.timedelta(seconds=max(int(answer.get("expires_in", 7200)) - 300, 60))
    WeChatAccount.objects.filter(pk=account.pk).update(access_token=token, access_token_expires_at=expires)
    account.access_token, account.access_token_expires_at = token, expires
    return token


def customer_service_send(*, account: WeChatAccount, openid: str, text: str) -> None:
    """A text reply through the customer-service message API; WeChatError when it was not taken."""
    body = {"touser": openid, "msgtype": "text", "text": {"content": text[:2000]}}
    _json(
        _api(
            account, "/cgi-bin/message/custom/send", params={"access_token": access_token(account)}, body=body
        )[0]
    )


def _image(account: WeChatAccount, media_id: str) -> Attachment | None:
    """The image of an image message, through the temporary-media API, within the attachment limit."""
    try:
        data, kind = _api(
            account,
            "/cgi-bin/media/get",
            params={"access_token": access_token(account), "media_id": media_id},
            limit=content.ATTACHMENT_MAX_BYTES,
        )
    except WeChatError:
        return None
    if kind == "application/json" or kind.startswith("text/"):
        return None
    return Attachment(f"wechat-{media_id[:40]}.jpg", kind, data)


@transaction.atomic
def wechat_message_process(
    *, account_id: int, xml: bytes, now: dt.datetime | None = None
) -> IncomingMessage | None:
    """Store a verified message (text or image) in the intake queue; others (events) are ignored."""
    account = WeChatAccount.objects.select_related("property").get(pk=account_id)
    fields = parse_xml(xml)
    kind, msg_id = fields.get("MsgType", ""), fields.get("MsgId", "")
    if kind not in ACCEPTED_TYPES or not msg_id:
        return None
    # Known already (WeChat retries a slow answer three times): no second image fetch, no second row.
    existing = IncomingMessage.objects.filter(
        property=account.property, channel=Channel.WECHAT, external_id=msg_id
    ).first()
    if existing is not None:
        return existing
    attachments: list[Attachment] = []
    body = fields.get("Content", "")
    if kind == "image":
        image = _image(account, fields.get("MediaId", "")) if fields.get("MediaId") else None
        attachments = [image] if image else []
        body = body or "[image]"
    sent = fields.get("CreateTime", "")
    message, _created = incoming_receive(
        prop=account.property,
        data=IncomingInput(
            channel=Channel.WECHAT,
            external_id=msg_id,
            sender=fields.get("FromUserName", ""),
            body=body,
            raw=xml,
            received_at=_sent_at(sent),
            attachments=attachments,
        ),
        now=now,
    )
    return message


def _sent_at(value: str) -> dt.datetime | None:
    """The message's CreateTime (Unix seconds); None if it is not a plausible one."""
    seconds = as_number(value)
    if seconds is None or seconds > 2**34:  # past the year 2514: not a real time
        return None
    return dt.datetime.fromtimestamp(seconds, dt.UTC)
