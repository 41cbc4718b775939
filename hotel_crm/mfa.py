"""The TOTP second factor (RFC 6238, pyotp) and single-use recovery codes (ADR 0008)."""

import hmac
import secrets

import pyotp
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from hotel_crm.models import RecoveryCode, StaffMembership, StaffProfile, TOTPDevice
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
    code = "".join(ch for ch in code if ch.isdigit())
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
