"""CSV downloads that open correctly in Excel, Chinese text included (UTF-8 with a byte-order mark)."""

import csv

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

MAX_ROWS = 200_000
BOM = "\ufeff"


class _Echo:
    def write(self, value):
        return value


def _safe(value) -> str:
    """Neutralise spreadsheet formulas in guest-supplied text (=, +, -, @ at the start)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield BOM
        for row in rows:
            yield writer.writerow([_safe(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def cases_csv(queryset) -> StreamingHttpResponse:
    """Every case of a filtered list (not only the page shown)."""
    header = [
        _("Reference"),
        _("Reported"),
        _("Guest"),
        _("Room"),
        _("Department"),
        _("Category"),
        _("Severity"),
        _("Step"),
        _("Verdict"),
        _("Repeat"),
        _("Assigned to"),
        _("Guest's words"),
    ]

    # The rows are written while the response streams, after the middleware has reset the time zone
    # and the language: keep both as they are now.
    hotel_time = timezone.get_current_timezone()
    language = translation.get_language()

    def rows():
        yield header
        with translation.override(language):
            yield from _case_rows()

    def _case_rows():
        for case in queryset[:MAX_ROWS].iterator(chunk_size=2000):
            yield [
                case.reference,
                timezone.localtime(case.reported_at, hotel_time).strftime("%Y-%m-%d %H:%M"),
                case.guest.display_name if case.guest_id else case.complainant_name,
                case.room.number if case.room_id else "",
                case.department.name,
                case.category.name if case.category_id else "",
                case.get_severity_display(),
                case.get_status_display(),
                case.get_verdict_display() if case.verdict else "",
                _("yes") if case.is_repeat else "",
                case.assignee.get_full_name() or case.assignee.get_username(),
                case.guest_words,
            ]

    return _response(rows(), f"cases-{timezone.localtime():%Y%m%d-%H%M}.csv")


def kpi_csv(table: list[tuple[str, object, object]], filename: str) -> StreamingHttpResponse:
    return _response([[_("Figure"), _("This period"), _("Previous period")], *table], filename)


def compliments_csv(queryset, filename: str) -> StreamingHttpResponse:
    """Every compliment of the period: when, who was praised, the guest, their words, who recorded it."""
    hotel_time = timezone.get_current_timezone()
    language = translation.get_language()
    header = [
        _("Recorded"),
        _("Staff member praised"),
        _("Guest"),
        _("Room"),
        _("What the guest said"),
        _("Recorded by"),
    ]

    def rows():
        yield header
        with translation.override(language):
            for item in queryset[:MAX_ROWS].iterator(chunk_size=2000):
                yield [
                    timezone.localtime(item.recorded_at, hotel_time).strftime("%Y-%m-%d %H:%M"),
                    item.praised.get_full_name() or item.praised.get_username(),
                    item.guest.display_name if item.guest_id else "",
                    item.stay.room.number if item.stay_id and item.stay.room_id else "",
                    item.words,
                    item.recorded_by.get_full_name() or item.recorded_by.get_username(),
                ]

    return _response(rows(), filename)
