"""The one intake path: a message arrives once, waits in the queue, becomes a case or joins one."""

import datetime as dt

import pytest
from django.utils import timezone

from complaints import channels, services
from complaints.models import (
    Channel,
    ChannelIdentity,
    Complaint,
    ComplaintEvent,
    EventKind,
    ImportedReview,
    IncomingAttachment,
    IncomingMessage,
    IncomingStatus,
    OutgoingReplyStatus,
    ReviewSource,
)
from guests.services import stay_create
from hotel_crm.errors import StaleRecord
from tests import factories

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def _email(external_id="<m1@guest.example>", **overrides):
    fields = {
        "channel": Channel.EMAIL,
        "external_id": external_id,
        "sender": "li.na@guest.example",
        "sender_name": "Li Na",
        "subject": "Noisy room",
        "body": "The room next door was loud all night.",
        "raw": b"From: li.na@guest.example\r\n\r\nThe room next door was loud all night.",
        **overrides,
    }
    return channels.IncomingInput(**fields)


def test_a_message_is_stored_once_per_channel_message_id(sha):
    # Given a message received once
    first, created = channels.incoming_receive(prop=sha, data=_email())
    # When the same delivery arrives again (a webhook retried, a mailbox polled twice)
    again, created_again = channels.incoming_receive(prop=sha, data=_email(body="changed"))
    # Then the second is ignored and the first is kept unchanged
    assert created and not created_again
    assert again.pk == first.pk
    assert IncomingMessage.objects.count() == 1
    assert IncomingMessage.objects.get().body == "The room next door was loud all night."


def test_the_same_message_id_on_another_channel_or_hotel_is_another_message(sha, hgh):
    channels.incoming_receive(prop=sha, data=_email(external_id="42"))
    channels.incoming_receive(prop=sha, data=_email(external_id="42", channel=Channel.WECHAT, sender="oAbc"))
    channels.incoming_receive(prop=hgh, data=_email(external_id="42"))
    assert IncomingMessage.objects.count() == 3


def test_the_raw_content_is_kept_unchanged_and_the_language_guessed(sha):
    raw = "From: 王先生\r\n\r\n房间很吵，空调坏了。".encode("gb18030")
    message, _ = channels.incoming_receive(
        prop=sha, data=_email(raw=raw, body="房间很吵，空调坏了。", subject="")
    )
    message.refresh_from_db()
    assert bytes(message.raw) == raw
    assert message.language == "zh-hans"


def test_attachments_are_kept_within_size_and_type_limits(sha):
    data = _email(
        attachments=[
            channels.Attachment("photo.png", "image/png", PNG),
            channels.Attachment("evil.html", "text/html", b"<script>alert(1)</script>"),
            channels.Attachment("fake.png", "image/png", b"<svg onload=alert(1)>"),
            channels.Attachment("huge.pdf", "application/pdf", b"%PDF-" + b"0" * (6 * 1024 * 1024)),
            channels.Attachment("../../etc/passwd", "text/plain", b"root:x:0:0"),
        ]
    )
    message, _ = channels.incoming_receive(prop=sha, data=data)
    stored = {a.filename: a for a in IncomingAttachment.objects.filter(message=message)}
    assert stored["photo.png"].refused == "" and bytes(stored["photo.png"].data) == PNG
    assert stored["evil.html"].refused == "type not accepted" and bytes(stored["evil.html"].data) == b""
    assert stored["fake.png"].refused == "content is not of its type"
    assert stored["huge.pdf"].refused == "too large" and bytes(stored["huge.pdf"].data) == b""
    assert stored["passwd"].refused == ""  # the path is gone, only the name is kept


def test_staff_turn_a_message_into_a_case_that_keeps_the_message_and_its_channel(sha, clerk, department):
    # Given an email from a registered guest, received 40 minutes ago
    guest = factories.make_guest(family_name_latin="Li", given_name_latin="Na", email="li.na@guest.example")
    received = timezone.now() - dt.timedelta(minutes=40)
    message, _ = channels.incoming_receive(prop=sha, data=_email(received_at=received))
    # When the clerk sees the match and logs a case from it
    matches = channels.guest_matches(message=message)
    assert [(m.guest, m.reason) for m in matches] == [(guest, "email")]
    complaint = channels.incoming_to_case(
        message=message,
        actor=clerk,
        data=services.ComplaintInput(guest_words=message.body, department=department, guest=guest),
        expected_version=message.version,
    )
    # Then the case is on the email channel, reported when the email arrived, with the message on it
    assert complaint.channel == Channel.EMAIL
    assert complaint.reported_at == received
    assert complaint.guest == guest
    message.refresh_from_db()
    assert message.status == IncomingStatus.CASE_CREATED and message.complaint == complaint
    assert message.guest_confirmed
    event = ComplaintEvent.objects.get(complaint=complaint, kind=EventKind.MESSAGE_IN)
    assert "loud all night" in event.note
    assert event.data["incoming"] == message.pk


def test_a_message_handled_once_cannot_be_handled_again_nor_with_a_stale_version(sha, clerk, department):
    message, _ = channels.incoming_receive(prop=sha, data=_email())
    with pytest.raises(StaleRecord):
        channels.incoming_dismiss(message=message, actor=clerk, expected_version=message.version + 1)
    channels.incoming_dismiss(message=message, actor=clerk, expected_version=message.version)
    with pytest.raises(channels.IntakeError):
        channels.incoming_to_case(
            message=message,
            actor=clerk,
            data=services.ComplaintInput(guest_words="x", department=department, complainant_name="Li"),
        )
    assert not Complaint.objects.exists()


def test_a_message_attaches_to_an_existing_case_of_the_same_hotel_only(sha, hgh, clerk):
    case = factories.log_case(sha, clerk)
    other = factories.log_case(hgh, factories.front_desk_at(hgh))
    message, _ = channels.incoming_receive(prop=sha, data=_email())
    with pytest.raises(channels.IntakeError):
        channels.incoming_attach(message=message, complaint=other, actor=clerk)
    channels.incoming_attach(message=message, complaint=case, actor=clerk, expected_version=message.version)
    message.refresh_from_db()
    assert message.status == IncomingStatus.ATTACHED and message.complaint == case
    assert ComplaintEvent.objects.filter(complaint=case, kind=EventKind.MESSAGE_IN).count() == 1


def test_guests_match_by_phone_booking_number_and_a_confirmed_wechat_id(sha, clerk, department):
    room = factories.make_room(sha, "2101")
    guest = factories.make_guest(family_name_latin="Zhou", phones=["+8613812345678"])
    today = timezone.localdate()
    stay = stay_create(
        prop=sha, guest=guest, room=room, arrival=today, departure=today + dt.timedelta(days=2), actor=clerk
    )
    by_phone, _ = channels.incoming_receive(
        prop=sha, data=_email(external_id="<p@x>", sender="a@b.example", body="Call me on 138 1234 5678")
    )
    by_booking, _ = channels.incoming_receive(
        prop=sha,
        data=_email(
            external_id="<b@x>", sender="a@b.example", body=f"Booking {stay.confirmation_number}: cold"
        ),
    )
    wechat, _ = channels.incoming_receive(
        prop=sha, data=_email(external_id="9", channel=Channel.WECHAT, sender="oWeChatOpenId1", body="hi")
    )
    assert [(m.guest, m.reason) for m in channels.guest_matches(message=by_phone)] == [(guest, "phone")]
    booking = channels.guest_matches(message=by_booking)
    assert [(m.guest, m.reason, m.stay) for m in booking] == [(guest, "booking", stay)]
    assert channels.guest_matches(message=wechat) == []
    # When staff confirm the guest on a WeChat message, the next one from that id matches at once
    channels.incoming_to_case(
        message=wechat,
        actor=clerk,
        data=services.ComplaintInput(guest_words="hi", department=department, guest=guest),
    )
    assert ChannelIdentity.objects.filter(identifier="oWeChatOpenId1", guest=guest).exists()
    later, _ = channels.incoming_receive(
        prop=sha, data=_email(external_id="10", channel=Channel.WECHAT, sender="oWeChatOpenId1", body="again")
    )
    assert [(m.guest, m.reason) for m in channels.guest_matches(message=later)] == [(guest, "wechat")]


def test_erasing_a_guest_scrubs_their_messages_and_channel_ids(sha, clerk, department):
    from guests.services import guest_erase

    guest = factories.make_guest(family_name_latin="Gone", email="li.na@guest.example")
    message, _ = channels.incoming_receive(
        prop=sha, data=_email(attachments=[channels.Attachment("p.png", "image/png", PNG)])
    )
    case = channels.incoming_to_case(
        message=message,
        actor=clerk,
        data=services.ComplaintInput(guest_words="noise", department=department, guest=guest),
    )
    reply = channels.reply_send(complaint=case, actor=clerk, body="Dear Ms Li, we are sorry.")
    ChannelIdentity.objects.create(
        guest=guest, channel=Channel.WECHAT, identifier="oGone", confirmed_by=clerk
    )
    grm = factories.make_staff("erasing-grm", roles_at={sha: "Guest Relations Manager"})
    guest_erase(guest=guest, actor=grm, reason="Guest asked (PIPL)")
    message.refresh_from_db()
    assert (message.sender, message.body, message.subject, bytes(message.raw)) == ("erased", "", "", b"")
    assert not IncomingAttachment.objects.filter(message=message).exists()
    assert not ChannelIdentity.objects.filter(guest=guest).exists()
    # And the copies: the timeline's entry of her message, our reply to her
    event = ComplaintEvent.objects.get(complaint=case, kind=EventKind.MESSAGE_IN)
    assert "loud all night" not in event.note and event.data["sender"] == "erased"
    reply.refresh_from_db()
    assert (reply.recipient, reply.body) == ("erased", "")
    assert reply.status == OutgoingReplyStatus.FAILED  # not sent to her after all


def test_erasing_a_guest_scrubs_the_imported_review_their_case_came_from(sha, clerk, department):
    from guests.services import guest_erase

    guest = factories.make_guest(family_name_latin="Gone")
    source = ReviewSource.objects.create(
        property=sha, name="Site", mapping={"external_id": "id", "text": "text", "author": "who"}
    )
    rows = channels.reviews_read(
        source=source, data=b"id,who,text\n1,Li Na,The room was dirty\n", filename="e.csv"
    )
    channels.reviews_import(source=source, rows=rows)
    message = IncomingMessage.objects.get(channel=Channel.REVIEW_SITE)
    channels.incoming_to_case(
        message=message,
        actor=clerk,
        data=services.ComplaintInput(guest_words="dirty", department=department, guest=guest),
    )
    guest_erase(
        guest=guest,
        actor=factories.make_staff("erasing-grm2", roles_at={sha: "Guest Relations Manager"}),
        reason="PIPL",
    )
    review = ImportedReview.objects.get(source=source)
    assert (review.author, review.text) == ("", "")


def _case_from_email(sha, clerk, department):
    message, _ = channels.incoming_receive(prop=sha, data=_email())
    return channels.incoming_to_case(
        message=message,
        actor=clerk,
        data=services.ComplaintInput(
            guest_words=message.body, department=department, complainant_name="Li Na"
        ),
    )


def test_only_the_guest_answering_our_reply_joins_the_case_a_stranger_naming_it_waits(sha, clerk, department):
    # Given a case from Li Na's email and our reply to her
    case = _case_from_email(sha, clerk, department)
    reply = channels.reply_send(complaint=case, actor=clerk, body="We are sorry.")
    # When someone else sends a message naming our reply (or her message) as the one it answers
    stranger, _ = channels.incoming_receive(
        prop=sha,
        data=_email("<s1@else.example>", sender="mallory@else.example", reply_to_ids=[reply.message_id]),
    )
    stranger_too, _ = channels.incoming_receive(
        prop=sha,
        data=_email("<s2@else.example>", sender="mallory@else.example", reply_to_ids=["<m1@guest.example>"]),
    )
    # Then it waits in the queue for staff, not on the case
    for message in (stranger, stranger_too):
        assert (message.status, message.complaint) == (IncomingStatus.NEW, None)
    # While Li Na's own answer (her address in any case) joins the case at once
    answer, _ = channels.incoming_receive(
        prop=sha,
        data=_email("<m2@guest.example>", sender="Li.Na@Guest.Example", reply_to_ids=[reply.message_id]),
    )
    assert (answer.status, answer.complaint) == (IncomingStatus.ATTACHED, case)


def test_a_reply_goes_to_the_guest_not_to_whoever_wrote_last_on_the_case(sha, clerk, department):
    case = _case_from_email(sha, clerk, department)
    other, _ = channels.incoming_receive(
        prop=sha, data=_email("<o1@else.example>", sender="someone@else.example")
    )
    channels.incoming_attach(message=other, complaint=case, actor=clerk)  # staff judged it belongs here
    reply = channels.reply_send(complaint=case, actor=clerk, body="We are sorry.")
    assert reply.recipient == "li.na@guest.example"
    assert reply.incoming.external_id == "<m1@guest.example>"


def test_a_backdated_email_or_an_old_review_makes_a_case_reported_now(sha, clerk, department):
    # Given an email whose Date header claims last year, and a review posted months ago
    raw = (
        b"From: li.na@guest.example\r\nMessage-ID: <old@guest.example>\r\nSubject: Cold\r\n"
        b"Date: Mon, 01 Dec 2025 08:00:00 +0800\r\n\r\nThe room is cold."
    )
    before = timezone.now()
    emailed, _ = channels.incoming_receive(prop=sha, data=channels.email_parse(raw))
    assert emailed.received_at >= before  # when it reached us, not the sender's Date
    source = ReviewSource.objects.create(
        property=sha, name="Site", mapping={"external_id": "id", "text": "text", "posted_at": "date"}
    )
    channels.reviews_import(
        source=source,
        rows=channels.reviews_read(
            source=source, data=b"id,date,text\n1,2026-06-01,The room was dirty\n", filename="e.csv"
        ),
    )
    reviewed = IncomingMessage.objects.get(channel=Channel.REVIEW_SITE)
    # When cases are logged from them
    for message in (emailed, reviewed):
        case = channels.incoming_to_case(
            message=message,
            actor=clerk,
            data=services.ComplaintInput(
                guest_words=message.body, department=department, complainant_name="G"
            ),
        )
        # Then each is reported now (its reminders are not already due); the review occurred when posted
        assert case.reported_at >= before
    assert timezone.localtime(case.occurred_at).date() == dt.date(2026, 6, 1)
