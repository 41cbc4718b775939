"""WeChat customer-service messages, tested against the protocol's documented sample messages
(Tencent's WXBizMsgCrypt samples) and a local stand-in for the WeChat API."""

import datetime as dt
import secrets
import time
import urllib.parse

import pytest
from django.utils import timezone

from complaints import channels, services
from complaints.channels import wechat
from complaints.models import (
    Channel,
    IncomingAttachment,
    IncomingMessage,
    OutgoingReplyStatus,
    WeChatAccount,
)
from tests import factories

pytestmark = pytest.mark.django_db

# The Official Account sample of WXBizMsgCrypt (Python demo): key, token, AppID and a message it encrypted.
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_TOKEN = "spamtest"
SAMPLE_APPID = "wx2c2769f8efd9abc2"
SAMPLE_TIMESTAMP = "1409735669"
SAMPLE_NONCE = "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2"
    "LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIb"
    "gU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/"
    "HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669Wu"
    "MyVWQLCzpu9GhglF2PE="
)
SAMPLE_XML = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]>"
    "</FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]>"
    f"</Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt></xml>"
).encode()
# The Java sample's known answer: this text, this random prefix and AppID encrypt to exactly this.
JAVA_APPID = "wxb11529c136998cb6"
JAVA_TEXT = "我是中文abcd123"
JAVA_RANDOM = b"aaaabbbbccccdddd"
JAVA_ENCRYPTED = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="

SAMPLE_TIME = dt.datetime.fromtimestamp(int(SAMPLE_TIMESTAMP), dt.UTC)


def _text_xml(msg_id: str, content: str, openid: str = "oGuestOpenId123") -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_hotel]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


@pytest.fixture
def plain_account(sha):
    return WeChatAccount.objects.create(property=sha, key="sha-plain", app_id="wxplain", token="plaintoken")


@pytest.fixture
def aes_account(sha):
    return WeChatAccount.objects.create(
        property=sha, key="sha-aes", app_id=SAMPLE_APPID, token=SAMPLE_TOKEN, encoding_aes_key=SAMPLE_KEY
    )


def _signed_query(token: str, **extra) -> dict:
    # A fresh nonce each time: a plaintext (timestamp, nonce) pair is accepted once (replays refused).
    timestamp, nonce = str(int(time.time())), secrets.token_hex(6)
    return {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": wechat.sha1_signature(token, timestamp, nonce),
        **extra,
    }


# --- the protocol against its documented samples ------------------------------------------------------


def test_the_documented_encrypted_sample_verifies_and_decrypts(aes_account):
    # Given the sample's own query string and body, at the sample's time
    query = {
        "timestamp": SAMPLE_TIMESTAMP,
        "nonce": SAMPLE_NONCE,
        "msg_signature": SAMPLE_MSG_SIGNATURE,
        "encrypt_type": "aes",
        "signature": "",
    }
    # When it is opened
    callback = wechat.callback_open(account=aes_account, query=query, body=SAMPLE_XML, now=SAMPLE_TIME)
    # Then the signature matched and the plaintext is a message for the sample's account
    assert callback.fields["ToUserName"] == "gh_10f6c3c3ac5a"
    assert callback.fields["MsgType"] and callback.fields["FromUserName"]


def test_encryption_gives_the_documented_ciphertext_and_round_trips():
    assert (
        wechat.encrypt(
            JAVA_TEXT.encode(), encoding_aes_key=SAMPLE_KEY, app_id=JAVA_APPID, random16=JAVA_RANDOM
        )
        == JAVA_ENCRYPTED
    )
    assert (
        wechat.decrypt(JAVA_ENCRYPTED, encoding_aes_key=SAMPLE_KEY, app_id=JAVA_APPID) == JAVA_TEXT.encode()
    )


def test_a_message_encrypted_for_another_app_or_tampered_is_refused(aes_account):
    with pytest.raises(wechat.WeChatError):
        wechat.decrypt(JAVA_ENCRYPTED, encoding_aes_key=SAMPLE_KEY, app_id=SAMPLE_APPID)
    query = {"timestamp": SAMPLE_TIMESTAMP, "nonce": SAMPLE_NONCE, "encrypt_type": "aes"}
    tampered = SAMPLE_XML.replace(b"hyzAe4", b"hyzAe5")
    with pytest.raises(wechat.WeChatError, match="msg_signature"):
        wechat.callback_open(
            account=aes_account,
            query={**query, "msg_signature": SAMPLE_MSG_SIGNATURE},
            body=tampered,
            now=SAMPLE_TIME,
        )
    # the sample, replayed today: refused as stale even with its genuine signature
    with pytest.raises(wechat.WeChatError, match="stale"):
        wechat.callback_open(
            account=aes_account, query={**query, "msg_signature": SAMPLE_MSG_SIGNATURE}, body=SAMPLE_XML
        )


# --- the callback endpoint ------------------------------------------------------------------------------


def test_the_server_address_check_echoes_only_with_a_valid_signature(client, plain_account):
    good = client.get("/channels/wechat/sha-plain/", _signed_query("plaintoken", echostr="8765"))
    bad = client.get("/channels/wechat/sha-plain/", _signed_query("wrongtoken", echostr="8765"))
    assert (good.status_code, good.content) == (200, b"8765")
    assert bad.status_code == 403 and b"8765" not in bad.content


def test_a_callback_with_a_wrong_signature_is_refused_and_nothing_is_stored(client, plain_account):
    response = client.post(
        "/channels/wechat/sha-plain/?" + "&".join(f"{k}={v}" for k, v in _signed_query("wrongtoken").items()),
        _text_xml("1001", "hello"),
        content_type="text/xml",
    )
    assert response.status_code == 403
    assert not IncomingMessage.objects.exists()
    assert (
        client.post("/channels/wechat/no-such-account/", b"<xml/>", content_type="text/xml").status_code
        == 404
    )


def test_plaintext_mode_acknowledges_at_once_and_the_worker_stores_the_message(client, plain_account):
    body = _text_xml("2001", "房间空调不制冷，请尽快处理")
    query = "&".join(f"{k}={v}" for k, v in _signed_query("plaintoken").items())
    started = time.monotonic()
    response = client.post(f"/channels/wechat/sha-plain/?{query}", body, content_type="text/xml")
    elapsed = time.monotonic() - started
    # The five-second rule: "success" straight away, the work left to Celery
    assert (response.status_code, response.content) == (200, b"success")
    assert elapsed < 2.0
    # What the worker then does with the verified message
    message = channels.wechat_message_process(account_id=plain_account.pk, xml=body)
    assert (message.channel, message.sender, message.external_id) == (
        Channel.WECHAT,
        "oGuestOpenId123",
        "2001",
    )
    assert message.body == "房间空调不制冷，请尽快处理" and message.language == "zh-hans"


def test_encrypted_mode_through_the_endpoint(client, aes_account):
    inner = _text_xml("3001", "Towels please")
    encrypted = wechat.encrypt(inner, encoding_aes_key=SAMPLE_KEY, app_id=SAMPLE_APPID)
    query = _signed_query(SAMPLE_TOKEN, encrypt_type="aes")
    query["msg_signature"] = wechat.sha1_signature(
        SAMPLE_TOKEN, query["timestamp"], query["nonce"], encrypted
    )
    body = (
        f"<xml><ToUserName><![CDATA[gh_hotel]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    url = "/channels/wechat/sha-aes/?" + "&".join(f"{k}={v}" for k, v in query.items())
    assert client.post(url, body, content_type="text/xml").content == b"success"
    opened = wechat.callback_open(account=aes_account, query=query, body=body.encode())
    assert opened.xml == inner
    # An account set up for the safe mode takes no plaintext message, even correctly signed
    plain_query = "&".join(f"{k}={v}" for k, v in _signed_query(SAMPLE_TOKEN).items())
    assert (
        client.post(f"/channels/wechat/sha-aes/?{plain_query}", inner, content_type="text/xml").status_code
        == 403
    )


def test_the_same_msgid_delivered_again_is_stored_once(plain_account):
    body = _text_xml("4001", "hello")
    first = channels.wechat_message_process(account_id=plain_account.pk, xml=body)
    again = channels.wechat_message_process(account_id=plain_account.pk, xml=body)
    assert first.pk == again.pk
    assert IncomingMessage.objects.filter(channel=Channel.WECHAT).count() == 1


def test_events_are_ignored_and_xml_with_entities_is_refused(plain_account):
    event = b"<xml><FromUserName>oX</FromUserName><MsgType>event</MsgType><Event>subscribe</Event></xml>"
    assert channels.wechat_message_process(account_id=plain_account.pk, xml=event) is None
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<xml><Content>&b;</Content></xml>"
    )
    with pytest.raises(wechat.WeChatError):
        wechat.parse_xml(bomb)
    with pytest.raises(wechat.WeChatError):
        wechat.parse_xml(b"<xml><unclosed></xml>")


# --- the WeChat API: images and customer-service replies, on a local stand-in -----------------------


@pytest.fixture
def api_account(sha, stand_in):
    stand_in.answers["/cgi-bin/token"] = (
        200,
        "application/json",
        b'{"access_token": "TOKEN123", "expires_in": 7200}',
    )
    return WeChatAccount.objects.create(
        property=sha, key="sha-api", app_id="wxapi", app_secret="s3cret", token="t", api_base_url=stand_in.url
    )


def test_an_image_message_keeps_the_picture_from_the_media_api(api_account, stand_in):
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
    stand_in.answers["/cgi-bin/media/get"] = (200, "image/png", png)
    xml = (
        b"<xml><FromUserName><![CDATA[oImg]]></FromUserName><CreateTime>1765000000</CreateTime>"
        b"<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://mmbiz.example/pic]]></PicUrl>"
        b"<MediaId><![CDATA[media_abc]]></MediaId><MsgId>5001</MsgId></xml>"
    )
    message = channels.wechat_message_process(account_id=api_account.pk, xml=xml)
    attachment = IncomingAttachment.objects.get(message=message)
    assert bytes(attachment.data) == png and attachment.refused == ""
    assert stand_in.of("/cgi-bin/media/get")[0].query["media_id"] == ["media_abc"]


def test_a_staff_reply_goes_through_the_customer_service_api(api_account, stand_in, clerk):
    message = channels.wechat_message_process(
        account_id=api_account.pk, xml=_text_xml("6001", "Where is my taxi?")
    )
    department = factories.make_department(api_account.property, "concierge")
    case = channels.incoming_to_case(
        message=message,
        actor=clerk,
        data=services.ComplaintInput(
            guest_words=message.body, department=department, complainant_name="WeChat guest"
        ),
    )
    reply = channels.reply_send(complaint=case, actor=clerk, body="Your taxi is at the door now.")
    channels.reply_deliver(reply_id=reply.pk)
    reply.refresh_from_db()
    assert reply.status == OutgoingReplyStatus.SENT
    sent = stand_in.of("/cgi-bin/message/custom/send")
    assert len(sent) == 1
    assert sent[0].query["access_token"] == ["TOKEN123"]
    assert sent[0].json() == {
        "touser": "oGuestOpenId123",
        "msgtype": "text",
        "text": {"content": "Your taxi is at the door now."},
    }


def test_a_reply_the_api_refuses_is_retried_later_then_given_up(api_account, stand_in, clerk):
    stand_in.answers["/cgi-bin/message/custom/send"] = (
        200,
        "application/json",
        b'{"errcode": 45015, "errmsg": "response out of time limit"}',
    )
    message = channels.wechat_message_process(account_id=api_account.pk, xml=_text_xml("7001", "hi"))
    case = channels.incoming_to_case(
        message=message,
        actor=clerk,
        data=services.ComplaintInput(
            guest_words="hi", department=factories.make_department(api_account.property), complainant_name="G"
        ),
    )
    reply = channels.reply_send(complaint=case, actor=clerk, body="Hello")
    now = timezone.now()
    for attempt in range(5):
        channels.reply_deliver(reply_id=reply.pk, now=now + dt.timedelta(hours=attempt))
    reply.refresh_from_db()
    assert reply.status == OutgoingReplyStatus.FAILED and "45015" in reply.last_error
    assert reply.attempts == 5


# --- what anyone on the internet can send to the callback --------------------------------------------


def _url(key: str, query: dict) -> str:
    return f"/channels/wechat/{key}/?" + urllib.parse.urlencode(query)


def test_a_signature_that_is_not_ascii_is_refused_not_a_500(client, plain_account):
    query = {**_signed_query("plaintoken"), "signature": "签名" * 20}
    assert (
        client.post(_url("sha-plain", query), _text_xml("5001", "hi"), content_type="text/xml").status_code
        == 403
    )
    assert client.get(_url("sha-plain", {**query, "echostr": "1"})).status_code == 403
    assert not IncomingMessage.objects.exists()


def test_the_body_is_not_parsed_before_the_signature_is_checked(
    client, plain_account, aes_account, monkeypatch
):
    def parse_xml(data):
        raise AssertionError("parsed before the signature was checked")

    monkeypatch.setattr(wechat, "parse_xml", parse_xml)
    for key, query in (
        ("sha-plain", _signed_query("wrongtoken")),
        ("sha-aes", {**_signed_query(SAMPLE_TOKEN, encrypt_type="aes"), "msg_signature": "0" * 40}),
    ):
        body = b"<xml><Encrypt><![CDATA[QUJD]]></Encrypt></xml>"
        assert client.post(_url(key, query), body, content_type="text/xml").status_code == 403


def test_utf16_xml_with_a_dtd_is_refused(plain_account):
    bomb = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        "<xml><Content>&b;</Content></xml>"
    )
    for data in (bomb.encode("utf-16"), bomb.encode("utf-16-le"), b"\xef\xbb\xbf" + bomb.encode()):
        with pytest.raises(wechat.WeChatError):
            wechat.parse_xml(data)
    assert wechat.parse_xml(b'<?xml version="1.0" encoding="UTF-8"?><xml><A>1</A></xml>') == {"A": "1"}


def test_a_plaintext_callback_sent_again_with_the_same_timestamp_and_nonce_is_refused(client, plain_account):
    query = _signed_query("plaintoken")
    first = client.post(_url("sha-plain", query), _text_xml("6001", "hi"), content_type="text/xml")
    replay = client.post(_url("sha-plain", query), _text_xml("6002", "forged"), content_type="text/xml")
    assert (first.status_code, replay.status_code) == (200, 403)
