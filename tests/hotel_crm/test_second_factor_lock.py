"""Issue #18, class 1: guessing the second factor. Wrong codes are counted per staff member in the
database (across logins and web processes); after a few they slow down, then they lock the
authenticator until a recovery code or a manager of the staff member's hotel lifts the lock."""

import datetime as dt

import pyotp
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from complaints.models import Notification
from hotel_crm import mfa, roles
from hotel_crm.models import AuditEvent, TOTPDevice
from hotel_crm.staff_sessions import MFA_STATE
from tests import factories

pytestmark = pytest.mark.django_db

VERIFY = "/account/mfa/verify/"


@pytest.fixture
def mfa_settings(settings):
    settings.MFA_REQUIRED_ROLES = [roles.GUEST_RELATIONS_MANAGER, roles.PROPERTY_ADMINISTRATOR, "superuser"]
    settings.MFA_FAILURES_BEFORE_DELAY = 3
    settings.MFA_DELAY_SECONDS = 2
    settings.MFA_DELAY_MAX_SECONDS = 300
    settings.MFA_FAILURES_BEFORE_LOCK = 10
    return settings


@pytest.fixture
def victim(sha):
    user = factories.front_desk_at(sha, username="desk7", email="desk7@hotel.example")
    secret = pyotp.random_base32()
    TOTPDevice.objects.create(user=user, secret=secret)
    user.totp = pyotp.TOTP(secret)
    return user


def _logged_in(username: str = "desk7") -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def _fully_logged_in(user) -> Client:
    """A session past the second factor."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[MFA_STATE] = "ok"
    session.save()
    return client


def _time_passes(user, seconds: int) -> None:
    """As if `seconds` went by since the last wrong code."""
    device = TOTPDevice.objects.get(user=user)
    TOTPDevice.objects.filter(pk=device.pk).update(
        last_failure_at=device.last_failure_at - dt.timedelta(seconds=seconds)
    )


def _wrong(client: Client) -> str:
    response = client.post(VERIFY, {"code": "000000"})
    assert response.status_code in (302, 400)
    return response.content.decode() if response.status_code == 400 else response["Location"]


def test_wrong_codes_are_counted_across_logins_then_delayed_then_locked(
    sha, victim, mfa_settings, django_capture_on_commit_callbacks
):
    grm = factories.make_staff("gm", roles_at={sha: roles.GUEST_RELATIONS_MANAGER}, email="gm@hotel.example")
    outsider = factories.make_staff(
        "other", roles_at={factories.make_property("XYZ"): "Guest Relations Manager"}
    )
    # Given a password holder who guesses codes: each login ends after 5 refused attempts
    client = _logged_in()
    for _ in range(3):
        assert "not right" in _wrong(client)
    assert TOTPDevice.objects.get(user=victim).failure_count == 3
    # The 4th wrong code makes the next attempt wait; an attempt inside the wait is not even looked at,
    # so the right code typed then is refused too
    assert "not right" in _wrong(client)
    # The login ends at the 5th refused attempt
    assert _wrong(client) == "/login/?reason=mfa"
    assert TOTPDevice.objects.get(user=victim).failure_count == 4
    # When the guesser logs in again, the count goes on (it is the user's, in the database)
    client = _logged_in()
    early = client.post(VERIFY, {"code": victim.totp.now()})
    assert early.status_code == 400 and "wait 2 seconds" in early.content.decode()
    assert TOTPDevice.objects.get(user=victim).failure_count == 4
    # The waits double with each further wrong code
    waits = []
    for _ in range(5):
        device = TOTPDevice.objects.get(user=victim)
        waits.append(mfa.delay_after(device.failure_count))
        _time_passes(victim, mfa.delay_after(device.failure_count))
        client = _logged_in()
        _wrong(client)
    assert waits == [2, 4, 8, 16, 32]
    device = TOTPDevice.objects.get(user=victim)
    assert device.failure_count == 9 and device.locked_at is None
    _time_passes(victim, 64)
    # When the 10th wrong code arrives, the authenticator locks
    locking = _logged_in()
    with django_capture_on_commit_callbacks(execute=True):
        page = _wrong(locking)
    assert "locked" in page
    device = TOTPDevice.objects.get(user=victim)
    assert device.locked_at is not None
    # Then even the right code, long after, is refused
    _time_passes(victim, 3600)
    refused = _logged_in().post(VERIFY, {"code": victim.totp.now()})
    assert refused.status_code == 400 and "locked" in refused.content.decode()
    # The user and the GRM of the hotel are e-mailed, the GRM's bell rings, the audit trail has it
    assert sorted(mail.outbox[0].to) == ["desk7@hotel.example", "gm@hotel.example"]
    assert Notification.objects.filter(recipient=grm, url="/account/mfa/locks/").count() == 1
    assert not Notification.objects.filter(recipient=outsider).exists()
    locked = AuditEvent.objects.get(action=AuditEvent.Action.MFA_LOCKED)
    assert locked.target_label == "desk7" and locked.details["failures"] == 10
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MFA_FAILED, actor=victim).count() >= 11
    # Not any colleague may lift it: a clerk of the same hotel, a GRM of another hotel
    colleague = _fully_logged_in(factories.front_desk_at(sha, username="desk8"))
    assert colleague.get("/account/mfa/locks/").status_code == 403
    assert colleague.post(f"/account/mfa/locks/{victim.pk}/unlock/").status_code == 404
    other = _fully_logged_in(outsider)
    assert other.post(f"/account/mfa/locks/{victim.pk}/unlock/").status_code == 404
    assert TOTPDevice.objects.get(user=victim).locked_at is not None
    # When the GRM of the hotel unlocks it from the list, the count starts again
    manager = _fully_logged_in(grm)
    listing = manager.get("/account/mfa/locks/")
    assert listing.status_code == 200 and "desk7" in listing.content.decode()
    assert manager.post(f"/account/mfa/locks/{victim.pk}/unlock/").status_code == 302
    device = TOTPDevice.objects.get(user=victim)
    assert (device.locked_at, device.failure_count) == (None, 0)
    unlocked = AuditEvent.objects.get(action=AuditEvent.Action.MFA_UNLOCKED)
    assert unlocked.actor == grm and unlocked.target_label == "desk7"
    client = _logged_in()
    assert client.post(VERIFY, {"code": victim.totp.now()}).status_code == 302


def test_a_recovery_code_lifts_the_lock(sha, victim, mfa_settings):
    codes = mfa.recovery_codes_renew(user=victim)
    TOTPDevice.objects.filter(user=victim).update(
        failure_count=10, locked_at=timezone.now(), last_failure_at=timezone.now() - dt.timedelta(hours=1)
    )
    client = _logged_in()
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert client.get("/rooms/").status_code == 200
    device = TOTPDevice.objects.get(user=victim)
    assert (device.locked_at, device.failure_count) == (None, 0)
    assert AuditEvent.objects.get(action=AuditEvent.Action.MFA_UNLOCKED).details["by"] == "recovery_code"


def test_a_superuser_may_unlock_anyone_and_a_right_code_resets_the_count(sha, victim, mfa_settings):
    # A right code before the lock forgets the earlier wrong ones
    client = _logged_in()
    _wrong(client)
    _wrong(client)
    assert client.post(VERIFY, {"code": victim.totp.now()}).status_code == 302
    assert TOTPDevice.objects.get(user=victim).failure_count == 0
    TOTPDevice.objects.filter(user=victim).update(failure_count=10, locked_at=timezone.now())
    root = _fully_logged_in(factories.make_staff("root", is_superuser=True, is_staff=True))
    assert "desk7" in root.get("/account/mfa/locks/").content.decode()
    assert root.post(f"/account/mfa/locks/{victim.pk}/unlock/").status_code == 302
    assert TOTPDevice.objects.get(user=victim).locked_at is None


def test_parallel_logins_share_one_count(sha, victim, mfa_settings):
    # Two logins (two terminals or web processes) guessing at once add to the same count
    first, second = _logged_in(), _logged_in()
    _wrong(first)
    _wrong(second)
    _wrong(first)
    assert TOTPDevice.objects.get(user=victim).failure_count == 3
