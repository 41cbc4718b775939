from datetime import timedelta
from urllib.parse import urlencode

from django import template
from django.utils.functional import Promise

from complaints.workflow import Verdict

register = template.Library()


@register.filter
def as_query(filters: dict) -> str:
    """{'status': 'all', 'room': 3} → status=all&room=3 (the case list's drill-down parameters)."""
    return urlencode({k: v for k, v in (filters or {}).items() if v not in (None, "")})


@register.filter
def hours(value) -> str:
    """A duration as hours with one decimal, or an em dash."""
    if not isinstance(value, timedelta):
        return "—"
    return f"{value.total_seconds() / 3600:.1f} h"


@register.filter
def pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


@register.filter
def verdict_label(value: str) -> str | Promise:
    """The verdict's label in the current language ("very_satisfied" → "Very satisfied")."""
    return Verdict(value).label if value in Verdict.values else ""
