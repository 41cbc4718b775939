"""In-app notifications (the bell): send and mark read."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import (
    Notification,
)
from hotel_crm import system_text
from hotel_crm.models import Property, StaffProfile


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


def second_factor_lock_notify(
    sender: object, *, user: User, managers: list[tuple[User, Property]], **kwargs: object
) -> None:
    """Ring the bell of each manager who may unlock a staff member's locked second factor (ADR 0015)."""
    url = reverse("mfa_locks")
    languages = dict(
        StaffProfile.objects.filter(user__in=[m for m, _prop in managers])
        .exclude(language="")
        .values_list("user", "language")
    )
    notifications = []
    for manager, prop in managers:
        with translation.override(languages.get(manager.pk) or settings.LANGUAGE_CODE):
            text = _(
                "The second factor of %(username)s is locked after too many wrong codes. "
                "Check with them before you unlock it."
            ) % {"username": user.get_username()}
        notifications.append(Notification(recipient=manager, property=prop, text=text[:300], url=url))
    Notification.objects.bulk_create(notifications)
