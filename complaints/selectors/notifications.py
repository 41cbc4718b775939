"""In-app notifications (the bell)."""

from django.contrib.auth.models import User
from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from complaints.models import ApprovalRequest, Notification
from hotel_crm.models import Property


def unread_notifications(*, user: User, prop: Property) -> int:
    return Notification.objects.filter(recipient=user, property=prop, read_at__isnull=True).count()


def notifications(*, user: User, prop: Property, limit: int = 100) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, property=prop)[:limit])


def _count(queryset: QuerySet) -> Coalesce:
    """A COUNT(*) of `queryset` as a scalar subquery (0 when it has no rows)."""
    counted = queryset.order_by().annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def header_counts(*, user: User, prop: Property, approvals: bool) -> tuple[int, int]:
    """The bell's unread count and, for an approver, the approvals waiting: one query for both.

    Every signed-in page shows them, so they are one round trip, not two.
    """
    unread = Notification.objects.filter(recipient=user, property=prop, read_at__isnull=True)
    pending = ApprovalRequest.objects.filter(property=prop, state=ApprovalRequest.State.PENDING)
    row = (
        Property.objects.filter(pk=prop.pk)
        .annotate(
            unread=_count(unread.values("property")),
            pending=_count(pending.values("property")) if approvals else Value(0),
        )
        .values_list("unread", "pending")
        .first()
    )
    return row if row is not None else (0, 0)
