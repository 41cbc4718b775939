"""Problems across rooms (issue #20): raised by the trigger, decided, corrected, verified, reopened."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from complaints import reminders, services
from complaints.models import (
    ApprovalRequest,
    Notification,
    Problem,
    ProblemEventKind,
    ProblemGrouping,
    ProblemScope,
    ProblemState,
    ProblemTrigger,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def engineering(sha):
    return factories.make_department(sha, "engineering", categories=["Air conditioning", "Plumbing"])


@pytest.fixture
def aircon(engineering):
    return engineering.categories.get(name_en="Air conditioning")


@pytest.fixture
def trigger(sha):
    # Three different rooms within 14 days, the same category: one problem.
    return ProblemTrigger.objects.create(
        property=sha, scope=ProblemScope.ROOMS, group_by=ProblemGrouping.CATEGORY, threshold=3, window_days=14
    )


@pytest.fixture
def duty(sha):
    return factories.make_staff("duty_mgr", roles_at={sha: roles.DUTY_MANAGER})


def _case(sha, clerk, department, category, room, *, when=None):
    return factories.log_case(
        sha, clerk, department=department, category=category, room=room, reported_at=when, now=when
    )


def _rooms(sha, *numbers):
    return [factories.make_room(sha, n) for n in numbers]


def test_the_same_fault_in_three_rooms_raises_one_problem_with_its_cases(
    sha, clerk, grm, engineering, aircon, trigger
):
    # Given the trigger "3 rooms in 14 days, same category" and the air conditioning failing in two rooms
    r1, r2, r3 = _rooms(sha, "2101", "2205", "2310")
    now = timezone.now()
    first = _case(sha, clerk, engineering, aircon, r1, when=now - 10 * DAY)
    second = _case(sha, clerk, engineering, aircon, r2, when=now - 5 * DAY)
    # Then below the trigger there is no problem
    assert not Problem.objects.exists()
    # When a third room complains of it
    third = _case(sha, clerk, engineering, aircon, r3, when=now)
    # Then one problem is raised, holding the three cases, and the managers are told
    problem = Problem.objects.get()
    assert problem.state == ProblemState.RAISED and problem.category == aircon
    assert set(problem.cases.all()) == {first, second, third}
    assert problem.events.filter(kind=ProblemEventKind.RAISED).exists()
    assert Notification.objects.filter(recipient=grm, url=problem.get_absolute_url()).exists()


def test_below_the_trigger_no_problem_is_raised(sha, clerk, engineering, aircon, trigger):
    # Given three cases, but two in the same room and one outside the 14-day window
    r1, r2, r3 = _rooms(sha, "2101", "2205", "2310")
    now = timezone.now()
    _case(sha, clerk, engineering, aircon, r1, when=now - 20 * DAY)  # too long ago
    _case(sha, clerk, engineering, aircon, r2, when=now - 2 * DAY)
    _case(sha, clerk, engineering, aircon, r2, when=now - DAY)  # the same room again
    _case(
        sha, clerk, engineering, engineering.categories.get(name_en="Plumbing"), r3, when=now
    )  # another fault
    # Then nothing is raised: two rooms of air conditioning within the window, not three
    assert not Problem.objects.exists()


def test_a_floor_trigger_counts_rooms_of_one_floor_only(sha, clerk, engineering, aircon):
    # Given "2 rooms on one floor, by department"
    ProblemTrigger.objects.create(
        property=sha,
        scope=ProblemScope.FLOOR,
        group_by=ProblemGrouping.DEPARTMENT,
        threshold=2,
        window_days=7,
    )
    a, b, c = _rooms(sha, "2101", "2202", "2203")
    _case(sha, clerk, engineering, aircon, a)
    _case(sha, clerk, engineering, aircon, b)
    assert not Problem.objects.exists()  # floors 21 and 22: one room each
    _case(sha, clerk, engineering, engineering.categories.get(name_en="Plumbing"), c)
    problem = Problem.objects.get()
    assert problem.floor == 22 and problem.category is None and problem.cases.count() == 2


def test_a_later_case_joins_the_open_problem(sha, clerk, engineering, aircon, trigger):
    rooms = _rooms(sha, "2101", "2205", "2310", "2402")
    for room in rooms[:3]:
        _case(sha, clerk, engineering, aircon, room)
    fourth = _case(sha, clerk, engineering, aircon, rooms[3])
    problem = Problem.objects.get()
    assert fourth in problem.cases.all() and problem.cases.count() == 4


@pytest.fixture
def problem(sha, clerk, engineering, aircon, trigger):
    for room in _rooms(sha, "2101", "2205", "2310"):
        _case(sha, clerk, engineering, aircon, room)
    return Problem.objects.get()


def test_a_decision_request_is_routed_to_those_who_decide_and_decided(problem, grm, duty, clerk):
    # Given the owner asks a superior to decide something that is not money
    request = services.problem_request_decision(
        problem=problem, actor=grm, question="Run the cooling season two weeks longer", reason="17 rooms"
    )
    # Then it is an approval request like an offer's, routed to the duty manager (who decides problems)
    assert request.state == ApprovalRequest.State.PENDING and request.offer is None
    assert Notification.objects.filter(recipient=duty, text__contains="Run the cooling").exists()
    assert not Notification.objects.filter(recipient=clerk, text__contains="Run the cooling").exists()
    # And a front-desk clerk cannot decide it, nor the requester
    with pytest.raises(services.ComplaintError):
        services.approval_decide(approval=request, approver=clerk, approve=True)
    with pytest.raises(services.ComplaintError):
        services.approval_decide(approval=request, approver=grm, approve=True)
    # When the duty manager decides through the same service as offers
    services.approval_decide(approval=request, approver=duty, approve=True, note="Agreed")
    request.refresh_from_db()
    assert request.state == ApprovalRequest.State.APPROVED and request.decided_by == duty
    assert problem.events.filter(kind=ProblemEventKind.DECIDED, actor=duty).exists()
    assert Notification.objects.filter(recipient=grm, text__contains="Decided yes").exists()


def test_declining_a_decision_needs_a_reason(problem, grm, duty):
    request = services.problem_request_decision(problem=problem, actor=grm, question="Replace the boiler")
    with pytest.raises(services.ComplaintError):
        services.approval_decide(approval=request, approver=duty, approve=False, note="")
    request.refresh_from_db()
    assert request.state == ApprovalRequest.State.PENDING


def _to_verifying(problem, grm, engineer):
    services.problem_set_owner(problem=problem, actor=grm, expected_version=problem.version, owner=grm)
    problem.refresh_from_db()
    services.problem_record_root_cause(
        problem=problem, actor=grm, expected_version=problem.version, root_cause="Chiller set too warm"
    )
    problem.refresh_from_db()
    services.problem_plan_action(
        problem=problem,
        actor=grm,
        expected_version=problem.version,
        corrective_action="Reset the chiller to 7 °C",
        action_owner=engineer,
        due_at=timezone.now() + DAY,
    )
    problem.refresh_from_db()
    services.problem_complete_action(problem=problem, actor=engineer, expected_version=problem.version)
    problem.refresh_from_db()
    return problem


def test_a_problem_cannot_close_before_the_verification_period(problem, grm, clerk):
    # Given the corrective action is done: verification (14 days without a repeat) starts
    problem = _to_verifying(problem, grm, clerk)
    assert problem.state == ProblemState.VERIFYING
    # When the manager tries to close it the next day
    with pytest.raises(services.ProblemError, match="verification period"):
        services.problem_close(
            problem=problem, actor=grm, expected_version=problem.version, now=timezone.now() + DAY
        )
    # Then it stays open; after the period it closes
    problem.refresh_from_db()
    assert problem.state == ProblemState.VERIFYING
    services.problem_close(
        problem=problem, actor=grm, expected_version=problem.version, now=timezone.now() + 15 * DAY
    )
    problem.refresh_from_db()
    assert problem.state == ProblemState.CLOSED


def test_a_repeat_during_verification_reopens_the_problem(sha, problem, grm, clerk, engineering, aircon):
    problem = _to_verifying(problem, grm, clerk)
    # When the fault comes back in another room
    repeat = _case(sha, clerk, engineering, aircon, factories.make_room(sha, "2501"))
    # Then the problem is back to corrective action, verification cleared, the owner told
    problem.refresh_from_db()
    assert problem.state == ProblemState.ACTING and problem.verification_ends_at is None
    assert problem.reopened_count == 1 and repeat in problem.cases.all()
    assert problem.events.filter(kind=ProblemEventKind.REOPENED, complaint=repeat).exists()
    assert Notification.objects.filter(recipient=grm, text__contains="reopened").exists()
    # And it cannot be closed now
    with pytest.raises(services.ProblemError):
        services.problem_close(
            problem=problem, actor=grm, expected_version=problem.version, now=timezone.now() + 30 * DAY
        )


def test_a_repeat_soon_after_closing_reopens_it(sha, problem, grm, clerk, engineering, aircon):
    problem = _to_verifying(problem, grm, clerk)
    Problem.objects.filter(pk=problem.pk).update(verification_ends_at=timezone.now() - DAY)
    problem.refresh_from_db()
    services.problem_close(problem=problem, actor=grm, expected_version=problem.version)
    _case(sha, clerk, engineering, aircon, factories.make_room(sha, "2501"))
    problem.refresh_from_db()
    assert problem.state == ProblemState.ACTING and Problem.objects.count() == 1


def test_the_corrective_action_needs_the_root_cause_first(problem, grm):
    with pytest.raises(services.ProblemError, match="root cause"):
        services.problem_plan_action(
            problem=problem,
            actor=grm,
            expected_version=problem.version,
            corrective_action="Reset",
            action_owner=grm,
            due_at=timezone.now() + DAY,
        )


def test_a_stale_page_cannot_overwrite_the_problem(problem, grm):
    services.problem_record_root_cause(
        problem=problem, actor=grm, expected_version=problem.version, root_cause="First"
    )
    with pytest.raises(services.StaleProblem):
        services.problem_record_root_cause(
            problem=problem, actor=grm, expected_version=problem.version, root_cause="Second"
        )


def test_an_overdue_corrective_action_is_reminded_and_escalated(problem, grm, clerk, duty):
    # Given a corrective action due tomorrow
    services.problem_record_root_cause(
        problem=problem, actor=grm, expected_version=problem.version, root_cause="x"
    )
    problem.refresh_from_db()
    due = timezone.now() + DAY
    services.problem_plan_action(
        problem=problem,
        actor=grm,
        expected_version=problem.version,
        corrective_action="Reset",
        action_owner=clerk,
        due_at=due,
    )
    # Then the owner is reminded when due and the managers a day later, through the reminder outbox
    planned = Reminder.objects.filter(
        problem=problem, subject="problem_action", status=ReminderStatus.PENDING
    )
    assert planned.filter(kind=ReminderKind.DUE, recipient=clerk, due_at=due).exists()
    assert planned.filter(kind=ReminderKind.ESCALATION, recipient=duty).exists()
    escalation = planned.filter(kind=ReminderKind.ESCALATION, recipient=duty).get()
    assert reminders.deliver(reminder_id=escalation.pk)
    assert Notification.objects.filter(recipient=duty, url=problem.get_absolute_url()).exists()
    # And once done, the action's reminders are cancelled
    problem.refresh_from_db()
    services.problem_complete_action(problem=problem, actor=clerk, expected_version=problem.version)
    assert not Reminder.objects.filter(
        problem=problem, subject="problem_action", status=ReminderStatus.PENDING
    ).exists()


def test_sensitive_cases_are_not_pooled_into_problems(sha, clerk, trigger):
    security = factories.make_department(sha, "security", categories=["Harassment"])
    harassment = security.categories.get()
    harassment.is_sensitive = True
    harassment.save()
    for room in _rooms(sha, "2101", "2205", "2310"):
        _case(sha, clerk, security, harassment, room)
    assert not Problem.objects.exists()


def _pending(problem):
    return Reminder.objects.filter(problem=problem, status=ReminderStatus.PENDING)


def test_an_owner_named_after_raising_gets_the_root_cause_reminder(grm, duty, clerk, problem):
    # Given a problem raised with no owner: only the managers' escalations are planned
    due = problem.raised_at + reminders.PROBLEM_ROOT_CAUSE_DAYS * DAY
    escalations = set(_pending(problem).values_list("pk", flat=True))
    assert escalations and not _pending(problem).filter(kind=ReminderKind.DUE).exists()
    # When an owner is named
    services.problem_set_owner(problem=problem, actor=grm, expected_version=problem.version, owner=clerk)
    # Then the owner is reminded when the root cause is due, and the escalations are left as they were
    owner_rows = _pending(problem).filter(kind=ReminderKind.DUE)
    assert list(owner_rows.values_list("subject", "recipient", "due_at")) == [
        ("problem_root_cause", clerk.pk, due)
    ]
    assert set(_pending(problem).exclude(kind=ReminderKind.DUE).values_list("pk", flat=True)) == escalations
    escalated = _pending(problem).filter(kind=ReminderKind.ESCALATION)
    assert set(escalated.values_list("recipient", "due_at")) == {
        (grm.pk, due + reminders.PROBLEM_ESCALATE),
        (duty.pk, due + reminders.PROBLEM_ESCALATE),
    }


def test_replanning_the_corrective_action_moves_its_reminders_to_the_new_owner_and_time(
    grm, duty, clerk, problem
):
    # Given a corrective action planned for the clerk, due tomorrow
    services.problem_record_root_cause(
        problem=problem, actor=grm, expected_version=problem.version, root_cause="x"
    )
    problem.refresh_from_db()
    first_due = timezone.now() + DAY
    services.problem_plan_action(
        problem=problem,
        actor=grm,
        expected_version=problem.version,
        corrective_action="Reset",
        action_owner=clerk,
        due_at=first_due,
    )
    first = set(_pending(problem).values_list("pk", flat=True))
    # When it is planned again for the manager, due in three days
    problem.refresh_from_db()
    second_due = timezone.now() + 3 * DAY
    services.problem_plan_action(
        problem=problem,
        actor=grm,
        expected_version=problem.version,
        corrective_action="Replace the chiller valve",
        action_owner=grm,
        due_at=second_due,
    )
    # Then the clerk's reminder and the escalations of the old time are cancelled
    assert not _pending(problem).filter(recipient=clerk).exists()
    assert not Reminder.objects.filter(pk__in=first).exclude(status=ReminderStatus.CANCELLED).exists()
    # And the new owner is reminded at the new time, the managers a day later
    planned = set(_pending(problem).values_list("kind", "recipient", "due_at"))
    assert (ReminderKind.DUE, grm.pk, second_due) in planned
    assert (ReminderKind.ESCALATION, duty.pk, second_due + reminders.PROBLEM_ESCALATE) in planned
    assert all(due_at >= second_due for _kind, _who, due_at in planned)


def test_rescheduling_a_problem_again_changes_nothing_and_never_resends(grm, duty, clerk, problem):
    # Given a problem with an owner, whose root-cause reminder has gone out
    services.problem_set_owner(problem=problem, actor=grm, expected_version=problem.version, owner=clerk)
    problem.refresh_from_db()
    owner_row = _pending(problem).get(kind=ReminderKind.DUE, recipient=clerk)
    assert reminders.deliver(reminder_id=owner_row.pk)
    before = list(Reminder.objects.filter(problem=problem).values_list("pk", "status").order_by("pk"))
    # When its reminders are brought in line twice more
    reminders.reschedule_problem(problem)
    reminders.reschedule_problem(problem)
    # Then nothing is added or cancelled, and the sent reminder is not planned again
    after = list(Reminder.objects.filter(problem=problem).values_list("pk", "status").order_by("pk"))
    assert after == before
    assert (owner_row.pk, ReminderStatus.SENT) in after


def test_the_timeline_keeps_the_systems_wording_as_keys_and_peoples_words_as_notes(
    sha, clerk, grm, duty, engineering, aircon, trigger
):
    # Given a problem raised, decided, planned and reopened by staff working in Chinese
    with translation.override("zh-hans"):
        for room in _rooms(sha, "2101", "2205", "2310"):
            _case(sha, clerk, engineering, aircon, room)
        problem = Problem.objects.get()
        request = services.problem_request_decision(problem=problem, actor=grm, question="更换冷水机")
        services.approval_decide(approval=request, approver=duty, approve=True, note="同意，本周内")
        problem.refresh_from_db()
        problem = _to_verifying(problem, grm, clerk)
        _case(sha, clerk, engineering, aircon, factories.make_room(sha, "2501"))
    events = {event.kind: event for event in problem.events.all()}
    # Then the system's wording is stored as a key, what people typed as plain text
    raised, decided = events[ProblemEventKind.RAISED], events[ProblemEventKind.DECIDED]
    action, reopened = events[ProblemEventKind.ACTION], events[ProblemEventKind.REOPENED]
    assert raised.data["text"]["key"] == "complaints.problem_raised_what" and raised.note == ""
    assert decided.data["text"]["key"] == "complaints.problem_decided_line" and decided.note == "同意，本周内"
    assert action.note == "Reset the chiller to 7 °C"
    assert reopened.data["text"]["key"] == "complaints.problem_repeat_verifying"
    # And an English reader reads English, a Chinese reader Chinese
    with translation.override("en"):
        assert raised.text == "3 rooms within 14 days (threshold 3)."
        assert decided.text == "Decided yes: 更换冷水机\n同意，本周内"
        assert action.text.startswith("By ") and ", due " in action.text
        assert action.text.endswith("\nReset the chiller to 7 °C")
        assert "happened during the verification period" in reopened.text
    with translation.override("zh-hans"):
        assert raised.text == "14 天内 3 房间（阈值 3）。"
        assert decided.text.startswith("决定：同意（更换冷水机）")
        assert action.text.startswith("由 ") and "年" in action.text
        assert "发生在验证期内" in reopened.text


def test_a_timeline_row_written_before_keys_shows_its_stored_note(problem):
    # Given a row from before the system's wording was stored as a key
    event = problem.events.create(kind=ProblemEventKind.REOPENED, note="P-1 happened again.")
    # Then it reads as it was written, in every language
    with translation.override("zh-hans"):
        assert event.text == "P-1 happened again."
