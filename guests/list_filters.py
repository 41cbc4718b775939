"""Filters of the in-house, arrivals and departures lists that higher apps contribute.

guests cannot import complaints (the layers, ADR 0014), yet "not yet asked how the stay is going"
depends on the complaints app's courtesy checks. So complaints registers that filter here from its
AppConfig.ready(); the list shows a checkbox for every registered filter and applies the ones ticked.
Each filter takes and returns a Stay queryset (joins only: no query per row).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise

from guests.models import Stay


@dataclass(frozen=True)
class StayFilter:
    name: str  # the query-string parameter, e.g. "not_asked"
    label: str | Promise
    apply: Callable[[QuerySet[Stay]], QuerySet[Stay]]


_registry: dict[str, StayFilter] = {}


def register(stay_filter: StayFilter) -> None:
    """Offer a filter on the lists (idempotent: ready() may run more than once in tests)."""
    _registry[stay_filter.name] = stay_filter


def registered() -> list[StayFilter]:
    return list(_registry.values())
