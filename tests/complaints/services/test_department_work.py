"""Department work acknowledged (issue #20): sent → acknowledged → started → done, or handed back."""

import datetime as dt

import pytest
from django.utils import timezone

from complaints import reminders, services
from complaints.action_workflow import ActionState
from complaints.models import EventKind, Notification, Reminder, ReminderKind, ReminderStatus
from complaints.workflow import Status
from hotel_crm import roles
from tests import factories
from tests.complaints.services.cases import act, walk

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def engineering(sha):
    department = factories.make_department(sha, "engineering", categories=["Air conditioning"])
    department.acknowledge_minutes = 20
    department.save()
    return department


@pytest.fixture
def supervisor(sha, engineering):
    user = factories.front_desk_at(sha, username="eng_supervisor")
    engineering.supervisors.add(user)
    return user


@pytest.fixture
def duty(sha):
    return factories.make_staff("duty_mgr", roles_at={sha: roles.DUTY_MANAGER})


@pytest.fixture
def sent(sha, clerk, engineering, supervisor, duty):
    case = walk(factories.log_case(sha, clerk, department=engineering), clerk, Status.FOLLOWING_UP)
    return act(
        services.action_add,
        case,
        clerk,
        description="Fix the air conditioning in 2606",
        due_at=timezone.now() + 4 * HOUR,
        department=engineering,
    )


def test_new_work_is_in_the_supervisors_bell_at_once(sent, supervisor):
    assert sent.state == ActionState.SENT
    assert Notification.objects.filter(
        recipient=supervisor, read_at__isnull=True, text__contains="Fix the air conditioning"
    ).exists()


def test_acknowledged_records_who_and_when_and_cancels_the_escalation(sha, sent, supervisor, duty):
    # Given the escalation planned for when the department's 20 minutes are up
    ack = Reminder.objects.filter(action=sent, subject=f"ack:{sent.pk}", status=ReminderStatus.PENDING)
    escalation = ack.get(kind=ReminderKind.ESCALATION, recipient=duty)
    assert escalation.due_at == sent.created_at + dt.timedelta(minutes=20)
    # When the supervisor acknowledges it
    action = services.action_move(prop=sha, action_id=sent.pk, actor=supervisor, move="acknowledge")
    # Then who and when are recorded, on the case's timeline too, and the escalation is cancelled
    assert action.state == ActionState.ACKNOWLEDGED and action.acknowledged_by == supervisor
    assert action.acknowledged_at is not None
    assert sent.complaint.events.filter(kind=EventKind.ACTION_ACKNOWLEDGED, actor=supervisor).exists()
    escalation.refresh_from_db()
    assert escalation.status == ReminderStatus.CANCELLED
    # And it moves on: started, then done (the case's own step)
    action = services.action_move(prop=sha, action_id=sent.pk, actor=supervisor, move="start")
    assert action.state == ActionState.STARTED and action.started_at is not None
    act(services.action_complete, sent.complaint, supervisor, action_id=sent.pk, note="Compressor reset")
    action.refresh_from_db()
    assert action.state == ActionState.DONE and action.done_by == supervisor


def test_not_acknowledged_in_time_it_escalates_to_the_managers(sha, sent, duty):
    # When the department's time passes without an acknowledgement
    late = sent.created_at + dt.timedelta(minutes=21)
    due = reminders.claim_due(now=late)
    escalations = Reminder.objects.filter(pk__in=due, subject=f"ack:{sent.pk}", kind=ReminderKind.ESCALATION)
    assert escalations.filter(recipient=duty).exists()
    for reminder_id in due:
        reminders.deliver(reminder_id=reminder_id, now=late)
    # Then the managers hear that Engineering has not acknowledged it
    assert Notification.objects.filter(
        recipient=duty, text__contains="not acknowledged by Engineering"
    ).exists()


def test_acknowledged_work_does_not_escalate(sha, sent, supervisor, duty):
    services.action_move(prop=sha, action_id=sent.pk, actor=supervisor, move="acknowledge")
    due = reminders.claim_due(now=sent.created_at + dt.timedelta(minutes=21))
    assert not Reminder.objects.filter(pk__in=due, subject__startswith="ack:").exists()


def test_handed_back_needs_a_reason_and_tells_the_case_owner(sha, sent, supervisor, clerk):
    with pytest.raises(services.ComplaintError, match="why"):
        services.action_move(prop=sha, action_id=sent.pk, actor=supervisor, move="hand_back", reason=" ")
    action = services.action_move(
        prop=sha, action_id=sent.pk, actor=supervisor, move="hand_back", reason="Needs an outside contractor"
    )
    assert action.state == ActionState.HANDED_BACK and action.handed_back_by == supervisor
    assert Notification.objects.filter(recipient=clerk, text__contains="outside contractor").exists()
    # and a handed-back action cannot be acknowledged any more
    with pytest.raises(services.ComplaintError):
        services.action_move(prop=sha, action_id=sent.pk, actor=supervisor, move="acknowledge")


def test_acknowledging_twice_is_refused(sha, sent, supervisor):
    services.action_move(prop=sha, action_id=sent.pk, actor=supervisor, move="acknowledge")
    with pytest.raises(services.ComplaintError):
        services.action_move(prop=sha, action_id=sent.pk, actor=supervisor, move="acknowledge")


def test_another_hotels_staff_cannot_move_the_action(sent, hgh):
    outsider = factories.front_desk_at(hgh)
    with pytest.raises(services.ComplaintError):
        services.action_move(prop=hgh, action_id=sent.pk, actor=outsider, move="acknowledge")
    sent.refresh_from_db()
    assert sent.state == ActionState.SENT
