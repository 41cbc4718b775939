"""Reads of the intake queue and the channel figures (ADR 0020); each has a pinned query count."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet

from complaints.models import (
    Complaint,
    ImportedReview,
    IncomingMessage,
    IncomingStatus,
    OutgoingReply,
    ReviewSource,
)
from complaints.selectors.access import complaints_visible_to
from hotel_crm.models import Property

QUEUE_PAGE = 50


def _visible(
    rows: QuerySet[IncomingMessage], user: User | AnonymousUser, prop: Property
) -> QuerySet[IncomingMessage]:
    """Waiting items, and handled ones whose case the user may see (a sensitive case's stay hidden)."""
    return rows.filter(
        Q(complaint__isnull=True) | Q(complaint__in=complaints_visible_to(user=user, property=prop))
    )


def incoming_queue(
    *, prop: Property, user: User | AnonymousUser, status: str = "", channel: str = ""
) -> QuerySet[IncomingMessage]:
    """The hotel's intake queue, newest first (waiting items unless another state is asked for)."""
    rows = _visible(IncomingMessage.objects.for_property(prop), user, prop).filter(
        status=status or IncomingStatus.NEW
    )
    if channel:
        rows = rows.filter(channel=channel)
    return (
        rows.select_related("guest", "complaint")
        .annotate(attachment_count=Count("attachments"))
        .defer("raw")
        .order_by("-received_at", "-pk")
    )


def incoming_for_page(*, prop: Property, user: User | AnonymousUser, pk: int) -> IncomingMessage | None:
    return (
        _visible(IncomingMessage.objects.for_property(prop), user, prop)
        .select_related("guest", "complaint", "handled_by")
        .prefetch_related("attachments")
        .filter(pk=pk)
        .first()
    )


def case_messages(
    *, complaint: Complaint
) -> tuple[list[IncomingMessage], list[OutgoingReply], list[ImportedReview]]:
    """The guest's messages on a case, our replies and the reviews behind them (three queries)."""
    incoming = list(
        IncomingMessage.objects.filter(complaint=complaint).defer("raw").order_by("received_at", "pk")
    )
    replies = list(OutgoingReply.objects.filter(complaint=complaint).select_related("sent_by"))
    reviews = list(ImportedReview.objects.filter(incoming__complaint=complaint).select_related("source"))
    return incoming, replies, reviews


def visible_case_by_reference(
    *, user: User | AnonymousUser, prop: Property, reference: str
) -> Complaint | None:
    return complaints_visible_to(user=user, property=prop).filter(reference=reference.strip().upper()).first()


def review_sources(*, prop: Property) -> list[ReviewSource]:
    return list(ReviewSource.objects.for_property(prop).order_by("name"))
