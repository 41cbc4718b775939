"""Online reviews: an export (CSV or JSON) read with the source's saved column mapping, previewed, deduped;
a low-rated or complaint-worded review becomes an intake item; the recovery can be posted as the public reply.
"""

import csv
import datetime as dt
import io
import json
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from complaints.case_primitives import case_event
from complaints.channels import content
from complaints.channels.intake import IncomingInput, IntakeError, incoming_receive
from complaints.models import Channel, EventKind, ImportedReview, ReviewSource
from hotel_crm.date_window import date_window_check
from hotel_crm.errors import StaleRecord

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
# Words that make a review a complaint whatever its rating (English and Chinese, as guests write them).
COMPLAINT_WORDS = (
    "dirty", "rude", "broken", "noisy", "noise", "smell", "stain", "cockroach", "bug", "refund",
    "complain", "worst", "terrible", "disappointed", "never again", "unacceptable", "filthy",
    "脏", "吵", "投诉", "退款", "失望", "态度差", "态度很差", "坏了", "异味", "不满", "太差", "蟑螂", "噪音",
)  # fmt: skip
_WORDS = re.compile("|".join(re.escape(w) for w in COMPLAINT_WORDS), re.IGNORECASE)


@dataclass
class ReviewRow:
    """One review as read from the export, with what the import would do with it."""

    external_id: str
    author: str = ""
    rating: str = ""
    title: str = ""
    text: str = ""
    posted_at: str = ""
    error: str = ""
    duplicate: bool = False
    to_intake: bool = False
    reason: str = ""


def _records(data: bytes, filename: str) -> list[dict]:
    if len(data) > MAX_FILE_BYTES:
        raise IntakeError(_("The file is larger than 2 MB; export fewer reviews at a time."))
    text = content.decode_bytes(data.removeprefix(b"\xef\xbb\xbf"))
    if filename.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError) as error:  # RecursionError: arrays nested thousands deep
            raise IntakeError(_("The file is not valid JSON.")) from error
        if isinstance(parsed, dict):
            parsed = next((v for v in parsed.values() if isinstance(v, list)), [])
        if not isinstance(parsed, list):
            raise IntakeError(_("The JSON file holds no list of reviews."))
        return [r for r in parsed[: MAX_ROWS + 1] if isinstance(r, dict)]
    try:
        reader = csv.DictReader(io.StringIO(text))
        return [dict(r) for _n, r in zip(range(MAX_ROWS + 1), reader, strict=False)]
    except csv.Error as error:
        raise IntakeError(_("The file is not a CSV export.")) from error


def _cell(record: dict, column: str) -> str:
    value = record.get(column, "") if column else ""
    return content.clean_text(str(value if value is not None else ""), 4000)


def _rating(value: str, source: ReviewSource) -> Decimal | None:
    try:
        rating = Decimal(value.replace(",", ".").split("/")[0].strip())
    except (InvalidOperation, ValueError):
        return None
    if not rating.is_finite():  # NaN and sNaN raise InvalidOperation when compared; Infinity is no rating
        return None
    return rating if 0 <= rating <= source.rating_scale else None


def _posted(value: str) -> dt.datetime | None:
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)):
            moment = dt.datetime.combine(day, dt.time(12))
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        try:
            moment = timezone.make_aware(moment)
        except (OverflowError, ValueError):  # year 1 or 9999 shifted out of the calendar
            return None
    try:
        date_window_check(moment)  # a date the database and every page can hold (ADR 0015)
    except ValidationError:
        return None
    return moment


def reviews_read(*, source: ReviewSource, data: bytes, filename: str) -> list[ReviewRow]:
    """The export's reviews as the import would take them: errors, duplicates and intake items marked."""
    records = _records(data, filename)
    if len(records) > MAX_ROWS:
        raise IntakeError(
            _("The file holds more than %(n)s reviews; export fewer at a time.") % {"n": MAX_ROWS}
        )
    mapping = source.mapping or {}
    if not mapping.get("external_id") or not mapping.get("text"):
        raise IntakeError(_("Map at least the review id and the review text columns."))
    rows = []
    for record in records:
        cell = {name: _cell(record, mapping.get(name, "")) for name in ReviewSource.FIELDS}
        rows.append(
            ReviewRow(
                external_id=content.clean_line(cell["external_id"], 255),
                author=content.clean_line(cell["author"], 200),
                rating=cell["rating"],
                title=content.clean_line(cell["title"], 300),
                text=cell["text"],
                posted_at=cell["posted_at"],
            )
        )
    return reviews_check(source=source, rows=rows)


def reviews_check(*, source: ReviewSource, rows: list[ReviewRow]) -> list[ReviewRow]:
    """Mark each row: an error, a duplicate (in the file or imported before), or an intake item and why."""
    ids = [r.external_id for r in rows if r.external_id]
    known = set(
        ImportedReview.objects.filter(source=source, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    seen: set[str] = set()
    for row in rows:
        row.error = row.reason = ""
        row.duplicate = row.to_intake = False
        rating = _rating(row.rating, source) if row.rating else None
        if not row.external_id:
            row.error = _("no review id")
        elif row.rating and rating is None:
            row.error = _("rating is not a number from 0 to %(n)s") % {"n": source.rating_scale}
        elif row.posted_at and _posted(row.posted_at) is None:
            row.error = _("date not understood")
        elif row.external_id in known or row.external_id in seen:
            row.duplicate = True
        elif rating is not None and rating <= source.low_rating:
            row.to_intake, row.reason = True, _("low rating")
        elif _WORDS.search(f"{row.title} {row.text}"):
            row.to_intake, row.reason = True, _("complaint wording")
        seen.add(row.external_id)
    return rows


def rows_to_json(rows: list[ReviewRow]) -> str:
    return json.dumps([asdict(r) for r in rows], ensure_ascii=False)


def rows_from_json(data: str) -> list[ReviewRow]:
    """The rows a preview showed, posted back; their fields are checked again, nothing is trusted."""
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise IntakeError(_("The preview expired; upload the file again.")) from error
    if not isinstance(parsed, list) or len(parsed) > MAX_ROWS:
        raise IntakeError(_("The preview expired; upload the file again."))
    fields = ("external_id", "author", "rating", "title", "text", "posted_at")
    rows = []
    for item in parsed:
        if not isinstance(item, dict):
            raise IntakeError(_("The preview expired; upload the file again."))
        cell = {f: content.clean_text(str(item.get(f, "")), 4000) for f in fields}
        rows.append(
            ReviewRow(
                external_id=content.clean_line(cell["external_id"], 255),
                author=content.clean_line(cell["author"], 200),
                rating=cell["rating"],
                title=content.clean_line(cell["title"], 300),
                text=cell["text"],
                posted_at=cell["posted_at"],
            )
        )
    return rows


@transaction.atomic
def reviews_import(
    *, source: ReviewSource, rows: list[ReviewRow], now: dt.datetime | None = None
) -> tuple[int, int]:
    """Save new reviews; low-rated or complaint-worded ones join the intake queue. (imported, to intake)

    The source is locked first: a second import of the same rows (a double click) waits, then finds them
    imported, instead of failing on the unique constraint.
    """
    now = now or timezone.now()
    source = ReviewSource.objects.select_for_update().get(pk=source.pk)
    rows = reviews_check(source=source, rows=rows)
    imported = to_intake = 0
    for row in rows:
        if row.error or row.duplicate:
            continue
        review = ImportedReview.objects.create(
            source=source,
            external_id=row.external_id,
            author=row.author,
            rating=_rating(row.rating, source) if row.rating else None,
            title=row.title,
            text=row.text,
            posted_at=_posted(row.posted_at) if row.posted_at else None,
        )
        imported += 1
        if row.to_intake:
            message, _created = incoming_receive(
                prop=source.property,
                data=IncomingInput(
                    channel=Channel.REVIEW_SITE,
                    external_id=f"{source.pk}:{row.external_id}",
                    sender=row.author or source.name,
                    sender_name=f"{row.author} ({source.name})" if row.author else source.name,
                    subject=f"{source.name} {row.rating}/{source.rating_scale} {row.title}".strip(),
                    body=row.text,
                    raw=json.dumps(asdict(row), ensure_ascii=False).encode(),
                    received_at=review.posted_at,
                ),
                now=now,
            )
            review.incoming = message
            review.save(update_fields=["incoming"])
            to_intake += 1
    return imported, to_intake


@transaction.atomic
def review_public_reply(
    *, review: ImportedReview, actor: User, text: str, now: dt.datetime | None = None
) -> ImportedReview:
    """Record the reply posted publicly on the review site (the recovery, told in public)."""
    text = content.clean_text(text, 4000)
    if not text:
        raise IntakeError(_("Write the public reply."))
    review = (
        ImportedReview.objects.select_for_update(of=("self",))
        .select_related("incoming__complaint", "public_reply_by")
        .get(pk=review.pk)
    )
    if review.public_reply:
        # Two managers with the form open: the second does not overwrite what the first recorded.
        raise IntakeError(
            _("%(who)s already recorded the public reply; yours was not saved and is kept below.")
            % {"who": review.public_reply_by.get_username() if review.public_reply_by else _("Someone")}
        )
    review.public_reply, review.public_reply_by, review.public_reply_at = text, actor, now or timezone.now()
    review.save(update_fields=["public_reply", "public_reply_by", "public_reply_at"])
    complaint = review.incoming.complaint if review.incoming else None
    if complaint is not None:
        case_event(complaint, EventKind.PUBLIC_REPLY, actor, note=text, data={"review": review.pk})
    return review


@transaction.atomic
def review_source_save_mapping(
    *, source: ReviewSource, mapping: dict[str, str], expected_version: int | None = None
) -> ReviewSource:
    """Keep the column mapping for the next export of this site; refuse if it changed since
    `expected_version` (two managers with the form open: the second would undo the first's fix)."""
    clean = {k: content.clean_line(str(v), 100) for k, v in mapping.items() if k in ReviewSource.FIELDS and v}
    locked = ReviewSource.objects.select_for_update().get(pk=source.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleRecord(
            _("Someone else changed the column mapping of %(site)s a moment ago: check it and save again.")
            % {"site": locked.name}
        )
    locked.mapping = clean
    locked.version += 1
    locked.save(update_fields=["mapping", "version"])
    return locked
