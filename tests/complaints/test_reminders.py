"""Reminders and escalations (complaints.reminders): due times, recipients, steps, delivery, digest."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from complaints import reminders, services
from complaints.models import (
    DigestSetting,
    Notification,
    Reminder,
    ReminderKind,
    ReminderStatus,
    ServiceLevelRule,
)
from complaints.workflow import Status, Verdict
from guests import services as guest_services
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
K = ReminderKind
R = ReminderStatus


# --- fixtures and helpers -------------------------------------------------------------


@pytest.fixture
def dept(sha):
    return factories.make_department(sha, "housekeeping")


@pytest.fixture
def duty_manager(sha):
    return factories.make_staff("duty", roles_at={sha: roles.DUTY_MANAGER})


def rows(case, *, kind=None, subject=None, status=R.PENDING) -> list[Reminder]:
    found = Reminder.objects.filter(complaint=case)
    if kind:
        found = found.filter(kind=kind)
    if subject:
        found = found.filter(subject=subject)
    if status:
        found = found.filter(status=status)
    return list(found.order_by("kind", "recipient_id"))


def only(case, kind, subject=None) -> Reminder:
    (row,) = rows(case, kind=kind, subject=subject)
    return row


def recipients(case, kind, subject=None) -> set:
    return {r.recipient for r in rows(case, kind=kind, subject=subject)}


def act(service, case, actor, **kwargs):
    """Call a service the way the case page does: with the version the clerk loaded."""
    case.refresh_from_db()
    return service(complaint=case, actor=actor, expected_version=case.version, **kwargs)


def to_resolving(case, actor):
    act(services.complaint_confirm_restatement, case, actor, confirmed=True)
    act(services.complaint_apologise, case, actor, method="in_person")


def make_offer(case, actor):
    return act(services.offer_make, case, actor, remedy_type="amenity", description="Fruit", value=Decimal(0))


def answer(case, actor, offer, *, accepted):
    return act(services.offer_answer, case, actor, offer_id=offer.pk, accepted=accepted)


def in_house_until(prop, actor, departure: dt.date, **guest_fields):
    guest = factories.make_guest(**guest_fields)
    room = factories.make_room(prop)
    return guest_services.stay_create(
        prop=prop,
        guest=guest,
        room=room,
        arrival=prop.today(),
        departure=departure,
        actor=actor,
        check_in=True,
    )


def local(prop, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=prop.tzinfo)


def claim_and_deliver(*, now=None) -> list[int]:
    ids = reminders.claim_due(now=now)
    for reminder_id in ids:
        reminders.deliver(reminder_id=reminder_id)
    return ids


# --- due times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "minutes"), [("low", 60), ("medium", 30), ("high", 15), ("critical", 5)]
)
def test_the_apology_is_due_within_the_default_time_for_the_severity(sha, clerk, dept, severity, minutes):
    # Given a hotel without its own service-level rules, when a case is logged
    case = factories.log_case(sha, clerk, severity=severity)
    # Then the assignee is reminded when the apology falls due, and the case shows that time
    due = only(case, K.DUE)
    assert (due.recipient, due.subject) == (clerk, "apologise")
    assert due.due_at == case.reported_at + minutes * MIN
    case.refresh_from_db()
    assert case.step_due_at == due.due_at


@pytest.mark.parametrize(("severity", "minutes"), [("low", 30), ("medium", 15), ("critical", 2.5)])
def test_a_vip_guest_gets_half_the_default_time(sha, clerk, dept, severity, minutes):
    vip = factories.make_guest(vip_level=1)
    case = factories.log_case(sha, clerk, severity=severity, guest=vip)
    assert only(case, K.DUE).due_at == case.reported_at + minutes * MIN


def test_the_hotels_own_rules_replace_the_defaults_with_its_vip_rule_for_vips(sha, clerk, grm, dept):
    # Given the hotel's own rules for medium cases: one for everyone, a tighter one for VIPs
    common = {"first_offer_minutes": 60, "action_minutes": 60, "verify_minutes": 60}
    ServiceLevelRule.objects.create(
        property=sha,
        severity="medium",
        vip=False,
        apologise_minutes=45,
        escalate_after_minutes=20,
        escalate_again_after_minutes=50,
        **common,
    )
    ServiceLevelRule.objects.create(
        property=sha,
        severity="medium",
        vip=True,
        apologise_minutes=7,
        escalate_after_minutes=10,
        escalate_again_after_minutes=25,
        **common,
    )
    # When a case is logged for a VIP and one for a regular guest
    vip_case = factories.log_case(sha, clerk, severity="medium", guest=factories.make_guest(vip_level=2))
    regular = factories.log_case(sha, clerk, severity="medium")
    # Then each follows its rule, escalations included (second level: the GRM, no group director)
    assert only(vip_case, K.DUE).due_at == vip_case.reported_at + 7 * MIN
    assert only(vip_case, K.ESCALATION).due_at == vip_case.reported_at + 17 * MIN
    assert only(vip_case, K.ESCALATION_2).due_at == vip_case.reported_at + 32 * MIN
    assert only(regular, K.DUE).due_at == regular.reported_at + 45 * MIN
    assert only(regular, K.ESCALATION).due_at == regular.reported_at + 65 * MIN
    # And another hotel's rules do not apply here
    ServiceLevelRule.objects.filter(property=sha).update(property=factories.make_property("OTH"))
    later = factories.log_case(sha, clerk, severity="medium")
    assert only(later, K.DUE).due_at == later.reported_at + 30 * MIN


def test_with_only_a_regular_rule_a_vip_gets_half_of_it(sha, clerk, grm, dept):
    # Given the hotel's own rule for medium cases and no VIP rule
    ServiceLevelRule.objects.create(
        property=sha,
        severity="medium",
        vip=False,
        apologise_minutes=40,
        first_offer_minutes=60,
        action_minutes=60,
        verify_minutes=60,
        escalate_after_minutes=20,
        escalate_again_after_minutes=50,
    )
    # When a VIP complains, the hotel's rule is halved for them; a regular guest gets it whole
    vip_case = factories.log_case(sha, clerk, severity="medium", guest=factories.make_guest(vip_level=1))
    regular = factories.log_case(sha, clerk, severity="medium")
    assert only(vip_case, K.DUE).due_at == vip_case.reported_at + 20 * MIN
    assert only(vip_case, K.ESCALATION).due_at == vip_case.reported_at + 30 * MIN
    assert only(regular, K.DUE).due_at == regular.reported_at + 40 * MIN


def test_a_due_time_after_the_guest_leaves_is_pulled_to_an_hour_before_noon_checkout(sha, clerk, dept):
    # Given a guest who checks out tomorrow (noon, hotel time)
    departure = sha.today() + DAY
    stay = in_house_until(sha, clerk, departure)
    # When a low-severity case (an hour to apologise) is logged at 10:30 on the departure day
    case = factories.log_case(sha, clerk, severity="low", stay=stay, now=local(sha, departure, 10, 30))
    # Then the apology is due at 11:00, not 11:30, and escalations count from there
    due = only(case, K.DUE)
    assert due.due_at == local(sha, departure, 11, 0)
    case.refresh_from_db()
    assert case.step_due_at == local(sha, departure, 11, 0)


def test_a_pulled_due_time_still_leaves_five_minutes(sha, clerk, dept):
    departure = sha.today() + DAY
    stay = in_house_until(sha, clerk, departure)
    case = factories.log_case(sha, clerk, severity="low", stay=stay, now=local(sha, departure, 10, 58))
    assert only(case, K.DUE).due_at == local(sha, departure, 11, 3)


def test_a_due_time_before_the_departure_deadline_is_not_moved(sha, clerk, dept):
    departure = sha.today() + DAY
    stay = in_house_until(sha, clerk, departure)
    case = factories.log_case(sha, clerk, severity="low", stay=stay, now=local(sha, departure, 9, 0))
    assert only(case, K.DUE).due_at == local(sha, departure, 10, 0)


# --- who hears about it ---------------------------------------------------------------


def test_overdue_escalates_to_the_hotels_managers_then_to_group_directors(
    sha, hgh, clerk, dept, duty_manager
):
    # Given managers of this hotel, a manager of another hotel, a clerk colleague and a group director
    grm = factories.make_staff("grm", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
    factories.make_staff("elsewhere", roles_at={hgh: roles.GUEST_RELATIONS_MANAGER})
    factories.front_desk_at(sha, username="colleague")
    director = factories.make_staff("director", group_role=roles.GROUP_DIRECTOR)
    factories.make_staff("retired", group_role=roles.GROUP_DIRECTOR, is_active=False)
    # When a medium case is logged (30 min to apologise, escalate after 30, again after 120)
    case = factories.log_case(sha, clerk, severity="medium")
    # Then the first escalation goes to this hotel's GRM and duty manager, the second to the director
    assert recipients(case, K.DUE) == {clerk}
    assert recipients(case, K.ESCALATION) == {grm, duty_manager}
    assert recipients(case, K.ESCALATION_2) == {director}
    assert {r.due_at for r in rows(case, kind=K.ESCALATION)} == {case.reported_at + 60 * MIN}
    assert only(case, K.ESCALATION_2).due_at == case.reported_at + 150 * MIN


def test_without_a_group_director_the_second_escalation_goes_to_the_guest_relations_managers(
    sha, clerk, dept, duty_manager
):
    grm = factories.make_staff("grm", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
    case = factories.log_case(sha, clerk)
    assert recipients(case, K.ESCALATION) == {grm, duty_manager}
    assert recipients(case, K.ESCALATION_2) == {grm}


# --- following the case ---------------------------------------------------------------


def test_each_step_cancels_the_previous_steps_reminders_and_schedules_its_own(sha, clerk, grm, dept):
    # Given a logged case: apology reminders for the clerk and the GRM
    case = factories.log_case(sha, clerk, severity="medium")
    apologise = rows(case, subject="apologise")
    assert {r.kind for r in apologise} == {K.DUE, K.ESCALATION, K.ESCALATION_2}
    # When the restatement is confirmed the apology is still what is due: nothing changes
    act(services.complaint_confirm_restatement, case, clerk, confirmed=True)
    assert rows(case) == apologise
    # When the apology is recorded
    before = timezone.now()
    act(services.complaint_apologise, case, clerk, method="in_person")
    # Then the apology reminders are cancelled and the offer (2 h for medium) is due
    assert {r.status for r in Reminder.objects.filter(pk__in=[r.pk for r in apologise])} == {R.CANCELLED}
    resolve = only(case, K.DUE, "resolve")
    assert before + 120 * MIN <= resolve.due_at <= timezone.now() + 120 * MIN
    assert {r.subject for r in rows(case)} == {"resolve"}
    case.refresh_from_db()
    assert case.step_due_at == resolve.due_at
    # When an offer is out, nothing is due until the guest answers
    offer = make_offer(case, clerk)
    assert rows(case) == []
    # When the guest declines, the next offer is due again
    answer(case, clerk, offer, accepted=False)
    assert recipients(case, K.DUE, "resolve") == {clerk}
    # When the guest accepts the next one, the follow-up is due; an action brings its own reminder
    answer(case, clerk, make_offer(case, clerk), accepted=True)
    assert {r.subject for r in rows(case)} == {"follow_up"}
    helper = factories.front_desk_at(sha, username="engineer")
    action = act(
        services.action_add,
        case,
        clerk,
        description="Fix the tap",
        due_at=timezone.now() + HOUR,
        assignee=helper,
    )
    assert {r.subject for r in rows(case)} == {f"action:{action.pk}"}
    assert only(case, K.DUE).recipient == helper
    assert only(case, K.DUE).due_at == action.due_at
    # When the action is done, the plan is due again; asking the guest to verify makes verifying due
    act(services.action_complete, case, clerk, action_id=action.pk)
    assert {r.subject for r in rows(case)} == {"follow_up"}
    act(services.complaint_request_verification, case, clerk)
    assert {r.subject for r in rows(case)} == {"verify"}
    # When the guest is satisfied and the case closes, nothing is left to remind anyone of
    act(services.complaint_verify, case, clerk, verdict=Verdict.VERY_SATISFIED)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert rows(case) == []
    assert not Reminder.objects.filter(complaint=case, status=R.CLAIMED).exists()


def test_reassigning_moves_the_pending_reminders_to_the_new_assignee(sha, clerk, grm, dept):
    # Given a case with its apology reminder for the clerk, and the escalation for the GRM
    case = factories.log_case(sha, clerk)
    colleague = factories.front_desk_at(sha, username="colleague")
    due = only(case, K.DUE)
    # When the GRM hands the case to a colleague
    act(services.complaint_assign, case, grm, assignee=colleague)
    # Then the reminder follows the case; the escalations stay with the managers
    due.refresh_from_db()
    assert (due.recipient, due.status) == (colleague, R.PENDING)
    assert recipients(case, K.DUE) == {colleague}
    assert recipients(case, K.ESCALATION) == {grm}


def test_reassigning_moves_reminders_of_actions_without_an_assignee_but_not_of_assigned_ones(
    sha, clerk, grm, dept
):
    # Given a case in follow-up with one action nobody owns and one owned by an engineer
    case = factories.log_case(sha, clerk)
    to_resolving(case, clerk)
    answer(case, clerk, make_offer(case, clerk), accepted=True)
    engineer = factories.front_desk_at(sha, username="engineer")
    unowned = act(
        services.action_add, case, clerk, description="Call the guest", due_at=timezone.now() + HOUR
    )
    owned = act(
        services.action_add,
        case,
        clerk,
        description="Fix the tap",
        due_at=timezone.now() + HOUR,
        assignee=engineer,
    )
    assert only(case, K.DUE, f"action:{unowned.pk}").recipient == clerk
    # When the GRM hands the case to a colleague
    colleague = factories.front_desk_at(sha, username="colleague")
    act(services.complaint_assign, case, grm, assignee=colleague)
    # Then the unowned action's reminder follows the case; the engineer keeps theirs
    assert only(case, K.DUE, f"action:{unowned.pk}").recipient == colleague
    assert only(case, K.DUE, f"action:{owned.pk}").recipient == engineer


# --- claiming and delivering ------------------------------------------------------------


def test_claiming_takes_due_rows_once_and_again_only_after_the_lease(sha, clerk, dept):
    case = factories.log_case(sha, clerk)
    due = only(case, K.DUE)
    # Not yet due: nothing to claim
    assert reminders.claim_due(now=due.due_at - MIN) == []
    # Due: claimed once, with its lease
    assert reminders.claim_due(now=due.due_at) == [due.pk]
    due.refresh_from_db()
    assert (due.status, due.claimed_at, due.lease_until, due.attempts) == (
        R.CLAIMED,
        due.due_at,
        due.due_at + reminders.LEASE,
        1,
    )
    # While the lease runs, no other dispatcher takes it
    assert reminders.claim_due(now=due.due_at + reminders.LEASE - MIN) == []
    # A crashed worker's row comes back when the lease runs out
    assert reminders.claim_due(now=due.due_at + reminders.LEASE + MIN) == [due.pk]
    due.refresh_from_db()
    assert due.attempts == 2


def test_delivering_twice_makes_one_notification_and_marks_the_reminder_sent_once(sha, clerk, dept):
    case = factories.log_case(sha, clerk)
    due = only(case, K.DUE)
    reminders.claim_due(now=due.due_at)
    assert reminders.deliver(reminder_id=due.pk) is True
    due.refresh_from_db()
    first_sent_at = due.sent_at
    # The same message again (a redelivery after a lost ack) changes nothing
    assert reminders.deliver(reminder_id=due.pk) is False
    due.refresh_from_db()
    assert (due.status, due.sent_at) == (R.SENT, first_sent_at)
    (note,) = Notification.objects.filter(recipient=clerk)
    assert note.key == f"reminder:{due.pk}"
    assert case.reference in note.text and note.url == f"/complaints/{case.pk}/"
    # And a sent row is never claimed again
    assert reminders.claim_due(now=due.due_at + 10 * reminders.LEASE) == []


def test_a_reminder_cancelled_after_it_was_claimed_is_not_delivered(sha, clerk, dept):
    # Given a claimed apology reminder whose message is on its way
    case = factories.log_case(sha, clerk)
    due = only(case, K.DUE)
    assert reminders.claim_due(now=due.due_at) == [due.pk]
    # When the clerk apologises before the message arrives
    to_resolving(case, clerk)
    # Then the message does nothing
    assert reminders.deliver(reminder_id=due.pk) is False
    due.refresh_from_db()
    assert due.status == R.CANCELLED and due.sent_at is None
    assert not Notification.objects.exists()


def test_an_email_goes_in_the_recipients_language(sha, dept):
    clerk = factories.front_desk_at(sha, username="li", email="li@example.com")
    clerk.staff_profile.language = "zh-hans"
    clerk.staff_profile.save()
    case = factories.log_case(sha, clerk)
    claim_and_deliver(now=only(case, K.DUE).due_at)
    (email,) = mail.outbox
    assert email.to == ["li@example.com"]
    assert email.subject.startswith("[SHA] ") and case.reference in email.subject


def test_the_bell_counts_a_delivered_reminder(sha, clerk, dept, login):
    # Given a case whose apology is due
    case = factories.log_case(sha, clerk)
    client = login(clerk)
    assert client.get("/rooms/").context["unread_notifications"] == 0
    # When the reminder is delivered
    claim_and_deliver(now=only(case, K.DUE).due_at)
    # Then the clerk's bell shows it
    assert client.get("/rooms/").context["unread_notifications"] == 1


# --- lateness ---------------------------------------------------------------------------


def test_lateness_percentiles_come_from_due_and_sent_times(sha, clerk, dept):
    # Given 20 reminders delivered 1..20 seconds late, and one still waiting
    case = factories.log_case(sha, clerk)
    base = timezone.now() - HOUR
    for n in range(1, 21):
        Reminder.objects.create(
            property=sha,
            complaint=case,
            kind=K.DUE,
            subject="apologise",
            recipient=clerk,
            due_at=base,
            claimed_at=base,
            sent_at=base + n * dt.timedelta(seconds=1),
            status=R.SENT,
            idempotency_key=f"late-{n}",
        )
    # Then p50 is the median and p95 the 95th percentile, in seconds, of the sent rows only
    lateness = reminders.lateness_percentiles(sha)
    assert lateness["count"] == 20
    assert lateness["p50"] == pytest.approx(10.5)
    assert lateness["p95"] == pytest.approx(19.05)
    assert reminders.lateness_percentiles(factories.make_property("EMP")) == {
        "count": 0,
        "p50": None,
        "p95": None,
    }


# --- the daily digest -------------------------------------------------------------------


def test_the_digest_is_queued_once_a_day_per_guest_relations_manager_at_the_local_hour(
    sha, hgh, duty_manager
):
    # Given two GRMs at a hotel whose digest comes at 09:00, a hotel with it switched off,
    # and a hotel in London (its own 09:00)
    DigestSetting.objects.create(property=sha, hour=9)
    DigestSetting.objects.create(property=hgh, enabled=False)
    lon = factories.make_property("LON", time_zone="Europe/London")
    first = factories.make_staff("grm1", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
    second = factories.make_staff("grm2", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
    factories.make_staff("grm3", roles_at={hgh: roles.GUEST_RELATIONS_MANAGER})
    london = factories.make_staff("grm4", roles_at={lon: roles.GUEST_RELATIONS_MANAGER})
    day = dt.date(2026, 12, 1)
    digests = Reminder.objects.filter(kind=K.DIGEST)
    # Before the hour, nothing
    assert reminders.digest_schedule(now=local(sha, day, 8, 59)) == 0
    assert not digests.exists()
    # At the hour, one per GRM of the Shanghai hotel (London is still at 01:00)
    assert reminders.digest_schedule(now=local(sha, day, 9, 0)) == 2
    assert {(r.recipient, r.property) for r in digests} == {(first, sha), (second, sha)}
    # Later that day (every 5 minutes, or from a second beat), nothing more
    assert reminders.digest_schedule(now=local(sha, day, 9, 5)) == 0
    assert reminders.digest_schedule(now=local(sha, day, 15, 0)) == 0
    assert digests.count() == 2
    # 08:00 in London (the default hour) is 16:00 in Shanghai: its GRM gets theirs
    assert reminders.digest_schedule(now=local(lon, day, 7, 59)) == 0
    assert reminders.digest_schedule(now=local(lon, day, 8, 0)) == 1
    assert digests.get(property=lon).recipient == london
    # The next day, again once each
    assert reminders.digest_schedule(now=local(sha, day + DAY, 9, 0)) == 2
    assert digests.filter(property=sha).count() == 4


def _section(body: str, title: str) -> list[str]:
    lines = body.splitlines()
    start = lines.index(f"{title}:") + 1
    items = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        items.append(line.strip())
    return items


def test_the_digest_lists_overdue_cases_departures_to_verify_and_yesterdays_verdicts(sha, clerk, dept):
    grm = factories.make_staff("grm", roles_at={sha: roles.GUEST_RELATIONS_MANAGER}, email="grm@example.com")
    now = timezone.now()
    # Given a case nobody apologised for in three hours
    overdue = factories.log_case(
        sha, clerk, complainant_name="Mr Overdue", reported_at=now - 3 * HOUR, occurred_at=now - 3 * HOUR
    )
    # Two cases closed today: one guest very satisfied, one only OK
    recovered = factories.log_case(sha, clerk, complainant_name="Ms Recovered")
    ok = factories.log_case(sha, clerk, complainant_name="Mr Ok")
    for case, verdict in ((recovered, Verdict.VERY_SATISFIED), (ok, Verdict.SATISFIED)):
        to_resolving(case, clerk)
        answer(case, clerk, make_offer(case, clerk), accepted=True)
        act(services.complaint_request_verification, case, clerk)
        act(services.complaint_verify, case, clerk, verdict=verdict)
    recovered.refresh_from_db()
    tomorrow = sha.today(recovered.verified_at) + DAY
    # And an open case of a guest who checks out tomorrow
    stay = in_house_until(sha, clerk, tomorrow, family_name_latin="Leaving", given_name_latin="Soon")
    departing = factories.log_case(sha, clerk, stay=stay)
    # When tomorrow's 08:00 digest is delivered to the GRM
    at = local(sha, tomorrow, 8, 0)
    assert reminders.digest_schedule(now=at) == 1
    digest = Reminder.objects.get(kind=K.DIGEST)
    assert digest.recipient == grm
    assert reminders.deliver(reminder_id=digest.pk) is True
    # Then the bell shows the summary and the email lists the cases
    note = Notification.objects.get(key=f"reminder:{digest.pk}")
    assert "2 open" in note.text
    assert "1 to verify before departure today" in note.text
    assert "yesterday 1 recovered and 1 only OK" in note.text
    (email,) = mail.outbox
    body = email.body
    overdue_refs = [item.split(" — ")[0] for item in _section(body, "Overdue")]
    assert overdue.reference in overdue_refs
    assert recovered.reference not in overdue_refs and ok.reference not in overdue_refs
    assert _section(body, "Verify before the guest departs today") == [
        f"{departing.reference} — {stay.guest.display_name}"
    ]
    assert _section(body, "Only OK yesterday (a flaw)") == [f"{ok.reference} — Mr Ok"]
    assert _section(body, "Recovered yesterday") == [f"{recovered.reference} — Ms Recovered"]
    # And it is delivered once, however often its message comes
    assert reminders.deliver(reminder_id=digest.pk) is False
    assert Notification.objects.filter(recipient=grm).count() == 1
    assert len(mail.outbox) == 1


# --- a severity change moves the step's times ---------------------------------------------------


def _raise_severity(case, actor, severity):
    case.refresh_from_db()
    services.complaint_update_details(
        complaint=case, actor=actor, expected_version=case.version, changes={"severity": severity}
    )
    case.refresh_from_db()


def test_a_case_raised_to_critical_is_due_sooner_counted_from_the_report(sha, clerk, grm, dept):
    case = factories.log_case(sha, clerk, severity="medium")
    assert only(case, K.DUE).due_at == case.reported_at + 30 * MIN
    _raise_severity(case, clerk, "critical")
    due = only(case, K.DUE)
    assert due.due_at == case.reported_at + 5 * MIN  # critical: apologise within 5 minutes
    assert {r.due_at for r in rows(case, kind=K.ESCALATION)} == {due.due_at + 10 * MIN}
    assert case.step_due_at == due.due_at
    assert len(rows(case, kind=K.DUE, status=R.CANCELLED)) == 1  # the medium one


def test_a_later_step_keeps_its_start_and_takes_the_new_allowance(sha, clerk, dept):
    from tests.complaints.services.cases import walk

    case = factories.log_case(sha, clerk, severity="medium")
    walk(case, clerk, Status.RESOLVING)
    started = only(case, K.DUE, "resolve").due_at - 120 * MIN  # medium: an offer within 2 hours
    _raise_severity(case, clerk, "critical")
    assert only(case, K.DUE, "resolve").due_at == started + 30 * MIN  # critical: within 30 minutes
    _raise_severity(case, clerk, "low")
    assert only(case, K.DUE, "resolve").due_at == started + 240 * MIN
    assert case.step_due_at == started + 240 * MIN


def test_a_step_already_late_keeps_its_escalations_and_nothing_is_sent_twice(sha, clerk, grm, dept):
    case = factories.log_case(sha, clerk, severity="medium")
    due = only(case, K.DUE)
    claim_and_deliver(now=due.due_at + MIN)
    assert [r.pk for r in rows(case, kind=K.DUE, status=R.SENT)] == [due.pk]
    escalations = {r.pk for r in rows(case, kind=K.ESCALATION)}
    _raise_severity(case, clerk, "critical")
    assert rows(case, kind=K.DUE) == []  # not planned again: it went out
    assert {r.pk for r in rows(case, kind=K.ESCALATION)} == escalations
