"""The intake pages: the queue, one message, turning it into a case, attachments, replies, review import."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import channels
from complaints.models import (
    Channel,
    Complaint,
    EventKind,
    IncomingAttachment,
    IncomingMessage,
    IncomingStatus,
    OutgoingReply,
    ReviewSource,
)
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _receive(prop, n: int, **overrides):
    fields = {
        "channel": Channel.EMAIL,
        "external_id": f"<q{n}@guest.example>",
        "sender": f"guest{n}@guest.example",
        "subject": f"Complaint {n}",
        "body": "The minibar was empty.",
        "raw": b"raw",
        "attachments": [channels.Attachment("p.png", "image/png", PNG)],
        **overrides,
    }
    return channels.incoming_receive(prop=prop, data=channels.IncomingInput(**fields))[0]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_queue_lists_waiting_messages_in_a_fixed_number_of_queries(sha, clerk, login, steady_session):
    client = login(clerk)
    _receive(sha, 0)
    client.get("/complaints/intake/")  # warm the session
    one = _queries(client, "/complaints/intake/")
    for n in range(1, 30):
        _receive(sha, n, channel=Channel.WECHAT if n % 2 else Channel.EMAIL, sender=f"oOpenId{n}")
    many = _queries(client, "/complaints/intake/")
    assert one == many
    page = client.get("/complaints/intake/?channel=wechat").content.decode()
    assert "oOpenId1" in page and "guest0@guest.example" not in page


def test_the_message_page_shows_the_match_and_logs_a_case(sha, clerk, login):
    guest = factories.make_guest(
        family_name_latin="Tan", given_name_latin="Wei", email="guest0@guest.example"
    )
    department = factories.make_department(sha, "fnb")
    message = _receive(sha, 0)
    client = login(clerk)
    page = client.get(f"/complaints/intake/{message.pk}/").content.decode()
    assert "Tan" in page and "same email address" in page
    response = client.post(
        f"/complaints/intake/{message.pk}/case/",
        {
            "version": message.version,
            "guest": guest.pk,
            "guest_words": "The minibar was empty.",
            "department": department.pk,
            "severity": "low",
            "area": "room",
        },
    )
    case = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/complaints/{case.pk}/"
    assert (case.guest, case.channel) == (guest, Channel.EMAIL)
    # The case page loads the guest's messages (the panel), with the original linked
    panel = client.get(f"/complaints/intake/cases/{case.pk}/messages/").content.decode()
    assert "The minibar was empty." in panel and f"/complaints/intake/{message.pk}/" in panel


def test_a_guest_not_among_the_matches_cannot_be_slipped_in(sha, clerk, login):
    stranger = factories.make_guest(email="someone@else.example")
    department = factories.make_department(sha, "fnb")
    message = _receive(sha, 0)
    response = login(clerk).post(
        f"/complaints/intake/{message.pk}/case/",
        {
            "version": 1,
            "guest": stranger.pk,
            "guest_words": "x",
            "department": department.pk,
            "severity": "low",
            "area": "room",
        },
    )
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_attach_by_reference_and_dismiss(sha, clerk, login):
    case = factories.log_case(sha, clerk)
    first, second = _receive(sha, 1), _receive(sha, 2)
    client = login(clerk)
    assert (
        client.post(
            f"/complaints/intake/{first.pk}/attach/", {"version": 1, "reference": "NOPE-1"}
        ).status_code
        == 400
    )
    response = client.post(
        f"/complaints/intake/{first.pk}/attach/", {"version": 1, "reference": case.reference.lower()}
    )
    assert response.status_code == 302
    assert client.post(f"/complaints/intake/{second.pk}/dismiss/", {"version": 1}).status_code == 302
    assert dict(IncomingMessage.objects.values_list("pk", "status")) == {
        first.pk: IncomingStatus.ATTACHED,
        second.pk: IncomingStatus.DISMISSED,
    }
    # A second click on a handled message: a clear message, no 500
    again = client.post(f"/complaints/intake/{second.pk}/dismiss/", {"version": 2}, follow=True)
    assert "already handled" in again.content.decode()


def test_attachments_download_never_inline_and_only_in_their_hotel(sha, hgh, clerk, login):
    message = _receive(
        sha,
        0,
        attachments=[
            channels.Attachment('"><script>.png', "image/png", PNG),
            channels.Attachment("page.html", "text/html", b"<script>alert(1)</script>"),
        ],
    )
    kept, refused = IncomingAttachment.objects.filter(message=message).order_by("pk")
    response = login(clerk).get(f"/complaints/intake/attachments/{kept.pk}/")
    assert response.status_code == 200 and response.content == PNG
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "<script>" not in response["Content-Disposition"] and '"><' not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert login(clerk).get(f"/complaints/intake/attachments/{refused.pk}/").status_code == 404
    elsewhere = factories.front_desk_at(hgh)
    assert login(elsewhere).get(f"/complaints/intake/attachments/{kept.pk}/").status_code == 404


def _replying_case(sha, clerk):
    case = factories.log_case(sha, clerk)
    channels.incoming_attach(message=_receive(sha, 0), complaint=case, actor=clerk)
    return case


def _reply_form(client, case) -> dict[str, str]:
    """The reply form's fields as the case page's panel renders them (with its one-time key)."""
    form = client.get(f"/complaints/intake/cases/{case.pk}/messages/").context["reply_form"]
    return {name: str(form[name].value() or "") for name in form.fields}


def test_a_reply_from_the_case_page(sha, clerk, login):
    case = _replying_case(sha, clerk)
    client = login(clerk)
    response = client.post(
        f"/complaints/intake/cases/{case.pk}/reply/", {**_reply_form(client, case), "body": "We are sorry."}
    )
    assert response.status_code == 302
    reply = OutgoingReply.objects.get()
    assert (reply.recipient, reply.channel, reply.body) == (
        "guest0@guest.example",
        Channel.EMAIL,
        "We are sorry.",
    )


def test_the_same_reply_form_sent_twice_is_one_reply_to_the_guest(sha, clerk, login):
    case = _replying_case(sha, clerk)
    client = login(clerk)
    form = {**_reply_form(client, case), "body": "We are sorry."}
    assert form["submission_key"]
    for _ in range(2):  # a double click, or a resend after a timeout
        assert client.post(f"/complaints/intake/cases/{case.pk}/reply/", form).status_code == 302
    assert OutgoingReply.objects.filter(complaint=case).count() == 1
    assert case.events.filter(kind=EventKind.MESSAGE_OUT).count() == 1
    # a new form (a second, deliberate reply) is a second message
    again = {**_reply_form(client, case), "body": "And the room is ready."}
    assert again["submission_key"] != form["submission_key"]
    client.post(f"/complaints/intake/cases/{case.pk}/reply/", again)
    assert OutgoingReply.objects.filter(complaint=case).count() == 2


def test_two_replies_racing_past_the_check_are_still_one(sha, clerk, monkeypatch):
    """The unique key is the last guard: the second insert fails and its caller gets the first reply."""
    from complaints.channels import replies

    case = _replying_case(sha, clerk)
    first = channels.reply_send(complaint=case, actor=clerk, body="Sorry.", submission_key="k1")
    real, calls = replies._sent_with, []

    def check_as_a_racer_would(complaint, key):  # the first look misses the reply committed meanwhile
        calls.append(key)
        return None if len(calls) == 1 else real(complaint, key)

    monkeypatch.setattr(replies, "_sent_with", check_as_a_racer_would)
    second = channels.reply_send(complaint=case, actor=clerk, body="Sorry.", submission_key="k1")
    assert len(calls) == 2 and second.pk == first.pk
    assert OutgoingReply.objects.filter(complaint=case).count() == 1
    assert case.events.filter(kind=EventKind.MESSAGE_OUT).count() == 1


@pytest.mark.parametrize(
    "body", ["x" * 4001, "\x01\x02", "   "], ids=["too long", "only control characters", "blank"]
)
def test_a_refused_reply_keeps_what_was_written_and_sends_nothing(sha, clerk, login, body):
    case = _replying_case(sha, clerk)
    client = login(clerk)
    response = client.post(
        f"/complaints/intake/cases/{case.pk}/reply/", {**_reply_form(client, case), "body": body}, follow=True
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not OutgoingReply.objects.exists()
    kept = client.get(f"/complaints/intake/cases/{case.pk}/messages/").context["reply_form"]["body"].value()
    assert kept == (body if body.strip() else None)
    # the form shows it once: the next visit starts empty
    assert (
        client.get(f"/complaints/intake/cases/{case.pk}/messages/").context["reply_form"]["body"].value()
        is None
    )


def test_a_reply_from_a_form_without_its_key_is_refused_kept_and_can_be_sent_again(sha, clerk, login):
    """A case page opened before the key existed (or a tampered form): nothing is sent, nothing lost."""
    case = _replying_case(sha, clerk)
    client = login(clerk)
    url = f"/complaints/intake/cases/{case.pk}/reply/"
    for stale in ({"body": "We are sorry."}, {"body": "We are sorry.", "submission_key": "<x>"}):
        response = client.post(url, stale, follow=True)
        assert [str(m) for m in response.context["messages"]] == [
            "The reply was not sent: the form was out of date. What you wrote is kept below: send it again."
        ]
        form = client.get(f"/complaints/intake/cases/{case.pk}/messages/").context["reply_form"]
        assert form["body"].value() == "We are sorry." and form["submission_key"].value().isalnum()
    assert not OutgoingReply.objects.exists()


def test_every_long_text_field_counts_instead_of_cutting_pasted_text():
    """A maxlength makes the browser cut a pasted text at the limit without a word; every textarea, and
    every one-line free text of 200 characters or more, in the apps' forms uses a counted widget, which
    warns and lets the form refuse it with a message."""
    from django import forms

    from hotel_crm.widgets import CountedTextarea, CountedTextInput
    from tests.app_modules import form_classes

    checked = []
    for cls in form_classes():
        for name, field in cls.base_fields.items():
            long_line = (
                type(field.widget) in (forms.TextInput, CountedTextInput)
                and (getattr(field, "max_length", None) or 0) >= 200
            )
            if isinstance(field.widget, forms.Textarea) or long_line:
                checked.append(f"{cls.__name__}.{name}")
                assert isinstance(field.widget, (CountedTextarea, CountedTextInput)), f"{cls.__name__}.{name}"
                assert "maxlength" not in field.widget.render(name, "", attrs={"id": name}), name
    assert {
        "ReplyForm.body",
        "PublicReplyForm.text",
        "LogEntryForm.text",
        "HandoverForm.notes",
        "VerifyForm.note",
        "OfferAnswerForm.response",
        "CourtesyForm.note",
    } <= set(checked)


def test_the_review_import_page_previews_then_imports(sha, login):
    grm = factories.make_staff("grm2", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
    source = ReviewSource.objects.create(
        property=sha, name="Site", mapping={"external_id": "id", "text": "text", "rating": "stars"}
    )
    client = login(grm)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "e.csv", b"id,stars,text\n1,1,<b>awful</b>\n2,5,fine\n", content_type="text/csv"
    )
    preview = client.post(
        "/complaints/intake/reviews/", {"action": "preview", "source": source.pk, "file": upload}
    )
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "&lt;b&gt;awful&lt;/b&gt;" in html and "<b>awful</b>" not in html
    rows = preview.context["import_form"].initial["rows"]
    done = client.post("/complaints/intake/reviews/", {"action": "import", "source": source.pk, "rows": rows})
    assert done.status_code == 302
    assert IncomingMessage.objects.filter(channel=Channel.REVIEW_SITE).count() == 1
    # The front desk may not import reviews
    assert login(factories.front_desk_at(sha)).get("/complaints/intake/reviews/").status_code == 403


def test_the_case_messages_panel_reads_in_a_fixed_number_of_queries(sha, clerk, login, steady_session):
    case = factories.log_case(sha, clerk)
    channels.incoming_attach(message=_receive(sha, 0), complaint=case, actor=clerk)
    client = login(clerk)
    url = f"/complaints/intake/cases/{case.pk}/messages/"
    client.get(url)
    one = _queries(client, url)
    for n in range(1, 15):
        channels.incoming_attach(message=_receive(sha, n), complaint=case, actor=clerk)
        channels.reply_send(complaint=case, actor=clerk, body=f"Reply {n}")
    assert _queries(client, url) == one


def test_an_oversized_review_export_is_refused_by_its_size_before_it_is_read(sha, login, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    grm = factories.make_staff("grm3", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
    source = ReviewSource.objects.create(
        property=sha, name="Site", mapping={"external_id": "id", "text": "t"}
    )

    def reviews_read(**kwargs):
        raise AssertionError("the oversized file was read")

    monkeypatch.setattr(channels, "reviews_read", reviews_read)
    upload = SimpleUploadedFile("e.csv", b"id,t\n" + b"1,x\n" * 600_000, content_type="text/csv")
    response = login(grm).post(
        "/complaints/intake/reviews/", {"action": "preview", "source": source.pk, "file": upload}
    )
    assert response.status_code == 400
    assert "larger than 2 MB" in response.content.decode()
