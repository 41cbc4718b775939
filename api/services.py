"""Writes of the API app: issuing and revoking tokens, and keeping the acting staff account in step."""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken, Scope
from guests import services as guest_services
from guests.models import Guest, Stay, StayStatus
from guests.services import GuestError
from hotel_crm.models import Property, StaffMembership
from rooms.models import Room

TOKEN_PREFIX = "hcrm_"


class TokenError(Exception):
    """A token that cannot be issued as asked; the message is for the administrator."""


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_issue(
    *,
    name: str,
    prop: Property,
    role: Group,
    scopes: list[str],
    created_by: AbstractBaseUser | None,
    requests_per_minute: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and the staff account it acts as; return the token and the secret (shown once)."""
    name = name.strip()
    if not name:
        raise TokenError(_("Give the token a name (the system that will use it)."))
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise TokenError(_("Unknown scopes: %(scopes)s") % {"scopes": ", ".join(sorted(unknown))})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    # One account per token, so the timeline names the integration and its role sets its authority.
    user = get_user_model().objects.create_user(
        username=f"api:{prefix}", first_name="API", last_name=name[:150]
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    StaffMembership.objects.create(user=user, property=prop, role=role)
    token = ApiToken.objects.create(
        name=name,
        property=prop,
        scopes=[s for s in Scope.values if s in scopes],
        prefix=prefix,
        key_hash=token_hash(raw),
        user=user,
        created_by=created_by,
        requests_per_minute=requests_per_minute,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke for good: the key stops working at once and its account is disabled."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        get_user_model().objects.filter(pk=token.user_id).update(is_active=False)
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Note the token was used; at most once a minute, so reads do not turn into a write each."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Stays pushed by the PMS ----------------------------------------------------------------


@dataclass(frozen=True)
class StayPush:
    """One reservation as the PMS sends it, keyed by its confirmation number."""

    confirmation_number: str
    guest_id: int
    room_number: str
    arrival: dt.date
    departure: dt.date
    status: str
    adults: int = 1
    notes: str = ""


# From the stay's status now, what to do to reach the pushed one.
_STEPS = {
    (StayStatus.RESERVED, StayStatus.IN_HOUSE): ("check_in",),
    (StayStatus.RESERVED, StayStatus.CHECKED_OUT): ("check_in", "check_out"),
    (StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT): ("check_out",),
    (StayStatus.RESERVED, StayStatus.CANCELLED): ("cancel",),
    (StayStatus.RESERVED, StayStatus.NO_SHOW): ("no_show",),
}


@transaction.atomic
def stay_push(*, prop: Property, actor: AbstractBaseUser, push: StayPush) -> tuple[Stay, bool]:
    """Create or update the stay with this confirmation number; the same push twice changes nothing.

    Every change goes through guests.services (booking, amending, check-in, check-out, cancelling),
    so the room's status follows exactly as at the front desk. All or nothing.
    """
    number = push.confirmation_number.strip().upper()
    if not number or len(number) > 30:
        raise GuestError(_("A confirmation number has 1 to 30 characters."))
    guest = Guest.objects.filter(pk=push.guest_id).first()
    if guest is None:
        raise GuestError(_("No guest #%(id)s.") % {"id": push.guest_id})
    if guest.merged_into_id:
        guest = Guest.objects.get(pk=guest.merged_into_id)  # the PMS may still hold the old profile's id
    room = Room.objects.for_property(prop).filter(number=push.room_number.strip()).first()
    if room is None:
        raise GuestError(_("Room %(room)s does not exist in this hotel.") % {"room": push.room_number})
    stay = Stay.objects.for_property(prop).filter(confirmation_number=number).first()
    created = stay is None
    if created:
        stay = guest_services.stay_create(
            prop=prop,
            guest=guest,
            room=room,
            arrival=push.arrival,
            departure=push.departure,
            actor=actor,
            confirmation_number=number,
            adults=push.adults,
            notes=push.notes,
        )
    elif (stay.guest_id, stay.room_id, stay.arrival_date, stay.departure_date, stay.adults, stay.notes) != (
        guest.pk,
        room.pk,
        push.arrival,
        push.departure,
        push.adults,
        push.notes,
    ):
        stay = guest_services.stay_amend(
            stay=stay,
            actor=actor,
            guest=guest,
            room=room,
            arrival=push.arrival,
            departure=push.departure,
            adults=push.adults,
            notes=push.notes,
        )
    if stay.status != push.status:
        steps = _STEPS.get((stay.status, push.status))
        if steps is None:
            raise GuestError(
                _("Stay %(number)s is %(now)s; it cannot become %(then)s.")
                % {
                    "number": number,
                    "now": stay.get_status_display(),
                    "then": StayStatus(push.status).label,
                }
            )
        for step in steps:
            if step == "check_in":
                stay = guest_services.stay_check_in(stay=stay, actor=actor)
            elif step == "check_out":
                stay = guest_services.stay_check_out(stay=stay, actor=actor)
            else:
                stay = guest_services.stay_cancel(stay=stay, actor=actor, no_show=step == "no_show")
    return Stay.objects.select_related("room").get(pk=stay.pk), created
