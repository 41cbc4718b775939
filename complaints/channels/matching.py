"""Who sent it: the guest a message matches by email, phone, WeChat id or booking number."""

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel, ChannelIdentity, IncomingMessage
from guests.models import Guest, GuestPhone, Stay
from guests.phones import InvalidPhone, normalise_phone

_PHONE = re.compile(r"\+?\d[\d\s().-]{6,18}\d")
_BOOKING = re.compile(r"\b[A-Z0-9][A-Z0-9-]{4,29}\b")
MAX_PROBES = 20

REASONS = {
    "email": _("same email address"),
    "phone": _("same phone number"),
    "wechat": _("WeChat id confirmed before"),
    "booking": _("booking number in the message"),
}


@dataclass(frozen=True)
class GuestMatch:
    guest: Guest
    reason: str
    stay: Stay | None = None

    def reason_label(self) -> str:
        return str(REASONS[self.reason])


def _phones(text: str) -> list[str]:
    found: list[str] = []
    for raw in _PHONE.findall(text)[:MAX_PROBES]:
        try:
            number = normalise_phone(raw)
        except InvalidPhone:
            continue
        if number not in found:
            found.append(number)
    return found


def _bookings(text: str) -> list[str]:
    tokens = [t for t in _BOOKING.findall(text.upper()) if any(c.isdigit() for c in t)]
    return list(dict.fromkeys(tokens))[:MAX_PROBES]


def guest_matches(*, message: IncomingMessage) -> list[GuestMatch]:
    """Candidate guests for a message, best first (at most four queries, whatever the data)."""
    text = f"{message.subject}\n{message.body}"
    live = Q(merged_into__isnull=True, erased_at__isnull=True)
    matches: list[GuestMatch] = []
    seen: set[int] = set()

    def add(guest: Guest, reason: str, stay: Stay | None = None) -> None:
        if guest.pk not in seen:
            seen.add(guest.pk)
            matches.append(GuestMatch(guest, reason, stay))

    if message.channel == Channel.EMAIL and "@" in message.sender:
        for guest in Guest.objects.filter(live, email__iexact=message.sender)[:5]:
            add(guest, "email")
    if message.channel == Channel.WECHAT:
        identity = (
            ChannelIdentity.objects.filter(channel=Channel.WECHAT, identifier=message.sender)
            .select_related("guest")
            .first()
        )
        if identity and identity.guest.merged_into_id is None and identity.guest.erased_at is None:
            add(identity.guest, "wechat")
    if bookings := _bookings(text):
        stays = (
            Stay.objects.filter(property_id=message.property_id, confirmation_number__in=bookings)
            .select_related("guest", "room")
            .order_by("-arrival_date")[:5]
        )
        for stay in stays:
            if stay.guest.merged_into_id is None and stay.guest.erased_at is None:
                add(stay.guest, "booking", stay)
    if phones := _phones(f"{message.sender}\n{text}"):
        for phone in GuestPhone.objects.filter(number__in=phones).select_related("guest")[:5]:
            if phone.guest.merged_into_id is None and phone.guest.erased_at is None:
                add(phone.guest, "phone")
    return matches
