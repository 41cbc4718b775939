"""Staff alerts to phones: a property's team-chat group robot (WeCom, or DingTalk with its HMAC sign).

`team_alert_send` is what other code calls (escalations, VIP arrivals with past complaints, unacknowledged
handovers). It writes an outbox row in the caller's transaction; Celery posts it after the commit and
retries with the API webhooks' backoff (30 s, 1, 2, 4 … min). Inside the hook's quiet hours (the hotel's
local time) an alert waits until they end, except an escalation, which goes at once (ADR 0020).
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints.models import TeamAlert, TeamAlertKind, TeamAlertStatus, TeamChatHook, TeamChatKind
from complaints.task_publish import publish_on_commit
from hotel_crm.models import Property

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(seconds=30)
LEASE = dt.timedelta(minutes=2)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, 4 min …"""
    return FIRST_RETRY * (2 ** max(attempts - 1, 0))


def quiet_until(hook: TeamChatHook, now: dt.datetime) -> dt.datetime | None:
    """When the hook's quiet hours end if `now` falls inside them (hotel time), else None."""
    start, end = hook.quiet_from, hook.quiet_until
    if start is None or end is None or start == end:
        return None
    tz = hook.property.tzinfo
    local = timezone.localtime(now, tz)
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=tz)


@transaction.atomic
def team_alert_send(
    *, prop: Property, kind: str, text: str, key: str, now: dt.datetime | None = None
) -> TeamAlert | None:
    """Queue an alert to the hotel's team chat; None without an active robot. Same `key` twice: one alert."""
    now = now or timezone.now()
    hook = TeamChatHook.objects.select_related("property").filter(property=prop, is_active=True).first()
    if hook is None:
        return None
    held = None if kind == TeamAlertKind.ESCALATION else quiet_until(hook, now)
    # One line per alert, no control characters: it lands in a chat group.
    clean = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:1000]
    alert, created = TeamAlert.objects.get_or_create(
        key=key[:120],
        defaults={"hook": hook, "kind": kind, "text": clean, "next_attempt_at": held or now},
    )
    if created and held is None:
        publish_on_commit("complaints.team_alert_deliver", alert.pk)
    return alert


def signed_url(hook: TeamChatHook, now: dt.datetime) -> str:
    """The robot URL; for DingTalk with a secret, with `timestamp` and `sign` (HMAC-SHA256, Base64) added."""
    if hook.kind != TeamChatKind.DINGTALK or not hook.secret:
        return hook.url
    timestamp = str(int(now.timestamp() * 1000))
    digest = hmac.new(hook.secret.encode(), f"{timestamp}\n{hook.secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in hook.url else "?"
    return f"{hook.url}{joiner}timestamp={timestamp}&sign={sign}"


def _claim(alert_id: int, now: dt.datetime) -> TeamAlert | None:
    with transaction.atomic():
        alert = (
            TeamAlert.objects.select_for_update(of=("self",))
            .select_related("hook__property")
            .filter(pk=alert_id, status=TeamAlertStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if alert is None:
            return None
        alert.next_attempt_at = now + LEASE
        alert.attempts += 1
        alert.save(update_fields=["next_attempt_at", "attempts"])
        return alert


def _post(alert: TeamAlert, now: dt.datetime) -> tuple[int | None, str]:
    body = json.dumps({"msgtype": "text", "text": {"content": alert.text}}, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (URLField: http/https only)
        signed_url(alert.hook, now),
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "hotel_crm-teamchat/1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.API_WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = response.read(4096)
            status = response.status
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, str(getattr(error, "reason", error))[:300]
    # Both robots answer 200 with {"errcode": 0} when the message was taken, another errcode when not.
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        return status, f"errcode {errcode}"
    return status, ""


def team_alert_deliver(*, alert_id: int, now: dt.datetime | None = None) -> TeamAlert | None:
    """Post one due alert once and record the outcome; None when it is not due (or not pending)."""
    now = now or timezone.now()
    alert = _claim(alert_id, now)
    if alert is None:
        return None
    code, error = _post(alert, now)
    alert.last_status_code = code
    if not error and code is not None and 200 <= code < 300:
        alert.status, alert.delivered_at, alert.last_error = TeamAlertStatus.DELIVERED, timezone.now(), ""
    else:
        alert.last_error = error or f"HTTP {code}"
        if alert.attempts >= MAX_ATTEMPTS:
            alert.status = TeamAlertStatus.FAILED
        else:
            alert.next_attempt_at = now + backoff(alert.attempts)
        log.info("Team-chat alert %s failed (%s)", alert.pk, alert.last_error)
    alert.save(update_fields=["status", "delivered_at", "last_error", "last_status_code", "next_attempt_at"])
    return alert


def team_alerts_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Pending alerts whose time has come: retries, alerts held over quiet hours, messages the broker lost."""
    now = now or timezone.now()
    return list(
        TeamAlert.objects.filter(status=TeamAlertStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
