"""The channels' Celery paths with a real worker: WeChat's five-second acknowledgement, then the worker
stores the message; a team-chat alert and a reply to the guest are posted by the worker after the commit."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from complaints import team_chat
from complaints.channels import wechat
from complaints.models import IncomingMessage, TeamAlertKind, TeamAlertStatus, TeamChatHook, WeChatAccount
from hotel_crm.celery import app as celery_app
from tests import factories

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as running:
        yield running


def _wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_wechat_is_answered_at_once_and_the_worker_stores_the_message(client, worker):
    prop = factories.make_property("WXT")
    WeChatAccount.objects.create(property=prop, key="wxt", app_id="wxt", token="tok")
    timestamp, nonce = str(int(time.time())), "42"
    signature = wechat.sha1_signature("tok", timestamp, nonce)
    body = (
        "<xml><FromUserName><![CDATA[oWorker]]></FromUserName><CreateTime>1765000000</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[The shower is cold]]></Content>"
        "<MsgId>880001</MsgId></xml>"
    )
    started = time.monotonic()
    response = client.post(
        f"/channels/wechat/wxt/?signature={signature}&timestamp={timestamp}&nonce={nonce}",
        body,
        content_type="text/xml",
    )
    answered_in = time.monotonic() - started
    # WeChat waits five seconds at most: the answer comes well before, whatever the worker does
    assert (response.status_code, response.content) == (200, b"success")
    assert answered_in < 2.0
    # and the worker, through the broker, stores the message
    assert _wait_for(lambda: IncomingMessage.objects.filter(external_id="880001").exists())
    assert IncomingMessage.objects.get(external_id="880001").body == "The shower is cold"


def test_a_team_chat_alert_is_posted_by_the_worker_after_the_commit(worker):
    from tests.complaints.channels.servers import start_stand_in

    stand_in = start_stand_in()
    try:
        prop = factories.make_property("TCW")
        TeamChatHook.objects.create(property=prop, url=f"{stand_in.url}/robot")
        alert = team_chat.team_alert_send(
            prop=prop, kind=TeamAlertKind.ESCALATION, text="Case overdue", key="worker-1", now=timezone.now()
        )
        assert _wait_for(lambda: stand_in.of("/robot"))
        assert _wait_for(lambda: type(alert).objects.get(pk=alert.pk).status == TeamAlertStatus.DELIVERED)
        assert stand_in.of("/robot")[0].json()["text"]["content"] == "Case overdue"
    finally:
        stand_in.server.shutdown()
