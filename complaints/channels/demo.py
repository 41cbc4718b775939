"""Demo data of the guests' channels: a mailbox, a review site and a few messages waiting in the queue."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from complaints.channels.intake import IncomingInput, incoming_receive
from complaints.models import Channel, ImportedReview, Mailbox, ReviewSource, WeChatAccount
from hotel_crm.models import Property

MESSAGES = [
    (
        Channel.EMAIL,
        "<demo-1@guest.example>",
        "zhang.wei@guest.example",
        "Zhang Wei",
        "Noise from the corridor",
        "Dear hotel, last night (booking in room 2105) there was loud noise from the corridor until 2 a.m. "
        "I could not sleep before my meeting. Please look into this.",
        75,
    ),
    (
        Channel.WECHAT,
        "demo-880000001",
        "oDemoGuestOpenId0001",
        "",
        "",
        "你好，我住在2310房间，空调一直不制冷，已经很晚了，请尽快派人来看看。",
        20,
    ),
    (
        Channel.REVIEW_SITE,
        "demo-review-r17",
        "Traveller from Berlin",
        "Traveller from Berlin (TripSite)",
        "TripSite 2/5 Disappointing breakfast",
        "The breakfast buffet was half empty at 9:30 and nobody refilled it. Staff seemed indifferent.",
        300,
    ),
]


def load_demo_channels(now: dt.datetime | None = None) -> int:
    """Idempotent: messages are keyed by their channel message id, so a second run adds nothing."""
    now = now or timezone.now()
    prop = Property.objects.filter(code="SHA").first()
    if prop is None:
        return 0
    Mailbox.objects.get_or_create(address="frontoffice@sha.example", defaults={"property": prop})
    # The callback answers at /channels/wechat/sha-demo/ (the token is the demo's, like its passwords).
    WeChatAccount.objects.get_or_create(
        key="sha-demo", defaults={"property": prop, "app_id": "wxdemo0000000000", "token": "hotel-demo-token"}
    )
    source, _created = ReviewSource.objects.get_or_create(
        property=prop,
        name="TripSite",
        defaults={
            "rating_scale": 5,
            "low_rating": Decimal("3"),
            "mapping": {
                "external_id": "Review ID",
                "rating": "Score",
                "author": "Reviewer",
                "title": "Headline",
                "text": "Comments",
                "posted_at": "Date",
            },
        },
    )
    added = 0
    for channel, external_id, sender, name, subject, body, minutes_ago in MESSAGES:
        message, created = incoming_receive(
            prop=prop,
            data=IncomingInput(
                channel=channel,
                external_id=external_id,
                sender=sender,
                sender_name=name,
                subject=subject,
                body=body,
                raw=body.encode(),
                received_at=now - dt.timedelta(minutes=minutes_ago),
            ),
            now=now,
        )
        added += created
        if channel == Channel.REVIEW_SITE:
            # The review itself, as an import would have kept it: its public reply is recorded on it.
            ImportedReview.objects.get_or_create(
                source=source,
                external_id=external_id,
                defaults={
                    "author": sender,
                    "rating": Decimal("2"),
                    "title": subject.split(" ", 2)[-1],
                    "text": body,
                    "posted_at": message.received_at,
                    "incoming": message,
                },
            )
    return added
