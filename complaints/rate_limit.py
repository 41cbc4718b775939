"""A fixed-window hit counter in the database, so every web process shares it (no cache server needed)."""

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from complaints.models import RateLimitBucket


def key_for(kind: str, value: str) -> str:
    """A bucket key that does not store the value itself (a link is a secret; an IP is personal data)."""
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:40]}"


@transaction.atomic
def rate_limit_hit(key: str, *, limit: int, window_seconds: int, now: dt.datetime | None = None) -> bool:
    """Count one hit on `key`; False once it has had more than `limit` hits in the current window."""
    now = now or timezone.now()
    start = int(now.timestamp()) // window_seconds * window_seconds
    window_start = dt.datetime.fromtimestamp(start, tz=dt.UTC)
    bucket, _ = RateLimitBucket.objects.get_or_create(key=key, window_start=window_start)
    RateLimitBucket.objects.filter(pk=bucket.pk).update(hits=F("hits") + 1)
    hits = RateLimitBucket.objects.filter(pk=bucket.pk).values_list("hits", flat=True).get()
    return hits <= limit


def rate_limit_prune(*, now: dt.datetime | None = None, keep: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Drop windows long past (beat runs complaints.tasks.rate_limit_prune)."""
    return RateLimitBucket.objects.filter(window_start__lt=(now or timezone.now()) - keep).delete()[0]
