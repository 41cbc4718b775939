"""Login throttling that slows guessing without locking colleagues out (ADR 0008).

- LOGIN_FAILURE_LIMIT failures for one username from one IP within the cool-off
  lock that username at that IP for LOGIN_COOLOFF_MINUTES. A colleague at the
  same desk, or the same person at another terminal, is not affected.
- A password spray (many usernames from one IP, or one username from many IPs)
  passing LOGIN_SPRAY_FAILURE_LIMIT failures within the cool-off gets a short
  lock (LOGIN_SPRAY_LOCK_SECONDS), renewed by each further failure, that applies
  only to origins the username has never logged in from: staff at their usual
  terminals keep working while the guessing slows to a few tries a minute.

State lives in the database, so every web process sees the same counts.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hotel_crm.models import LoginAttempt, LoginLock

# How long a successful login keeps an (username, IP) pair a known origin.
KNOWN_ORIGIN_DAYS = 90


def _normalise(username: str) -> str:
    # "Admin" and "ADMIN" are one target to a guesser.
    return username.strip().casefold()[:150]


def _cooloff() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)


def login_lock_for(*, username: str, ip: str) -> LoginLock | None:
    """Return the lock that refuses a login of `username` from `ip` now, if any."""
    username = _normalise(username)
    now = timezone.now()
    locks = list(
        LoginLock.objects.filter(until__gt=now)
        .filter(
            Q(scope=LoginLock.Scope.USER_AT_IP, username=username, ip=ip)
            | Q(scope=LoginLock.Scope.IP, ip=ip)
            | Q(scope=LoginLock.Scope.USER, username=username)
        )
        .order_by("-until")
    )
    for lock in locks:
        if lock.scope == LoginLock.Scope.USER_AT_IP:
            return lock
    if locks and not _is_known_origin(username, ip, now):
        return locks[0]
    return None


def _is_known_origin(username: str, ip: str, now: dt.datetime) -> bool:
    since = now - dt.timedelta(days=KNOWN_ORIGIN_DAYS)
    return LoginAttempt.objects.filter(succeeded=True, username=username, ip=ip, at__gte=since).exists()


@transaction.atomic
def login_failure_record(*, username: str, ip: str) -> LoginLock | None:
    """Count a failed login; return the lock on this username at this IP if the failure set one."""
    username = _normalise(username)
    now = timezone.now()
    window_start = now - _cooloff()
    LoginAttempt.objects.filter(succeeded=False, at__lt=window_start).delete()
    LoginLock.objects.filter(until__lt=window_start).delete()
    LoginAttempt.objects.create(username=username, ip=ip, at=now)

    _spray_lock(LoginLock.Scope.IP, Q(ip=ip), window_start, now, ip=ip)
    _spray_lock(LoginLock.Scope.USER, Q(username=username), window_start, now, username=username)

    # Failures before the last lock of this pair were paid for by that lock.
    last_lock = (
        LoginLock.objects.filter(scope=LoginLock.Scope.USER_AT_IP, username=username, ip=ip)
        .order_by("-created")
        .values_list("created", flat=True)
        .first()
    )
    since = max(window_start, last_lock) if last_lock else window_start
    failures = LoginAttempt.objects.filter(succeeded=False, username=username, ip=ip, at__gt=since).count()
    if failures < settings.LOGIN_FAILURE_LIMIT:
        return None
    return LoginLock.objects.create(
        scope=LoginLock.Scope.USER_AT_IP, username=username, ip=ip, created=now, until=now + _cooloff()
    )


def _spray_lock(scope: str, where: Q, window_start: dt.datetime, now: dt.datetime, **key) -> None:
    failures = LoginAttempt.objects.filter(where, succeeded=False, at__gte=window_start).count()
    if failures < settings.LOGIN_SPRAY_FAILURE_LIMIT:
        return
    if LoginLock.objects.filter(scope=scope, until__gt=now, **key).exists():
        return
    LoginLock.objects.create(
        scope=scope, created=now, until=now + dt.timedelta(seconds=settings.LOGIN_SPRAY_LOCK_SECONDS), **key
    )


@transaction.atomic
def login_success_record(*, username: str, ip: str) -> None:
    """Forget this pair's failures (the typos are over) and remember it as a known origin."""
    username = _normalise(username)
    now = timezone.now()
    LoginAttempt.objects.filter(username=username, ip=ip).delete()
    LoginAttempt.objects.filter(succeeded=True, at__lt=now - dt.timedelta(days=KNOWN_ORIGIN_DAYS)).delete()
    LoginAttempt.objects.create(username=username, ip=ip, succeeded=True, at=now)


@transaction.atomic
def login_locks_lift(*, locks) -> None:
    """End these locks now, with the failures that led to them (an administrator vouched for the person)."""
    for lock in locks:
        attempts = LoginAttempt.objects.filter(succeeded=False)
        if lock.username:
            attempts = attempts.filter(username=lock.username)
        if lock.ip:
            attempts = attempts.filter(ip=lock.ip)
        attempts.delete()
        LoginLock.objects.filter(pk=lock.pk).delete()
