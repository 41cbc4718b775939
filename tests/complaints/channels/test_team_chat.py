"""Staff alerts to phones: the hotel's team-chat robot (WeCom, DingTalk signed), quiet hours, backoff."""

import base64
import datetime as dt
import hashlib
import hmac
import zoneinfo
from urllib.parse import unquote_plus

import pytest

from complaints import reminders, team_chat
from complaints.models import (
    Reminder,
    ReminderKind,
    TeamAlert,
    TeamAlertKind,
    TeamAlertStatus,
    TeamChatHook,
    TeamChatKind,
)
from guests.services import stay_check_in, stay_create
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NIGHT = dt.datetime(2026, 12, 7, 23, 30, tzinfo=SHANGHAI)
DAY = dt.datetime(2026, 12, 7, 14, 0, tzinfo=SHANGHAI)


@pytest.fixture
def hook(sha, stand_in):
    return TeamChatHook.objects.create(
        property=sha,
        kind=TeamChatKind.WECOM,
        url=f"{stand_in.url}/cgi-bin/webhook/send?key=abc",
        quiet_from=dt.time(22, 0),
        quiet_until=dt.time(7, 0),
    )


def test_an_alert_goes_to_the_robot_as_a_text_message(sha, hook, stand_in):
    alert = team_chat.team_alert_send(
        prop=sha, kind=TeamAlertKind.OTHER, text="Lobby\nflooded\x00", key="t1", now=DAY
    )
    assert alert.next_attempt_at == DAY
    delivered = team_chat.team_alert_deliver(alert_id=alert.pk, now=DAY)
    assert delivered.status == TeamAlertStatus.DELIVERED
    (request,) = stand_in.of("/cgi-bin/webhook/send")
    assert request.query["key"] == ["abc"]
    assert request.json() == {"msgtype": "text", "text": {"content": "Lobby flooded"}}


def test_quiet_hours_hold_an_alert_until_morning_but_not_an_escalation(sha, hook):
    vip = team_chat.team_alert_send(prop=sha, kind=TeamAlertKind.VIP_ARRIVAL, text="VIP", key="v1", now=NIGHT)
    escalation = team_chat.team_alert_send(
        prop=sha, kind=TeamAlertKind.ESCALATION, text="E", key="e1", now=NIGHT
    )
    morning = dt.datetime(2026, 12, 8, 7, 0, tzinfo=SHANGHAI)
    assert vip.next_attempt_at == morning
    assert escalation.next_attempt_at == NIGHT
    assert team_chat.team_alerts_due(now=NIGHT) == [escalation.pk]
    assert team_chat.team_alert_deliver(alert_id=vip.pk, now=NIGHT) is None  # not due: not sent
    assert set(team_chat.team_alerts_due(now=morning)) == {vip.pk, escalation.pk}
    # Just after midnight is still quiet; the afternoon is not
    after_midnight = dt.datetime(2026, 12, 8, 0, 30, tzinfo=SHANGHAI)
    assert team_chat.quiet_until(hook, after_midnight) == morning
    assert team_chat.quiet_until(hook, DAY) is None


def test_the_same_event_twice_makes_one_alert_and_no_robot_means_no_alert(sha, hgh, hook):
    first = team_chat.team_alert_send(prop=sha, kind=TeamAlertKind.OTHER, text="x", key="same", now=DAY)
    again = team_chat.team_alert_send(prop=sha, kind=TeamAlertKind.OTHER, text="x", key="same", now=DAY)
    assert first.pk == again.pk and TeamAlert.objects.count() == 1
    assert (
        team_chat.team_alert_send(prop=hgh, kind=TeamAlertKind.OTHER, text="x", key="other", now=DAY) is None
    )


def test_dingtalk_robots_get_the_documented_hmac_signature(sha, stand_in):
    hook = TeamChatHook.objects.create(
        property=sha,
        kind=TeamChatKind.DINGTALK,
        url=f"{stand_in.url}/robot/send?access_token=T",
        secret="SECabc123",
    )
    alert = team_chat.team_alert_send(prop=sha, kind=TeamAlertKind.OTHER, text="hi", key="d1", now=DAY)
    team_chat.team_alert_deliver(alert_id=alert.pk, now=DAY)
    (request,) = stand_in.of("/robot/send")
    timestamp = request.query["timestamp"][0]
    assert timestamp == str(int(DAY.timestamp() * 1000))
    expected = base64.b64encode(
        hmac.new(b"SECabc123", f"{timestamp}\nSECabc123".encode(), hashlib.sha256).digest()
    ).decode()
    assert unquote_plus(request.query["sign"][0]) == expected or request.query["sign"][0] == expected
    assert request.query["access_token"] == ["T"]
    assert hook.alerts.get().status == TeamAlertStatus.DELIVERED


def test_a_refused_alert_is_retried_with_backoff_then_given_up(sha, hook, stand_in):
    stand_in.answers["/cgi-bin/webhook/send"] = (
        200,
        "application/json",
        b'{"errcode": 93000, "errmsg": "invalid"}',
    )
    alert = team_chat.team_alert_send(prop=sha, kind=TeamAlertKind.OTHER, text="x", key="r1", now=DAY)
    first = team_chat.team_alert_deliver(alert_id=alert.pk, now=DAY)
    assert first.status == TeamAlertStatus.PENDING and first.last_error == "errcode 93000"
    assert first.next_attempt_at == DAY + dt.timedelta(seconds=30)
    stand_in.answers["/cgi-bin/webhook/send"] = (500, "text/plain", b"down")
    moment = DAY
    for _ in range(team_chat.MAX_ATTEMPTS - 1):
        moment += dt.timedelta(hours=1)
        team_chat.team_alert_deliver(alert_id=alert.pk, now=moment)
    alert.refresh_from_db()
    assert alert.status == TeamAlertStatus.FAILED and alert.attempts == team_chat.MAX_ATTEMPTS


def test_an_escalation_reaches_the_team_chat_once_whatever_the_number_of_managers(sha, hook, clerk):
    factories.make_staff("grm1", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
    factories.make_staff("duty1", roles_at={sha: roles.DUTY_MANAGER})
    case = factories.log_case(sha, clerk, severity="high")
    escalations = Reminder.objects.filter(complaint=case, kind=ReminderKind.ESCALATION)
    assert escalations.count() == 2
    for reminder in escalations:
        reminders.deliver(reminder_id=reminder.pk, now=NIGHT)
    alert = TeamAlert.objects.get()
    assert (
        alert.kind == TeamAlertKind.ESCALATION and alert.next_attempt_at == NIGHT
    )  # not held: an escalation
    assert case.reference in alert.text
    assert "Walk-in guest" not in alert.text  # the chat names the case, not the guest


def test_a_vip_with_past_complaints_checking_in_alerts_the_team(
    sha, hook, clerk, django_capture_on_commit_callbacks
):
    vip = factories.make_guest(family_name_latin="Song", given_name_latin="Mei", vip_level=2, salutation="ms")
    plain = factories.make_guest(family_name_latin="Lee", vip_level=0)
    factories.log_case(sha, clerk, guest=vip)
    factories.log_case(sha, clerk, guest=plain)
    room = factories.make_room(sha, "3201")
    other_room = factories.make_room(sha, "3202")
    today = dt.date.today()
    vip_stay = stay_create(
        prop=sha, guest=vip, room=room, arrival=today, departure=today + dt.timedelta(days=1), actor=clerk
    )
    plain_stay = stay_create(
        prop=sha,
        guest=plain,
        room=other_room,
        arrival=today,
        departure=today + dt.timedelta(days=1),
        actor=clerk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        stay_check_in(stay=vip_stay, actor=clerk)
        stay_check_in(stay=plain_stay, actor=clerk)
    alert = TeamAlert.objects.get(kind=TeamAlertKind.VIP_ARRIVAL)
    assert "3201" in alert.text and "1 past complaint" in alert.text
    assert TeamAlert.objects.count() == 1  # the guest who is no VIP brings no alert


def test_an_unacknowledged_handover_reaches_the_team_chat_once(sha, hook, clerk):
    from complaints import services

    night = factories.front_desk_at(sha, username="night-desk")
    factories.make_staff("duty-mgr", roles_at={sha: roles.DUTY_MANAGER})
    now = DAY
    handover = services.handover_create(prop=sha, actor=clerk, to_user=night, now=now)
    claimed = reminders.claim_due(now=now + dt.timedelta(hours=2))
    assert len(claimed) >= 2  # the incoming clerk and the duty manager
    for reminder_id in claimed:
        reminders.deliver(reminder_id=reminder_id, now=now + dt.timedelta(hours=2))
    alert = TeamAlert.objects.get()
    assert alert.kind == TeamAlertKind.HANDOVER and str(handover.pk) in alert.key
    assert "not acknowledged" in alert.text
