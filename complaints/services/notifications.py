"""In-app notifications (the bell): send and mark read."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.utils import timezone, translation

from complaints.models import (
    Notification,
)
from hotel_crm import system_text
from hotel_crm.models import Property


def notify(
    recipients: Iterable[User], *, prop: Property, text: str | system_text.Message, url: str = ""
) -> None:
    """In-app notifications (the bell). System text (a message) is shown in each reader's language;
    a plain string is shown as written (someone's words)."""
    if isinstance(text, dict):
        message = text
        with translation.override("en"):
            english = system_text.render(text)
    else:
        message, english = {}, text
    Notification.objects.bulk_create(
        Notification(recipient=user, property=prop, text=english[:300], message=message, url=url)
        for user in recipients
    )


def notifications_mark_read(*, user: User, prop: Property, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, property=prop, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
