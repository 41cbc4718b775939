"""Online reviews: an export read with the source's saved mapping, previewed, deduped; the low-rating rule."""

import contextlib
import json
from decimal import Decimal

import pytest

from complaints import channels, services
from complaints.models import (
    Channel,
    ComplaintEvent,
    EventKind,
    ImportedReview,
    IncomingMessage,
    ReviewSource,
)
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db

CSV = (
    "Review ID,Score,Reviewer,Headline,Comments,Date\n"
    "r-1,5,Alice,Lovely,Great stay and friendly staff,2026-11-30\n"
    "r-2,2,Bob,Meh,The lobby was fine,2026-12-01\n"
    "r-3,4,Chen,,房间很脏，地毯有污渍,2026-12-02\n"
    "r-4,3,Dana,OK,Average,2026-12-03\n"
    "r-5,4.5,Eve,Nice,Good breakfast,2026-12-03\n"
).encode()


@pytest.fixture
def source(sha):
    return ReviewSource.objects.create(
        property=sha,
        name="TripSite",
        rating_scale=5,
        low_rating=Decimal("3"),
        mapping={
            "external_id": "Review ID",
            "rating": "Score",
            "author": "Reviewer",
            "title": "Headline",
            "text": "Comments",
            "posted_at": "Date",
        },
    )


def test_the_preview_reads_the_export_with_the_saved_mapping_and_marks_what_happens(source):
    rows = channels.reviews_read(source=source, data=CSV, filename="export.csv")
    by_id = {r.external_id: r for r in rows}
    assert by_id["r-1"].author == "Alice" and not by_id["r-1"].to_intake
    assert by_id["r-2"].to_intake and by_id["r-2"].reason == "low rating"  # 2 of 5
    assert by_id["r-4"].to_intake and by_id["r-4"].reason == "low rating"  # 3 of 5: at the threshold
    assert by_id["r-3"].to_intake and by_id["r-3"].reason == "complaint wording"  # 4 of 5, but "脏"
    assert not by_id["r-5"].to_intake
    # A preview saves nothing
    assert not ImportedReview.objects.exists() and not IncomingMessage.objects.exists()


def test_import_saves_reviews_once_and_low_or_complaining_ones_join_the_intake_queue(source):
    rows = channels.reviews_read(source=source, data=CSV, filename="export.csv")
    assert channels.reviews_import(source=source, rows=rows) == (5, 3)
    intake = IncomingMessage.objects.filter(channel=Channel.REVIEW_SITE)
    assert sorted(intake.values_list("external_id", flat=True)) == [
        f"{source.pk}:r-2",
        f"{source.pk}:r-3",
        f"{source.pk}:r-4",
    ]
    # The same export again: the preview marks every row a duplicate, the import adds nothing
    again = channels.reviews_read(source=source, data=CSV, filename="export.csv")
    assert all(r.duplicate for r in again)
    assert channels.reviews_import(source=source, rows=again) == (0, 0)
    assert ImportedReview.objects.count() == 5 and intake.count() == 3


def test_json_exports_and_rows_repeated_inside_one_file(source):
    source.mapping = {"external_id": "id", "rating": "stars", "text": "body"}
    source.save()
    data = json.dumps(
        {"reviews": [{"id": "j1", "stars": 1, "body": "Rude staff"}, {"id": "j1", "stars": 1, "body": "dup"}]}
    )
    rows = channels.reviews_read(source=source, data=data.encode(), filename="export.json")
    assert [r.duplicate for r in rows] == [False, True]
    assert channels.reviews_import(source=source, rows=rows) == (1, 1)


def test_bad_rows_and_bad_files_are_reported_not_imported(source):
    bad = (
        b"Review ID,Score,Comments,Date\n,4,no id,2026-12-01\n"
        b"x1,eleven,bad rating,2026-12-01\nx2,4,bad date,yesterday\n"
    )
    rows = channels.reviews_read(source=source, data=bad, filename="e.csv")
    assert all(r.error for r in rows)
    assert channels.reviews_import(source=source, rows=rows) == (0, 0)
    with pytest.raises(channels.IntakeError):
        channels.reviews_read(source=source, data=b"[not json", filename="e.json")
    source.mapping = {}
    with pytest.raises(channels.IntakeError):
        channels.reviews_read(source=source, data=CSV, filename="e.csv")


def test_the_recovery_is_recorded_as_the_public_reply_on_the_case(source, clerk):
    channels.reviews_import(
        source=source, rows=channels.reviews_read(source=source, data=CSV, filename="e.csv")
    )
    message = IncomingMessage.objects.get(external_id=f"{source.pk}:r-2")
    case = channels.incoming_to_case(
        message=message,
        actor=clerk,
        data=services.ComplaintInput(
            guest_words=message.body,
            department=factories.make_department(source.property),
            complainant_name="Bob",
        ),
    )
    assert case.channel == Channel.REVIEW_SITE
    review = ImportedReview.objects.get(external_id="r-2")
    channels.review_public_reply(review=review, actor=clerk, text="Dear Bob, we have renovated the lobby.")
    review.refresh_from_db()
    assert review.public_reply.startswith("Dear Bob") and review.public_reply_by == clerk
    assert ComplaintEvent.objects.filter(complaint=case, kind=EventKind.PUBLIC_REPLY).exists()


@pytest.mark.parametrize("text", ["\x01\x02", "x" * 4001], ids=["only control characters", "too long"])
def test_a_refused_public_reply_says_why_keeps_the_text_and_records_nothing(source, clerk, login, text):
    channels.reviews_import(
        source=source, rows=channels.reviews_read(source=source, data=CSV, filename="e.csv")
    )
    message = IncomingMessage.objects.get(external_id=f"{source.pk}:r-2")
    case = channels.incoming_to_case(
        message=message,
        actor=clerk,
        data=services.ComplaintInput(
            guest_words=message.body,
            department=factories.make_department(source.property),
            complainant_name="Bob",
        ),
    )
    review = ImportedReview.objects.get(external_id="r-2")
    client = login(clerk)
    response = client.post(f"/complaints/intake/reviews/{review.pk}/reply/", {"text": text}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    review.refresh_from_db()
    assert review.public_reply == "" and not case.events.filter(kind=EventKind.PUBLIC_REPLY).exists()
    panel = client.get(f"/complaints/intake/cases/{case.pk}/messages/")
    assert panel.context["public_reply_form"]["text"].value() == text


def test_a_second_public_reply_does_not_overwrite_the_first(source, clerk):
    """Two managers had the form open: the second is told who recorded it; the first stays."""
    channels.reviews_import(
        source=source, rows=channels.reviews_read(source=source, data=CSV, filename="e.csv")
    )
    review = ImportedReview.objects.get(external_id="r-2")
    other = factories.make_staff("grm-two", roles_at={source.property: roles.GUEST_RELATIONS_MANAGER})
    channels.review_public_reply(review=review, actor=clerk, text="Dear Bob, thank you.")
    with pytest.raises(channels.IntakeError, match=clerk.get_username()):
        channels.review_public_reply(review=review, actor=other, text="Dear Bob, sorry.")
    review.refresh_from_db()
    assert (review.public_reply, review.public_reply_by) == ("Dear Bob, thank you.", clerk)


@pytest.mark.parametrize("posted", ["0001-01-01T00:00:00", "9999-12-31T23:59:59-05:00", "1900-01-01"])
def test_a_review_dated_outside_the_calendar_is_an_error_row_not_a_crash(source, posted):
    data = f"Review ID,Score,Reviewer,Headline,Comments,Date\nr-9,1,Zed,Bad,Awful stay,{posted}\n".encode()
    rows = channels.reviews_read(source=source, data=data, filename="e.csv")
    assert rows[0].error
    assert channels.reviews_import(source=source, rows=rows) == (0, 0)


def test_the_mapping_is_saved_per_source(source):
    channels.review_source_save_mapping(
        source=source, mapping={"external_id": "ID", "text": "Body", "bogus": "x"}
    )
    source.refresh_from_db()
    assert source.mapping == {"external_id": "ID", "text": "Body"}


def test_a_mapping_form_opened_before_another_managers_save_is_refused_and_kept(source, login):
    """Manager B fixes the rating column; manager A, whose form still shows the old mapping, saves a
    change of the title column: A is refused (B's fix stays) and A's form keeps what they typed."""
    grm_a = factories.make_staff("grm-a", roles_at={source.property: roles.GUEST_RELATIONS_MANAGER})
    grm_b = factories.make_staff("grm-b", roles_at={source.property: roles.GUEST_RELATIONS_MANAGER})
    a, b = login(grm_a), login(grm_b)
    form_a = a.get("/complaints/intake/reviews/").context["mapping_form"]
    form_b = b.get("/complaints/intake/reviews/").context["mapping_form"]

    def post(client, form, **changes):
        data = {name: form[name].value() or "" for name in form.fields} | changes
        return client.post("/complaints/intake/reviews/", {"action": "mapping", **data})

    assert post(b, form_b, rating="Stars").status_code == 302
    refused = post(a, form_a, title="Subject")
    assert refused.status_code == 409
    assert "changed the column mapping" in refused.content.decode()
    assert refused.context["mapping_form"]["title"].value() == "Subject"
    source.refresh_from_db()
    assert source.mapping["rating"] == "Stars" and source.mapping["title"] == "Headline"
    # reloaded, A's next save goes through on top of B's
    assert (
        post(a, a.get("/complaints/intake/reviews/").context["mapping_form"], title="Subject").status_code
        == 302
    )
    source.refresh_from_db()
    assert (source.mapping["rating"], source.mapping["title"]) == ("Stars", "Subject")


@pytest.mark.parametrize("rating", ["NaN", "sNaN", "-nan", "Infinity"])
def test_a_rating_that_is_not_a_finite_number_is_a_row_error_not_a_crash(source, rating):
    data = f"Review ID,Score,Comments\nr-1,{rating},Fine\n".encode()
    source.mapping = {"external_id": "Review ID", "rating": "Score", "text": "Comments"}
    rows = channels.reviews_read(source=source, data=data, filename="e.csv")
    assert rows[0].error and not rows[0].to_intake
    assert channels.reviews_import(source=source, rows=rows) == (0, 0)


def test_json_nested_thousands_deep_is_reported_as_a_bad_file(source):
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(channels.IntakeError):
        channels.reviews_read(source=source, data=deep, filename="e.json")
    with pytest.raises(channels.IntakeError):
        channels.rows_from_json(deep.decode())


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_rows_at_once_import_them_once(source, monkeypatch):
    """A double click on Import: the second run waits for the first and finds its rows imported."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from complaints.channels import reviews as reviews_module

    check = reviews_module.reviews_check
    both_checked = threading.Barrier(2)

    def check_then_wait(**kwargs):
        rows = check(**kwargs)
        # Without the lock both runs pass their checks before either inserts
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=3)
        return rows

    monkeypatch.setattr(reviews_module, "reviews_check", check_then_wait)
    results, errors = [], []

    def run():
        try:
            rows = channels.reviews_read(source=source, data=CSV, filename="e.csv")
            results.append(channels.reviews_import(source=source, rows=rows))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(results) == [(0, 0), (5, 3)]
    assert ImportedReview.objects.filter(source=source).count() == 5
