"""Writes about staff and the hotel group."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from hotel_crm.models import Heartbeat, Property, StaffProfile


@transaction.atomic
def staff_set_current_property(*, user: User, prop: Property) -> None:
    """Remember the property the staff member now works in, for their next login."""
    StaffProfile.objects.update_or_create(user=user, defaults={"last_property": prop})


def heartbeat_record(*, name: str) -> Heartbeat:
    """Note that the process `name` is alive now."""
    heartbeat, _ = Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})
    return heartbeat


def staff_set_language(*, user: User, language: str) -> None:
    """Keep the staff member's language on their profile, so every terminal they log in to uses it."""
    StaffProfile.objects.update_or_create(user=user, defaults={"language": language})


def staff_set_page_size(*, user: User, page_size: int) -> None:
    """Keep the staff member's choice of rows per page (one of pagination.PAGE_SIZES)."""
    StaffProfile.objects.update_or_create(user=user, defaults={"page_size": page_size})
