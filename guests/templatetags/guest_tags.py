from django import template

from guests.phones import pretty_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+8613812345678 → +86 138 1234 5678."""
    return pretty_phone(value or "")
