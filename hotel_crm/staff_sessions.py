"""Staff sessions: tracked at login, timed out when idle or too old, ended server-side on demand.

The idle and absolute clocks live in the session itself (no query per request);
StaffSession rows list the sessions on the security page and let one staff
member's sessions be ended at once (logout elsewhere, deactivation).
"""

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone

from hotel_crm.audit import client_ip, user_agent
from hotel_crm.models import StaffSession

# Keys in the session.
AUTH_AT = "security.auth_at"
SEEN_AT = "security.seen_at"
MFA_STATE = "security.mfa"

# last_seen (in the session and in StaffSession) is written at most this often, not on every request.
SEEN_RESOLUTION_SECONDS = 60


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def staff_session_start(*, request: HttpRequest, user: User, mfa_state: str) -> None:
    """Stamp the new session's clocks and list it; call right after Django's login()."""
    now = timezone.now()
    request.session[AUTH_AT] = now.timestamp()
    request.session[SEEN_AT] = now.timestamp()
    request.session[MFA_STATE] = mfa_state
    if request.session.session_key is None:
        request.session.save()
    StaffSession.objects.filter(
        last_seen__lt=now - dt.timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)
    ).delete()
    StaffSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip": client_ip(request),
            "user_agent": user_agent(request),
            "created": now,
            "last_seen": now,
        },
    )


def staff_session_rekey(*, old_key: str | None, new_key: str) -> None:
    """Follow a session whose key was renewed (cycle_key after the second factor)."""
    if old_key:
        StaffSession.objects.filter(session_key=old_key).update(session_key=new_key)


def staff_session_touch(request: HttpRequest, now: dt.datetime) -> None:
    """Note activity, at most once a minute (a write per request would cost every page a query)."""
    request.session[SEEN_AT] = now.timestamp()
    StaffSession.objects.filter(session_key=request.session.session_key).update(last_seen=now)


def staff_session_forget(session_key: str | None) -> None:
    if session_key:
        StaffSession.objects.filter(session_key=session_key).delete()


def staff_sessions_end(*, user: User, keep_session_key: str | None = None) -> int:
    """End the user's sessions server-side (all, or all but `keep_session_key`); return how many."""
    rows = StaffSession.objects.filter(user=user)
    if keep_session_key:
        rows = rows.exclude(session_key=keep_session_key)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        _store(key).delete()
    StaffSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def staff_sessions_active(user: User) -> list[StaffSession]:
    """The user's sessions that have not gone idle, most recent first."""
    idle = dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS + SEEN_RESOLUTION_SECONDS)
    return list(StaffSession.objects.filter(user=user, last_seen__gte=timezone.now() - idle))
