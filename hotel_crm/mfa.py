"""The TOTP second factor (RFC 6238, pyotp) and single-use recovery codes (ADR 0008)."""

import datetime as dt
import hmac
import logging
import secrets
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from hotel_crm import roles
from hotel_crm.audit import Action, audit_record
from hotel_crm.errors import DomainError
from hotel_crm.models import Property, RecoveryCode, StaffMembership, StaffProfile, TOTPDevice
from hotel_crm.qr import qr_svg

STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
# Codes from the step before and after the current one are accepted: phone clocks drift.
VALID_WINDOW = 1

# Values of the session's MFA state.
MFA_OK = "ok"
MFA_VERIFY = "verify"
MFA_ENROL = "enrol"

SUPERUSER_ROLE = "superuser"

log = logging.getLogger(__name__)

# The roles that may lift a locked second factor of a colleague at their hotel (superusers anywhere).
UNLOCKING_ROLES = (roles.GUEST_RELATIONS_MANAGER, roles.PROPERTY_ADMINISTRATOR)

# Sent inside the transaction that locks an authenticator, for the apps above to alert in their own way
# (complaints rings the managers' bell). Arguments: user, managers: list of (manager, property).
second_factor_locked = Signal()


def mfa_required_for(user: User) -> bool:
    """Whether one of the user's roles (or being a superuser) is listed in MFA_REQUIRED_ROLES."""
    required = set(settings.MFA_REQUIRED_ROLES)
    if not required:
        return False
    if user.is_superuser and SUPERUSER_ROLE in required:
        return True
    names = set(StaffMembership.objects.filter(user=user).values_list("role__name", flat=True))
    names.update(
        StaffProfile.objects.filter(user=user, group_role__isnull=False).values_list(
            "group_role__name", flat=True
        )
    )
    return bool(names & required)


def mfa_state_for(user: User) -> str:
    """What a freshly logged-in session still needs: a code, an enrolment, or nothing."""
    if TOTPDevice.objects.filter(user=user).exists():
        return MFA_VERIFY
    if mfa_required_for(user):
        return MFA_ENROL
    return MFA_OK


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_provisioning_svg(*, secret: str, username: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (our own markup: no user text in it but the QR modules)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=settings.MFA_ISSUER)
    return qr_svg(uri, box_size=8)


def _matching_step(secret: str, code: str, *, after_step: int) -> int | None:
    # ASCII digits only: "١٢٣٤٥٦" is digits to isdigit(), and compare_digest refuses non-ASCII text.
    code = "".join(ch for ch in code if ch.isascii() and ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(timezone.now().timestamp()) // STEP_SECONDS
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if step > after_step and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


@transaction.atomic
def totp_enrol(*, user: User, secret: str, code: str) -> list[str] | None:
    """Confirm the authenticator with a code from it; return new recovery codes, or None if wrong."""
    step = _matching_step(secret, code, after_step=0)
    if step is None:
        return None
    TOTPDevice.objects.update_or_create(
        user=user, defaults={"secret": secret, "last_step": step, "confirmed_at": timezone.now()}
    )
    return recovery_codes_renew(user=user)


@transaction.atomic
def totp_verify(*, user: User, code: str) -> bool:
    """Check a code from the user's authenticator; a code already used (or an older one) is refused."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return False
    step = _matching_step(device.secret, code, after_step=device.last_step)
    if step is None:
        return False
    device.last_step = step
    device.save(update_fields=["last_step"])
    return True


def _recovery_hash(code: str) -> str:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    # The codes carry 50 random bits, so a keyed hash is enough (a slow hash would cost seconds per check).
    return salted_hmac("hotel_crm.mfa.recovery", normalised, algorithm="sha256").hexdigest()


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """Replace the user's recovery codes with fresh ones; return them to be shown once."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    codes = [f"{code[:5]}-{code[5:]}" for code in codes]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_recovery_hash(c)) for c in codes)
    return codes


@transaction.atomic
def recovery_code_use(*, user: User, code: str) -> bool:
    """Spend one recovery code; False if it is unknown or already used."""
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_recovery_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return used == 1


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- Guessing: increasing delays, then a lock (ADR 0015) ---------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of one second-factor attempt."""

    ok: bool
    recovery_used: bool = False
    # Seconds before another attempt is looked at (this one was not, when `refused_early`).
    wait_seconds: int = 0
    refused_early: bool = False
    locked: bool = False
    failures: int = 0


def delay_after(failures: int) -> int:
    """Seconds a staff member must wait after this many wrong codes in a row."""
    over = failures - settings.MFA_FAILURES_BEFORE_DELAY
    if over <= 0:
        return 0
    return min(settings.MFA_DELAY_SECONDS * 2 ** min(over - 1, 30), settings.MFA_DELAY_MAX_SECONDS)


def _wait_left(device: TOTPDevice, now: dt.datetime) -> int:
    if device.last_failure_at is None:
        return 0
    ready = device.last_failure_at + dt.timedelta(seconds=delay_after(device.failure_count))
    return max(0, int((ready - now).total_seconds() + 0.999))


def _reset(device: TOTPDevice) -> None:
    device.failure_count = 0
    device.last_failure_at = None
    device.locked_at = None


@transaction.atomic
def second_factor_check(*, user: User, code: str) -> CodeCheck:
    """Check a code (authenticator or recovery) against the user's persistent count of wrong codes.

    The device row is locked, so parallel attempts from several logins or web processes are counted
    one after the other. An attempt inside the wait after a wrong code is refused without being looked
    at (django-otp's rule). A locked authenticator accepts only a recovery code, which lifts the lock.
    """
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return CodeCheck(ok=False)
    now = timezone.now()
    locked = device.locked_at is not None
    wait = _wait_left(device, now)
    if wait:
        return CodeCheck(
            ok=False, wait_seconds=wait, refused_early=True, locked=locked, failures=device.failure_count
        )
    if not locked:
        step = _matching_step(device.secret, code, after_step=device.last_step)
        if step is not None:
            device.last_step = step
            _reset(device)
            device.save(update_fields=["last_step", "failure_count", "last_failure_at", "locked_at"])
            return CodeCheck(ok=True)
    if recovery_code_use(user=user, code=code):
        _reset(device)
        device.save(update_fields=["failure_count", "last_failure_at", "locked_at"])
        if locked:
            audit_record(Action.MFA_UNLOCKED, actor=user, target=user, details={"by": "recovery_code"})
        return CodeCheck(ok=True, recovery_used=True)
    device.failure_count += 1
    device.last_failure_at = now
    if not locked and device.failure_count >= settings.MFA_FAILURES_BEFORE_LOCK:
        device.locked_at = now
        _lock_alert(user=user, failures=device.failure_count)
    device.save(update_fields=["failure_count", "last_failure_at", "locked_at"])
    return CodeCheck(
        ok=False,
        wait_seconds=delay_after(device.failure_count),
        locked=device.locked_at is not None,
        failures=device.failure_count,
    )


def second_factor_managers(user: User) -> list[tuple[User, Property]]:
    """Who may unlock this staff member: the GRMs and administrators of each hotel they work at."""
    properties = StaffMembership.objects.filter(user=user).values("property")
    memberships = (
        StaffMembership.objects.filter(
            property__in=properties, role__name__in=UNLOCKING_ROLES, user__is_active=True
        )
        .exclude(user=user)
        .select_related("user", "property")
        .order_by("property_id", "user_id")
    )
    return [(m.user, m.property) for m in memberships]


def _lock_alert(*, user: User, failures: int) -> None:
    """Audit the lock, ring the managers' bell (signal) and e-mail the user and the managers."""
    managers = second_factor_managers(user)
    audit_record(Action.MFA_LOCKED, actor=user, target=user, details={"failures": failures})
    second_factor_locked.send(sender=TOTPDevice, user=user, managers=managers)
    recipients = sorted(
        {u.email for u, _prop in managers if u.email} | ({user.email} if user.email else set())
    )
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Second factor locked: %(username)s") % {"username": user.get_username()}
        body = _(
            "After %(failures)d wrong authenticator codes in a row, the second factor of %(username)s is "
            "locked. If that was not them, their password is known to someone else: change it.\n\n"
            "To unlock it, %(username)s logs in with a recovery code, or a guest relations manager or "
            "administrator of their hotel opens Security -> Locked second factors (%(path)s)."
        ) % {"failures": failures, "username": user.get_username(), "path": reverse("mfa_locks")}

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except OSError:  # the audit trail and the bell have it; a mail outage must not fail the login page
            log.warning("Could not e-mail the second-factor lock of %s", user.get_username())

    transaction.on_commit(send)


def second_factor_can_unlock(*, actor: User, user: User) -> bool:
    """A superuser, or a GRM or property administrator at a hotel where `user` works."""
    if actor.is_superuser:
        return True
    return StaffMembership.objects.filter(
        user=actor,
        role__name__in=UNLOCKING_ROLES,
        property__in=StaffMembership.objects.filter(user=user).values("property"),
    ).exists()


def second_factor_may_unlock_here(*, actor: User, prop: Property | None) -> bool:
    """Whether `actor` looks after locked second factors at `prop` (a superuser everywhere)."""
    if actor.is_superuser:
        return True
    return (
        prop is not None
        and StaffMembership.objects.filter(user=actor, property=prop, role__name__in=UNLOCKING_ROLES).exists()
    )


def second_factor_locked_devices(*, actor: User, prop: Property | None) -> list[TOTPDevice]:
    """The locked authenticators `actor` may unlock: staff of `prop` (every one for a superuser)."""
    devices = TOTPDevice.objects.filter(locked_at__isnull=False).select_related("user").order_by("-locked_at")
    if actor.is_superuser:
        return list(devices)
    if not second_factor_may_unlock_here(actor=actor, prop=prop):
        return []
    return list(devices.filter(Q(user__memberships__property=prop)).distinct())


class CannotUnlock(DomainError):
    pass


@transaction.atomic
def second_factor_unlock(*, actor: User, user: User) -> TOTPDevice:
    """Lift the lock (and forget the wrong codes) of `user`'s authenticator."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None or not second_factor_can_unlock(actor=actor, user=user):
        raise CannotUnlock(_("You cannot unlock this staff member's second factor."))
    was_locked = device.locked_at is not None
    _reset(device)
    device.save(update_fields=["failure_count", "last_failure_at", "locked_at"])
    audit_record(
        Action.MFA_UNLOCKED, actor=actor, target=user, details={"by": "manager", "was_locked": was_locked}
    )
    return device
