"""In-app notifications (the bell): send and mark read."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.utils import timezone

from complaints.models import (
    Notification,
)
from hotel_crm.models import Property


def notify(recipients: Iterable[User], *, prop: Property, text: str, url: str = "") -> None:
    """In-app notifications (the bell)."""
    Notification.objects.bulk_create(
        Notification(recipient=user, property=prop, text=text[:300], url=url) for user in recipients
    )


def notifications_mark_read(*, user: User, prop: Property, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, property=prop, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
