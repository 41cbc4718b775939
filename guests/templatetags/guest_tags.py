from django import template

from guests.models import LoyaltyTier
from guests.phones import pretty_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+8613812345678 → +86 138 1234 5678."""
    return pretty_phone(value or "")


@register.filter
def loyalty_tier(completed_stays: int) -> LoyaltyTier:
    """The guest's tier from their completed stays: LoyaltyTier.for_stays, the one rule."""
    return LoyaltyTier.for_stays(completed_stays or 0)
