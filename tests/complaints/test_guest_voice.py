"""The guest's own voice (complaints.guest_voice): links, answers, post-stay checks, figures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import dashboard, guest_voice, rate_limit, services, tasks
from complaints.models import (
    ComplaintEvent,
    EventKind,
    GuestCheck,
    GuestCheckKind,
    Notification,
    RateLimitBucket,
    VerdictSource,
)
from complaints.workflow import Status, Verdict
from guests import services as guest_services
from guests.models import Stay, StayStatus
from tests import factories

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture
def dept(sha):
    return factories.make_department(sha, "housekeeping", categories=["Room not clean"])


def stay_for(sha, clerk, *, email="wang.fang@example.com", language="", room="2606") -> Stay:
    guest = factories.make_guest("王", "芳", email=email, preferred_language=language)
    today = sha.today()
    return guest_services.stay_create(
        prop=sha,
        guest=guest,
        room=factories.make_room(sha, room),
        arrival=today,
        departure=today + 2 * DAY,
        actor=clerk,
        check_in=True,
    )


def act(service, case, actor, **kwargs):
    case.refresh_from_db()
    return service(complaint=case, actor=actor, expected_version=case.version, **kwargs)


def to_verifying(case, actor):
    """Listen, apologise, an accepted offer, then "everything is done: verify with the guest"."""
    act(services.complaint_confirm_restatement, case, actor, confirmed=True)
    act(services.complaint_apologise, case, actor, method="in_person")
    offer = act(
        services.offer_make, case, actor, remedy_type="amenity", description="Fruit", value=Decimal(0)
    )
    act(services.offer_answer, case, actor, offer_id=offer.pk, accepted=True)
    act(services.complaint_request_verification, case, actor)
    case.refresh_from_db()
    assert case.status == Status.VERIFYING
    return case


def verifying_case(sha, clerk, dept, **stay_kwargs):
    stay = stay_for(sha, clerk, **stay_kwargs)
    return to_verifying(factories.log_case(sha, clerk, department=dept, stay=stay), clerk)


def link_of(case) -> GuestCheck:
    return GuestCheck.objects.get(complaint=case, kind=GuestCheckKind.VERIFICATION, revoked_at__isnull=True)


def token_of(case) -> str:
    return guest_voice.guest_check_token(link_of(case))


def dispatch() -> int:
    """What Celery beat runs every minute (called in-process: the task is a plain function)."""
    return tasks.guest_checks_dispatch()


# --- the link is made and emailed ------------------------------------------------------------------


def test_reaching_verifying_makes_one_link_and_the_beat_emails_it_once(sha, clerk, dept):
    # Given a case whose follow-up is done, for a guest with an email address
    case = verifying_case(sha, clerk, dept)
    check = link_of(case)
    # When the dispatch task runs twice
    dispatch()
    dispatch()
    # Then exactly one email went to the guest, from the hotel, text and HTML both holding the link
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    url = guest_voice.guest_check_url(check)
    assert message.to == ["wang.fang@example.com"]
    assert message.from_email.startswith("Grand Plaza Hotel Shanghai <")
    assert url in message.body
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html" and url in html
    assert "Room not clean" in message.body
    check.refresh_from_db()
    assert check.sent_at is not None and check.attempts == 1
    # And the verification event on the timeline says where the link went
    event = case.events.get(kind=EventKind.VERIFICATION_REQUESTED)
    assert "wang.fang@example.com" in event.text and event.data["check"] == check.pk and event.data["text"]


def test_the_email_is_in_the_guests_language(sha, clerk, dept):
    # Given a guest who prefers Chinese, and a category with a Chinese name
    dept.categories.update(name_zh="房间不干净")
    case = verifying_case(sha, clerk, dept, language="zh-hans")
    # When the link is emailed
    dispatch()
    # Then the hotel and the problem are named in Chinese, in the text and the HTML
    (message,) = mail.outbox
    (html, _mimetype), *_ = message.alternatives
    assert link_of(case).language == "zh-hans"
    for text in (message.subject, message.body, html):
        assert "上海君廷大酒店" in text and "Grand Plaza" not in text
    assert "房间不干净" in message.body and "房间不干净" in html
    assert '<html lang="zh-hans">' in html


def test_a_guest_without_email_still_gets_a_link_for_the_desk_but_no_mail(sha, clerk, dept):
    case = verifying_case(sha, clerk, dept, email="")
    check = link_of(case)
    dispatch()
    assert check.sent_to == "" and mail.outbox == []
    assert guest_voice.guest_check_open(guest_voice.guest_check_token(check)) == check


def test_a_new_link_replaces_the_old_one(sha, clerk, dept):
    # Given a case with a link
    case = verifying_case(sha, clerk, dept)
    old = token_of(case)
    # When staff send a new one
    new_check = guest_voice.guest_check_issue(complaint=case, actor=clerk)
    new = guest_voice.guest_check_token(new_check)
    # Then only the new one opens, and the resend is on the timeline
    assert guest_voice.guest_check_open(old) is None
    assert guest_voice.guest_check_open(new) == new_check
    assert case.events.filter(kind=EventKind.GUEST_LINK, actor=clerk).count() == 1


def test_a_link_cannot_be_made_for_a_case_not_being_verified(sha, clerk, dept):
    case = factories.log_case(sha, clerk, department=dept)
    with pytest.raises(services.ComplaintError):
        guest_voice.guest_check_issue(complaint=case, actor=clerk)
    assert not GuestCheck.objects.exists()


# --- the token ------------------------------------------------------------------------------------


def test_a_token_works_once(sha, clerk, dept):
    case = verifying_case(sha, clerk, dept)
    token = token_of(case)
    guest_voice.guest_check_answer(token=token, answer=Verdict.VERY_SATISFIED)
    assert guest_voice.guest_check_open(token) is None
    with pytest.raises(guest_voice.LinkNotValid):
        guest_voice.guest_check_answer(token=token, answer=Verdict.DISSATISFIED)
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.verdict == Verdict.VERY_SATISFIED


def test_a_token_expires(sha, clerk, dept, settings):
    settings.GUEST_CHECK_VALID_DAYS = 7
    case = verifying_case(sha, clerk, dept)
    token = token_of(case)
    later = timezone.now() + 7 * DAY + HOUR
    assert guest_voice.guest_check_open(token, now=later) is None
    with pytest.raises(guest_voice.LinkNotValid):
        guest_voice.guest_check_answer(token=token, answer=Verdict.VERY_SATISFIED, now=later)
    case.refresh_from_db()
    assert case.status == Status.VERIFYING


def test_a_tampered_token_is_rejected(sha, clerk, dept):
    case = verifying_case(sha, clerk, dept)
    check = link_of(case)
    token = guest_voice.guest_check_token(check)
    value, signature = token.rsplit(":", 1)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    forged = [
        value + ":" + flipped,  # signature changed
        f"{check.pk}.{'x' * 22}:{signature}",  # nonce changed, old signature
        signing.Signer(salt="another.salt").sign(value),  # signed for another purpose
        signing.Signer(salt=guest_voice.SALT, key="not-our-secret-key-at-all-0123456789").sign(value),
        token + "x" * 300,  # too long
        "",
    ]
    for bad in forged:
        assert guest_voice.guest_check_open(bad) is None, bad
        with pytest.raises(guest_voice.LinkNotValid):
            guest_voice.guest_check_answer(token=bad, answer=Verdict.DISSATISFIED)
    case.refresh_from_db()
    assert case.status == Status.VERIFYING


def test_a_token_of_case_a_cannot_touch_case_b(sha, clerk, dept):
    # Given two cases being verified
    case_a = verifying_case(sha, clerk, dept)
    case_b = verifying_case(sha, clerk, dept, room="2607")
    check_a, check_b = link_of(case_a), link_of(case_b)
    # When A's nonce is presented with B's id, even correctly signed by someone holding the key
    crossed = signing.Signer(salt=guest_voice.SALT).sign(f"{check_b.pk}.{check_a.nonce}")
    assert guest_voice.guest_check_open(crossed) is None
    # And A's own token is answered
    guest_voice.guest_check_answer(token=guest_voice.guest_check_token(check_a), answer=Verdict.DISSATISFIED)
    # Then only A moved
    case_a.refresh_from_db(), case_b.refresh_from_db()
    assert case_a.status == Status.RESOLVING and case_b.status == Status.VERIFYING
    assert not case_b.events.filter(kind=EventKind.GUEST_VERDICT).exists()


# --- the answer drives the case ------------------------------------------------------------------


def test_very_satisfied_closes_the_case_as_the_guests_own_verdict(sha, clerk, grm, dept):
    case = verifying_case(sha, clerk, dept)
    version = case.version
    guest_voice.guest_check_answer(token=token_of(case), answer=Verdict.VERY_SATISFIED, comment="Thank you!")
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.closed_at is not None
    assert case.verdict == Verdict.VERY_SATISFIED and case.verdict_source == VerdictSource.GUEST
    assert case.recovered() and case.version > version
    event = case.events.get(kind=EventKind.GUEST_VERDICT)
    assert event.actor is None and event.note == "Thank you!"
    assert (event.from_status, event.to_status) == (Status.VERIFYING, Status.CLOSED)
    assert event.data["answer"] == Verdict.VERY_SATISFIED
    # A happy guest needs nobody's attention
    assert not Notification.objects.exists()


@pytest.mark.parametrize("answer", [Verdict.SATISFIED, Verdict.DISSATISFIED])
def test_ok_or_dissatisfied_reopens_to_resolving_and_alerts_owner_and_managers(
    sha, clerk, grm, dept, answer, django_capture_on_commit_callbacks
):
    # Given a case being verified, owned by the clerk; the manager has an email address
    grm.email = "grm@hotel.example"
    grm.save()
    case = verifying_case(sha, clerk, dept)
    mail.outbox.clear()
    # When the guest answers "OK" (or "dissatisfied") with a comment
    with django_capture_on_commit_callbacks(execute=True):  # staff email leaves after the commit
        guest_voice.guest_check_answer(
            token=token_of(case), answer=answer, comment="The smell is still there"
        )
    # Then the case is back at resolving, the guest's answer recorded as theirs
    case.refresh_from_db()
    assert case.status == Status.RESOLVING and case.closed_at is None
    assert case.verdict == answer and case.verdict_source == VerdictSource.GUEST
    event = case.events.get(kind=EventKind.GUEST_VERDICT)
    assert (event.from_status, event.to_status) == (Status.VERIFYING, Status.RESOLVING)
    assert event.note == "The smell is still there" and event.actor is None
    # And the owner and the guest relations manager hear about it: the bell, and email where there is one
    alerted = set(
        Notification.objects.filter(url=f"/complaints/{case.pk}/").values_list("recipient", flat=True)
    )
    assert alerted == {clerk.pk, grm.pk}
    assert [m.to for m in mail.outbox] == [["grm@hotel.example"]]
    assert "The smell is still there" in mail.outbox[0].body
    # And a reminder to offer something again is scheduled
    assert case.step_due_at is not None


def test_an_answer_after_staff_closed_the_case_is_recorded_without_moving_it(sha, clerk, grm, dept):
    # Given staff recorded "very satisfied" at the desk while the link was still out
    case = verifying_case(sha, clerk, dept)
    token = token_of(case)
    act(services.complaint_verify, case, clerk, verdict=Verdict.VERY_SATISFIED)
    # When the guest later answers "dissatisfied" through the link
    guest_voice.guest_check_answer(token=token, answer=Verdict.DISSATISFIED, comment="Not really")
    # Then the case stays closed with the staff's verdict, and the guest's answer is on the timeline
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.verdict == Verdict.VERY_SATISFIED and case.verdict_source == VerdictSource.STAFF
    event = case.events.get(kind=EventKind.GUEST_VERDICT)
    assert event.to_status == "" and event.data["moved"] is False and event.note == "Not really"
    # And the owner and managers are told the guest disagrees
    assert Notification.objects.filter(recipient=grm, text__contains="not moved").exists()


def test_a_repeat_problem_stays_at_verifying_until_staff_diagnose_it(sha, clerk, grm, dept):
    case = verifying_case(sha, clerk, dept)
    type(case).objects.filter(pk=case.pk).update(is_repeat=True)
    guest_voice.guest_check_answer(token=token_of(case), answer=Verdict.VERY_SATISFIED)
    case.refresh_from_db()
    assert case.status == Status.VERIFYING and case.verdict == ""
    assert Notification.objects.filter(recipient=clerk, text__contains="root cause").exists()


def test_a_comment_too_long_is_refused_and_the_link_still_works(sha, clerk, dept):
    case = verifying_case(sha, clerk, dept)
    token = token_of(case)
    with pytest.raises(guest_voice.GuestAnswerError):
        guest_voice.guest_check_answer(token=token, answer=Verdict.SATISFIED, comment="x" * 1001)
    with pytest.raises(guest_voice.GuestAnswerError):
        guest_voice.guest_check_answer(token=token, answer="delighted")
    assert guest_voice.guest_check_open(token) is not None
    assert not ComplaintEvent.objects.filter(kind=EventKind.GUEST_VERDICT).exists()


def test_staff_holding_an_old_copy_of_the_case_get_a_conflict_naming_the_guest(sha, clerk, dept):
    case = verifying_case(sha, clerk, dept)
    loaded = case.version
    guest_voice.guest_check_answer(token=token_of(case), answer=Verdict.SATISFIED)
    with pytest.raises(services.StaleComplaint, match="the guest"):
        services.complaint_withdraw(complaint=case, actor=clerk, expected_version=loaded, reason="x")


# --- after the stay -------------------------------------------------------------------------------


def check_out(stay, clerk, at):
    guest_services.stay_check_out(stay=stay, actor=clerk, now=at)


def test_the_post_stay_check_goes_out_once_after_the_delay(sha, clerk, dept, settings):
    settings.POST_STAY_CHECK_DELAY_MINUTES = 120
    # Given a guest who complained during the stay and checked out 3 hours ago, another 1 hour ago
    stay = stay_for(sha, clerk)
    case = factories.log_case(sha, clerk, department=dept, stay=stay)
    check_out(stay, clerk, timezone.now() - 3 * HOUR)
    recent = stay_for(sha, clerk, email="late@example.com", room="2607")
    factories.log_case(sha, clerk, department=dept, stay=recent)
    check_out(recent, clerk, timezone.now() - HOUR)
    # When the beat task runs twice
    dispatch()
    dispatch()
    # Then only the first guest got one post-stay email, and there is one check for the case
    assert [m.to for m in mail.outbox] == [["wang.fang@example.com"]]
    assert "how did we handle your problem" in mail.outbox[0].subject.lower()
    (check,) = GuestCheck.objects.filter(kind=GuestCheckKind.POST_STAY)
    assert check.complaint == case and check.sent_at is not None
    assert case.events.filter(kind=EventKind.GUEST_LINK, actor__isnull=True).count() == 1


def test_the_post_stay_answer_is_recorded_without_moving_the_case(sha, clerk, grm, dept):
    stay = stay_for(sha, clerk)
    case = factories.log_case(sha, clerk, department=dept, stay=stay)
    check_out(stay, clerk, timezone.now() - 3 * HOUR)
    guest_voice.post_stay_checks_create()
    check = GuestCheck.objects.get(kind=GuestCheckKind.POST_STAY)
    guest_voice.guest_check_answer(token=guest_voice.guest_check_token(check), answer=Verdict.SATISFIED)
    case.refresh_from_db()
    assert case.status == Status.LISTENING and case.verdict == ""
    assert case.events.get(kind=EventKind.GUEST_VERDICT).data["kind"] == GuestCheckKind.POST_STAY
    assert Notification.objects.filter(recipient=grm, text__contains="after the stay").exists()


def test_no_post_stay_check_without_email_for_withdrawn_cases_or_old_check_outs(sha, clerk, dept):
    no_email = stay_for(sha, clerk, email="", room="2601")
    factories.log_case(sha, clerk, department=dept, stay=no_email)
    withdrawn_stay = stay_for(sha, clerk, email="w@example.com", room="2602")
    withdrawn = factories.log_case(sha, clerk, department=dept, stay=withdrawn_stay)
    act(services.complaint_withdraw, withdrawn, clerk, reason="Logged twice")
    old = stay_for(sha, clerk, email="old@example.com", room="2603")
    factories.log_case(sha, clerk, department=dept, stay=old)
    for stay, ago in ((no_email, 3 * HOUR), (withdrawn_stay, 3 * HOUR), (old, 30 * DAY)):
        check_out(stay, clerk, timezone.now() - ago)
    assert guest_voice.post_stay_checks_create() == 0
    assert not GuestCheck.objects.filter(kind=GuestCheckKind.POST_STAY).exists()


# --- the dashboard separates staff-recorded from guest-given verdicts --------------------------------


def test_dashboard_separates_staff_recorded_from_guest_given_verdicts(sha, clerk, grm, dept, login):
    # Given: staff recorded "OK" on one case; a guest closed another "very satisfied" through the link;
    # a third guest answered "dissatisfied" through the link; a fourth answered "OK" after the stay
    staff_ok = verifying_case(sha, clerk, dept, room="2601")
    act(services.complaint_verify, staff_ok, clerk, verdict=Verdict.SATISFIED)
    guest_happy = verifying_case(sha, clerk, dept, room="2602")
    guest_voice.guest_check_answer(token=token_of(guest_happy), answer=Verdict.VERY_SATISFIED)
    guest_unhappy = verifying_case(sha, clerk, dept, room="2603")
    guest_voice.guest_check_answer(token=token_of(guest_unhappy), answer=Verdict.DISSATISFIED, comment="Cold")
    stay = stay_for(sha, clerk, room="2604")
    after_stay = factories.log_case(sha, clerk, department=dept, stay=stay)
    check_out(stay, clerk, timezone.now() - 3 * HOUR)
    guest_voice.post_stay_checks_create()
    (post,) = GuestCheck.objects.filter(kind=GuestCheckKind.POST_STAY)
    guest_voice.guest_check_answer(token=guest_voice.guest_check_token(post), answer=Verdict.SATISFIED)
    # When the manager opens the dashboard
    client = login(grm)
    response = client.get("/complaints/dashboard/?days=30")
    assert response.status_code == 200
    kpis = response.context["kpis"]
    current = kpis["current"]
    # Then staff-recorded and guest-given verdicts are counted apart
    assert (current["staff_verified"], current["staff_recovered"], current["staff_ok"]) == (1, 0, 1)
    assert current["staff_recovery_rate"] == 0.0 and current["staff_ok_share"] == 100.0
    assert (current["guest_answered"], current["guest_recovered"]) == (3, 1)
    assert (current["guest_ok"], current["guest_dissatisfied"]) == (1, 1)
    assert current["guest_recovery_rate"] == pytest.approx(33.3) and current["guest_ok_share"] == 33.3
    # And every one of those figures drills down to exactly the cases it counts
    for key in ("staff_verified", "staff_recovered", "staff_ok", "guest_answered", "guest_recovered"):
        listed = client.get("/complaints/", kpis["drill"][key])
        assert listed.context["page"].paginator.count == current[key], key
    guest_ok = client.get("/complaints/", kpis["drill"]["guest_ok"]).context["page"].object_list
    assert [c.pk for c in guest_ok] == [after_stay.pk]
    # And the guests' own unhappy answers are listed, newest first, with their comment
    assert [c.complaint_id for c in response.context["guest_unhappy"]] == [after_stay.pk, guest_unhappy.pk]
    assert "Cold" in response.content.decode()


def test_the_dashboard_query_count_does_not_grow_with_guest_answers(
    sha, clerk, grm, dept, login, steady_session
):
    client = login(grm)
    first = verifying_case(sha, clerk, dept, room="2601")
    guest_voice.guest_check_answer(token=token_of(first), answer=Verdict.DISSATISFIED)
    client.get("/complaints/dashboard/?days=30")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/complaints/dashboard/?days=30").status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for n in range(2, 8):
        case = verifying_case(sha, clerk, dept, room=f"26{n:02d}")
        guest_voice.guest_check_answer(token=token_of(case), answer=Verdict.SATISFIED, comment=f"c{n}")
    assert queries() == few
    period = dashboard.Period(sha.today(), sha.today())
    assert len(dashboard.guest_unhappy_answers(user=grm, prop=sha, period=period)) == 7


# --- the rate limit counter -----------------------------------------------------------------------


def test_the_rate_limit_counts_per_key_and_window(db):
    now = timezone.now()
    key = rate_limit.key_for("guest-ip", "203.0.113.9")
    assert "203.0.113.9" not in key
    results = [rate_limit.rate_limit_hit(key, limit=3, window_seconds=600, now=now) for _ in range(4)]
    assert results == [True, True, True, False]
    other = rate_limit.key_for("guest-ip", "203.0.113.10")
    assert rate_limit.rate_limit_hit(other, limit=3, window_seconds=600, now=now)
    assert rate_limit.rate_limit_hit(key, limit=3, window_seconds=600, now=now + dt.timedelta(seconds=600))
    assert rate_limit.rate_limit_prune(now=now + 2 * DAY) == 3


def test_beat_prunes_old_rate_limit_windows_in_a_task_of_its_own(db, settings):
    # Given a window two days old and one from now
    now = timezone.now()
    key = rate_limit.key_for("guest-ip", "203.0.113.9")
    rate_limit.rate_limit_hit(key, limit=3, window_seconds=600, now=now - 2 * DAY)
    rate_limit.rate_limit_hit(key, limit=3, window_seconds=600, now=now)
    # When the guest-check dispatch runs, then only the prune task drops the old window
    tasks.guest_checks_dispatch()
    assert RateLimitBucket.objects.count() == 2
    assert tasks.rate_limit_prune() == 1
    assert RateLimitBucket.objects.count() == 1
    # ... and beat runs both
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"complaints.guest_checks_dispatch", "complaints.rate_limit_prune"} <= scheduled


def test_an_erased_guests_link_stops_working(sha, clerk, grm, dept):
    case = verifying_case(sha, clerk, dept)
    token = token_of(case)
    guest_services.guest_erase(guest=case.guest, actor=grm, reason="Guest asked (PIPL)")
    assert guest_voice.guest_check_open(token) is None


def test_checked_out_stays_are_matched_by_status(sha, clerk, dept):
    stay = stay_for(sha, clerk)
    factories.log_case(sha, clerk, department=dept, stay=stay)
    Stay.objects.filter(pk=stay.pk).update(checked_out_at=timezone.now() - 3 * HOUR)  # still in house
    assert stay.status == StayStatus.IN_HOUSE
    assert guest_voice.post_stay_checks_create() == 0
