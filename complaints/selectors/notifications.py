"""In-app notifications (the bell)."""

from django.contrib.auth.models import User

from complaints.models import Notification
from hotel_crm.models import Property


def unread_notifications(*, user: User, prop: Property) -> int:
    return Notification.objects.filter(recipient=user, property=prop, read_at__isnull=True).count()


def notifications(*, user: User, prop: Property, limit: int = 100) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, property=prop)[:limit])
