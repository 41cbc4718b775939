"""Pages of a long list without counting a million rows or walking them to reach page 900."""

from functools import cached_property
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import number_format

from hotel_crm.inputs import MAX_ID, as_number

COUNT_CAP = 10_000


class CappedPage(Page):
    """A page that knows whether another follows from one extra row, not from the total."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows ("10,000+") and fetches a page in two short queries.

    1. the page's primary keys: an index-only walk to the offset, no joins or annotations;
    2. those rows with everything the list shows (select_related, annotations).
    Page numbers work as before; past the cap the last page is not known, so "Next"
    appears while one more row exists.
    """

    object_list: QuerySet[Any]

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, cap: int | None = None):
        super().__init__(object_list, per_page)
        self.cap = cap or COUNT_CAP

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def cap_display(self) -> str:
        return number_format(self.cap, force_grouping=True)

    def validate_number(self, number):
        if not self.capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        number = max(number, 1)
        if (number - 1) * self.per_page > MAX_ID:  # an OFFSET past what the database can count to
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def page(self, number) -> CappedPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        keys = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page + 1])
        if not keys and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        shown = keys[: self.per_page]
        rows = {row.pk: row for row in self.object_list.filter(pk__in=shown)} if shown else {}
        return CappedPage([rows[k] for k in shown if k in rows], number, self, more=len(keys) > self.per_page)

    def get_page(self, number) -> CappedPage:
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            # Past the end: the last page when it is known, else the first.
            return self.page(1 if self.capped else self.num_pages)


# Rows a page of the case list and of guest search results: 25 unless the staff member chose more
# (StaffProfile.page_size, set from the list). `?per_page=` shows another size for one page only.
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = PAGE_SIZES[0]


def page_size_for(request: HttpRequest, default: int = DEFAULT_PAGE_SIZE) -> int:
    """Rows per page: a valid `?per_page=`, else the staff member's choice, else `default`."""
    asked = as_number(request.GET.get("per_page"))
    if asked in PAGE_SIZES:
        return asked
    access = getattr(request, "property_access", None)
    profile = access.profile if access is not None else None
    if profile is not None and profile.page_size in PAGE_SIZES and profile.page_size != DEFAULT_PAGE_SIZE:
        return profile.page_size
    return default
