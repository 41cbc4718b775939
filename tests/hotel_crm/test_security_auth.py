"""Logins: throttling per username and IP, the password policy, the TOTP second factor (issue #10)."""

import datetime as dt

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from hotel_crm import roles
from hotel_crm.demo import DEMO_PASSWORD, DEMO_USERS
from hotel_crm.models import AuditEvent, LoginAttempt, LoginLock, RecoveryCode, StaffSession, TOTPDevice
from hotel_crm.staff_sessions import MFA_STATE
from tests import factories

pytestmark = pytest.mark.django_db

DESK_IP = "10.1.1.20"
OTHER_DESK_IP = "10.1.1.21"
MFA_ROLES = [roles.GUEST_RELATIONS_MANAGER, roles.PROPERTY_ADMINISTRATOR, "superuser"]


def _login(client: Client, username: str, password: str, ip: str = DESK_IP, **extra):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def _fail(times: int, username: str, ip: str = DESK_IP) -> None:
    for _ in range(times):
        response = _login(Client(), username, "wrong password!", ip)
        assert response.status_code == 200


def _shift_throttle_clock(delta: dt.timedelta) -> None:
    """Move every throttle timestamp into the past, as if `delta` had gone by."""
    LoginAttempt.objects.update(at=timezone.now() - delta)
    for lock in LoginLock.objects.all():
        LoginLock.objects.filter(pk=lock.pk).update(created=lock.created - delta, until=lock.until - delta)


# --- Throttling --------------------------------------------------------------


def test_ten_failed_logins_lock_that_user_on_that_ip_only_and_the_lock_expires_after_the_cooloff(sha):
    # Given two clerks who share one front-desk terminal (one IP)
    factories.front_desk_at(sha, username="desk1")
    factories.front_desk_at(sha, username="desk2")
    # When desk1 mistypes the password ten times there
    _fail(10, "desk1")
    # Then desk1 is locked at that terminal, even with the right password, and is told so
    response = _login(Client(), "desk1", factories.PASSWORD)
    assert response.status_code == 200
    assert "Too many failed logins for this username at this terminal" in response.content.decode()
    assert "_auth_user_id" not in response.client.session
    # ...but the colleague at the same terminal still logs in
    assert _login(Client(), "desk2", factories.PASSWORD).status_code == 302
    # ...and desk1 still logs in at another terminal
    assert _login(Client(), "desk1", factories.PASSWORD, OTHER_DESK_IP).status_code == 302
    # When the cool-off (15 minutes by default) is almost over, desk1 is still locked there
    _shift_throttle_clock(dt.timedelta(minutes=14))
    assert _login(Client(), "desk1", factories.PASSWORD).status_code == 200
    # Then once it is over, desk1 logs in at the first terminal again
    _shift_throttle_clock(dt.timedelta(minutes=1, seconds=1))
    assert _login(Client(), "desk1", factories.PASSWORD).status_code == 302


def test_nine_failures_do_not_lock_and_a_success_starts_the_count_again(sha):
    factories.front_desk_at(sha, username="desk1")
    _fail(9, "desk1")
    assert _login(Client(), "desk1", factories.PASSWORD).status_code == 302
    _fail(9, "desk1")
    assert _login(Client(), "desk1", factories.PASSWORD).status_code == 302


def test_the_lock_message_does_not_reveal_whether_the_username_exists(sha):
    factories.front_desk_at(sha, username="desk1")
    _fail(10, "desk1")
    _fail(10, "nobody-here")
    real = _login(Client(), "desk1", "anything at all").context["form"].non_field_errors()
    made_up = _login(Client(), "nobody-here", "anything at all").context["form"].non_field_errors()
    assert "Too many failed logins" in real[0]
    assert real == made_up


def test_case_variants_of_a_username_share_one_count(sha):
    factories.front_desk_at(sha, username="desk1")
    _fail(5, "desk1")
    _fail(5, "DESK1")
    assert "Too many failed logins" in _login(Client(), "desk1", factories.PASSWORD).content.decode()


def test_lockout_and_every_failed_login_are_audited(sha):
    factories.front_desk_at(sha, username="desk1")
    _fail(10, "desk1")
    _login(Client(), "desk1", factories.PASSWORD)
    failed = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
    assert failed.count() == 10
    assert {e.details["username"] for e in failed} == {"desk1"}
    assert {e.ip for e in failed} == {DESK_IP}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKOUT, actor_label="desk1").count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_REFUSED).count() == 1


def test_a_spray_from_one_ip_is_slowed_but_staff_who_log_in_there_are_not(sha, settings):
    # Given a low spray limit, and a clerk who has logged in at this terminal before
    settings.LOGIN_SPRAY_FAILURE_LIMIT = 6
    factories.front_desk_at(sha, username="regular")
    factories.front_desk_at(sha, username="newcomer")
    assert _login(Client(), "regular", factories.PASSWORD).status_code == 302
    # When one IP tries six different usernames
    for n in range(6):
        _fail(1, f"guess{n}")
    # Then a username never used from this IP is refused for a short while, right password or not
    response = _login(Client(), "newcomer", factories.PASSWORD)
    assert "Too many failed logins. Try again in 1 minute." in response.content.decode()
    # ...but the clerk who works at this terminal still logs in
    assert _login(Client(), "regular", factories.PASSWORD).status_code == 302
    # When the short lock is over, the next failure of the spray locks again at once
    _shift_throttle_clock(dt.timedelta(seconds=61))
    _fail(1, "guess-again")
    assert "Try again in 1 minute." in _login(Client(), "newcomer", factories.PASSWORD).content.decode()
    # Then, a minute later, the newcomer gets through
    _shift_throttle_clock(dt.timedelta(seconds=61))
    assert _login(Client(), "newcomer", factories.PASSWORD).status_code == 302


def test_one_username_from_many_ips_is_slowed_except_at_its_usual_terminal(sha, settings):
    settings.LOGIN_SPRAY_FAILURE_LIMIT = 6
    factories.front_desk_at(sha, username="desk1")
    assert _login(Client(), "desk1", factories.PASSWORD).status_code == 302
    for n in range(6):
        _fail(1, "desk1", ip=f"203.0.113.{n + 1}")
    assert (
        "Too many failed logins"
        in _login(Client(), "desk1", factories.PASSWORD, "198.51.100.7").content.decode()
    )
    assert _login(Client(), "desk1", factories.PASSWORD).status_code == 302


def test_attempts_are_pruned_after_the_cooloff(sha):
    _fail(3, "someone")
    _shift_throttle_clock(dt.timedelta(minutes=16))
    _fail(1, "someone-else")
    assert list(LoginAttempt.objects.values_list("username", flat=True)) == ["someone-else"]


def test_a_forwarded_for_header_is_ignored_unless_the_proxy_is_trusted(sha, settings):
    factories.front_desk_at(sha, username="desk1")
    _fail(10, "desk1")
    # A client cannot escape the lock by claiming another address...
    forged = _login(Client(), "desk1", factories.PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert "Too many failed logins" in forged.content.decode()
    # ...but behind a trusted proxy the proxy's header names the client (the right-most hop)
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    behind = _login(
        Client(), "desk1", factories.PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {DESK_IP}"
    )
    assert "Too many failed logins" in behind.content.decode()
    other = _login(Client(), "desk1", factories.PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR=OTHER_DESK_IP)
    assert other.status_code == 302


def test_the_admin_login_is_the_throttled_app_login():
    response = Client().get("/admin/login/?next=/admin/auth/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/admin/auth/user/")


# --- Password policy ---------------------------------------------------------


def _user(username="zhang.wei", **fields):
    return get_user_model()(username=username, first_name="Wei", last_name="Zhang", **fields)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-pass1", "too short"),
        ("password1234", "too common"),
        ("zhang.wei.2026", "too similar to the username"),
    ],
)
def test_weak_passwords_are_refused(password, why):
    with pytest.raises(ValidationError):
        validate_password(password, _user())


@pytest.mark.parametrize(
    "password",
    [
        ("the lake is calm at dawn " * 8)[:200],  # a 200-character passphrase
        "a" * 11 + "b",  # 12 characters, no composition rules
        "830174659201",  # all digits: no NumericPasswordValidator
        "ich mag den westsee im regen",  # lower case only, spaces
    ],
)
def test_long_passphrases_and_plain_strings_are_accepted(password):
    assert len(password) in (12, 28, 200)
    validate_password(password, _user())


@pytest.mark.parametrize("demo", DEMO_USERS, ids=lambda d: d.username)
def test_the_demo_password_passes_the_policy_for_every_demo_user(demo):
    validate_password(DEMO_PASSWORD, _user(demo.username, email=f"{demo.username}@grandplaza.example"))


# --- Second factor -----------------------------------------------------------


@pytest.fixture
def mfa_on(settings):
    settings.MFA_REQUIRED_ROLES = MFA_ROLES


def _enrolled(user) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    TOTPDevice.objects.create(user=user, secret=secret)
    return pyotp.TOTP(secret)


def test_a_grm_must_enrol_before_reaching_any_page(sha, grm, mfa_on):
    # Given a GRM without an authenticator, whose role needs one
    client = Client()
    # When the GRM logs in with the password
    response = _login(client, "manager", factories.PASSWORD, follow=True)
    # Then every page leads to the enrolment page, which shows a QR code and the key
    assert response.redirect_chain[-1][0].startswith("/account/mfa/enrol/")
    page = response.content.decode()
    qr = page[page.index('class="qr-code"') :]
    assert "<svg" in qr[:300]  # inline SVG, no script and no image request
    secret = client.session["security.pending_totp_secret"]
    assert secret in page
    for path in ("/rooms/", "/guests/", "/complaints/", "/admin/", "/account/security/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked["Location"].startswith("/account/mfa/enrol/"), path
    # When a wrong code is typed, nothing is enrolled
    assert client.post("/account/mfa/enrol/", {"code": "000000"}).status_code == 400
    assert not TOTPDevice.objects.filter(user=grm).exists()
    # When the code from the app is typed
    old_key = client.session.session_key
    done = client.post("/account/mfa/enrol/", {"code": pyotp.TOTP(secret).now(), "next": "/guests/"})
    # Then recovery codes are shown once, stored hashed, and the session is renewed and let through
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    stored = set(RecoveryCode.objects.filter(user=grm).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & set(codes)
    assert client.session.session_key != old_key
    assert StaffSession.objects.filter(session_key=client.session.session_key, user=grm).exists()
    assert client.get("/guests/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MFA_ENROLLED, actor=grm).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MFA_FAILED, actor=grm).count() == 1


def test_a_user_with_an_authenticator_must_give_a_code_and_a_code_cannot_be_replayed(sha, clerk, mfa_on):
    # Given a front-desk clerk who chose to enrol (optional for the role)
    totp = _enrolled(clerk)
    client = Client()
    response = _login(client, "clerk", factories.PASSWORD)
    assert response.status_code == 302
    # Then the session is held on the code page until the code is given
    held = client.get("/rooms/")
    assert held["Location"] == "/account/mfa/verify/?next=%2Frooms%2F"
    assert client.post("/account/mfa/verify/", {"code": "123456", "next": "/rooms/"}).status_code == 400
    code = totp.now()
    passed = client.post("/account/mfa/verify/", {"code": code, "next": "/rooms/"})
    assert passed.status_code == 302 and passed["Location"] == "/rooms/"
    assert client.get("/rooms/").status_code == 200
    # When someone replays the same code in another login, it is refused
    other = Client()
    _login(other, "clerk", factories.PASSWORD)
    assert other.post("/account/mfa/verify/", {"code": code}).status_code == 400
    assert other.get("/rooms/").status_code == 302


def test_a_recovery_code_works_once(sha, clerk, mfa_on):
    _enrolled(clerk)
    from hotel_crm.mfa import recovery_codes_renew

    codes = recovery_codes_renew(user=clerk)
    first = Client()
    _login(first, "clerk", factories.PASSWORD)
    assert first.post("/account/mfa/verify/", {"code": codes[0].upper()}).status_code == 302
    assert first.get("/rooms/").status_code == 200
    second = Client()
    _login(second, "clerk", factories.PASSWORD)
    assert second.post("/account/mfa/verify/", {"code": codes[0]}).status_code == 400
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MFA_RECOVERY_USED, actor=clerk).count() == 1


def test_five_wrong_codes_end_the_login(sha, clerk, mfa_on):
    _enrolled(clerk)
    client = Client()
    _login(client, "clerk", factories.PASSWORD)
    for _ in range(4):
        assert client.post("/account/mfa/verify/", {"code": "111111"}).status_code == 400
    last = client.post("/account/mfa/verify/", {"code": "111111"})
    assert last["Location"] == "/login/?reason=mfa"
    assert client.get("/rooms/")["Location"].startswith("/login/")


def test_front_desk_is_not_forced_but_may_enrol_from_the_security_page(sha, clerk, mfa_on):
    client = Client()
    _login(client, "clerk", factories.PASSWORD)
    assert client.get("/rooms/").status_code == 200
    page = client.get("/account/security/").content.decode()
    assert 'href="/account/mfa/enrol/"' in page
    client.get("/account/mfa/enrol/")
    secret = client.session["security.pending_totp_secret"]
    assert client.post("/account/mfa/enrol/", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert TOTPDevice.objects.filter(user=clerk).exists()


def test_superusers_and_property_administrators_need_the_second_factor(sha, mfa_on):
    factories.make_staff("root", is_superuser=True, is_staff=True)
    factories.make_staff("rooms", roles_at={sha: roles.PROPERTY_ADMINISTRATOR}, is_staff=True)
    for username in ("root", "rooms"):
        client = Client()
        _login(client, username, factories.PASSWORD)
        assert client.session[MFA_STATE] == "enrol", username
        assert client.get("/admin/")["Location"].startswith("/account/mfa/enrol/")


def test_with_no_roles_configured_nobody_is_forced(sha, grm, settings):
    settings.MFA_REQUIRED_ROLES = []
    client = Client()
    _login(client, "manager", factories.PASSWORD)
    assert client.get("/guests/").status_code == 200


def test_recovery_codes_are_renewed_only_with_a_current_code(sha, clerk, login):
    totp = _enrolled(clerk)
    client = login(clerk)
    session = client.session
    session[MFA_STATE] = "ok"
    session.save()
    before = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert client.post("/account/security/recovery-codes/", {"code": "000000"}).status_code == 302
    assert set(RecoveryCode.objects.values_list("code_hash", flat=True)) == before
    renewed = client.post("/account/security/recovery-codes/", {"code": totp.now()})
    assert renewed.status_code == 200 and len(renewed.context["codes"]) == 10
    assert RecoveryCode.objects.filter(user=clerk, used_at__isnull=True).count() == 10


def test_a_superuser_lifts_a_lock_in_the_admin_and_the_count_starts_again(sha):
    factories.front_desk_at(sha, username="desk1")
    _fail(10, "desk1")
    lock = LoginLock.objects.get(username="desk1")
    root = factories.make_staff("root", is_superuser=True, is_staff=True)
    admin = Client()
    admin.force_login(root)
    assert "desk1" in admin.get("/admin/hotel_crm/loginlock/").content.decode()
    assert admin.post(f"/admin/hotel_crm/loginlock/{lock.pk}/delete/", {"post": "yes"}).status_code == 302
    # One more typo does not lock again at once: the failures went with the lock
    _fail(1, "desk1")
    assert _login(Client(), "desk1", factories.PASSWORD).status_code == 302
    lifted = AuditEvent.objects.get(details__login_lock="lifted")
    assert lifted.actor == root and lifted.target_label == f"desk1@{DESK_IP}"


@pytest.mark.parametrize("path", ["/account/mfa/enrol/", "/account/mfa/verify/"])
def test_an_empty_or_malformed_code_post_is_refused_with_a_message_not_a_crash(sha, client, path):
    # Found by the malformed-forms fuzzer: an empty POST left the form unbound and add_error raised
    clerk = factories.front_desk_at(sha, username="desk9")
    client.force_login(clerk)
    if path.endswith("verify/"):
        TOTPDevice.objects.create(user=clerk, secret=pyotp.random_base32())
        session = client.session
        session[MFA_STATE] = "verify"
        session.save()
    for data in ({}, {"code": ""}, {"code": "x" * 500}):
        response = client.post(path, data)
        assert response.status_code == 400, data
        assert response.context["form"].errors, data
    assert TOTPDevice.objects.filter(user=clerk).count() == (1 if path.endswith("verify/") else 0)
