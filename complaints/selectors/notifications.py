"""In-app notifications (the bell)."""

from complaints.models import Notification
from hotel_crm.models import Property


def unread_notifications(*, user, prop: Property) -> int:
    return Notification.objects.filter(recipient=user, property=prop, read_at__isnull=True).count()


def notifications(*, user, prop: Property, limit: int = 100):
    return list(Notification.objects.filter(recipient=user, property=prop)[:limit])
