"""Every write to guests and stays."""

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from guests import names, signals
from guests.models import (
    Guest,
    GuestEvent,
    GuestPhone,
    GuestPreference,
    ProfileAccess,
    Stay,
    StayStatus,
)
from guests.phones import phone_tokens
from hotel_crm.audit import Action as AuditAction
from hotel_crm.audit import audit_record
from hotel_crm.errors import DomainError, StaleRecord
from hotel_crm.models import Property
from rooms.models import Room, RoomStatus
from rooms.services import room_mark_checked_in, room_mark_checked_out


class GuestError(DomainError):
    """A change to a guest or stay that cannot be made; the message is for the clerk."""


class StaleGuest(GuestError, StaleRecord):
    pass


@dataclass
class GuestData:
    """The fields of a guest profile that staff type in."""

    family_name_cjk: str = ""
    given_name_cjk: str = ""
    family_name_latin: str = ""
    given_name_latin: str = ""
    salutation: str = ""
    nationality: str = ""
    preferred_language: str = ""
    email: str = ""
    company: str = ""
    vip_level: int = 0
    preference_notes: str = ""
    notes: str = ""
    marketing_consent: bool = False
    phones: list[str] = field(default_factory=list)  # E.164, already normalised
    preferences: list[tuple[str, str]] = field(default_factory=list)  # (category, value)

    def has_name(self) -> bool:
        parts = (self.family_name_cjk, self.given_name_cjk, self.family_name_latin, self.given_name_latin)
        return any(part.strip() for part in parts)


_PROFILE_FIELDS = [
    "family_name_cjk",
    "given_name_cjk",
    "family_name_latin",
    "given_name_latin",
    "salutation",
    "nationality",
    "preferred_language",
    "email",
    "company",
    "vip_level",
    "preference_notes",
    "notes",
]


def guest_search_tokens(guest: Guest, phones: list[str]) -> str:
    """The space-separated search tokens of a guest (names in every script, email, phones)."""
    tokens = names.name_tokens(
        family_cjk=guest.family_name_cjk,
        given_cjk=guest.given_name_cjk,
        family_latin=guest.family_name_latin,
        given_latin=guest.given_name_latin,
    )
    if guest.email:
        tokens.add("@" + guest.email.lower())
    for number in phones:
        tokens |= phone_tokens(number)
    return " ".join(sorted(t.replace(" ", "") for t in tokens))


def _apply(guest: Guest, data: GuestData) -> None:
    if not data.has_name():
        raise GuestError(_("Enter the guest's name, in Chinese or Latin letters."))
    for name in _PROFILE_FIELDS:
        value = getattr(data, name)
        setattr(guest, name, value.strip() if isinstance(value, str) else value)
    guest.email = guest.email.strip().lower()
    guest.nationality = guest.nationality.upper()
    guest.romanised_name = names.romanised_name(
        family_cjk=guest.family_name_cjk, given_cjk=guest.given_name_cjk
    )
    if data.marketing_consent and not guest.marketing_consent:
        guest.marketing_consent_at = timezone.now()
    if not data.marketing_consent:
        guest.marketing_consent_at = None
    guest.marketing_consent = data.marketing_consent
    guest.search_tokens = guest_search_tokens(guest, data.phones)


def _replace_children(guest: Guest, data: GuestData) -> None:
    GuestPhone.objects.filter(guest=guest).exclude(number__in=data.phones).delete()
    existing = set(GuestPhone.objects.filter(guest=guest).values_list("number", flat=True))
    GuestPhone.objects.bulk_create(
        GuestPhone(guest=guest, number=n) for n in dict.fromkeys(data.phones) if n not in existing
    )
    GuestPreference.objects.filter(guest=guest).delete()
    GuestPreference.objects.bulk_create(
        GuestPreference(guest=guest, category=c, value=v) for c, v in dict.fromkeys(data.preferences)
    )


@transaction.atomic
def guest_create(*, data: GuestData, actor: User) -> Guest:
    """Create a guest profile with phones and preferences."""
    guest = Guest()
    _apply(guest, data)
    guest.save()
    _replace_children(guest, data)
    GuestEvent.objects.create(guest=guest, kind=GuestEvent.Kind.CREATED, actor=actor)
    return guest


@transaction.atomic
def guest_update(*, guest: Guest, data: GuestData, actor: User, expected_version: int) -> Guest:
    """Save an edited profile; refuse if someone saved it since `expected_version`."""
    locked = Guest.objects.select_for_update().get(pk=guest.pk)
    if locked.erased_at or locked.merged_into_id:
        raise GuestError(_("This profile was erased or merged and can no longer be edited."))
    if locked.version != expected_version:
        raise StaleGuest(
            _(
                "Someone else saved this guest's profile while you were editing. "
                "Reload it and make your change again."
            )
        )
    _apply(locked, data)
    locked.version = F("version") + 1
    locked.save()
    _replace_children(locked, data)
    GuestEvent.objects.create(guest=locked, kind=GuestEvent.Kind.UPDATED, actor=actor)
    locked.refresh_from_db()
    return locked


def profile_access_record(*, guest: Guest, user: User, prop: Property | None, action: str = "view") -> None:
    """Note that `user` opened (or exported) the guest's full profile, in its log and in the audit trail."""
    ProfileAccess.objects.create(guest=guest, user=user, property=prop, action=action)
    audit_record(
        AuditAction.EXPORTED if action == "export" else AuditAction.PROFILE_VIEWED,
        actor=user,
        target=guest,
        target_label=f"#{guest.pk}",
        prop=prop,
        details={"export": "guest_json"} if action == "export" else None,
    )


@transaction.atomic
def guest_merge(*, source: Guest, target: Guest, actor: User) -> Guest:
    """Fold `source` into `target`: stays, phones, preferences and history move over; source is retired."""
    if source.pk == target.pk:
        raise GuestError(_("Choose two different profiles to merge."))
    first, second = sorted([source.pk, target.pk])
    locked = {g.pk: g for g in Guest.objects.select_for_update().filter(pk__in=[first, second])}
    source, target = locked[source.pk], locked[target.pk]
    for guest in (source, target):
        if guest.erased_at or guest.merged_into_id:
            raise GuestError(_("%(name)s was erased or already merged.") % {"name": guest.display_name})
    moved_stays = Stay.objects.filter(guest=source).update(guest=target)
    target_phones = set(GuestPhone.objects.filter(guest=target).values_list("number", flat=True))
    GuestPhone.objects.filter(guest=source, number__in=target_phones).delete()
    GuestPhone.objects.filter(guest=source).update(guest=target)
    # Preferences the target already has are dropped; the rest move over (two queries, no loop).
    duplicate_prefs = GuestPreference.objects.filter(
        guest=target, category=OuterRef("category"), value=OuterRef("value")
    )
    GuestPreference.objects.filter(guest=source).filter(Exists(duplicate_prefs)).delete()
    GuestPreference.objects.filter(guest=source).update(guest=target)
    ProfileAccess.objects.filter(guest=source).update(guest=target)
    GuestEvent.objects.filter(guest=source).update(guest=target)
    # Fill what the target lacks from the source; never overwrite what the target has.
    for name in _PROFILE_FIELDS:
        if not getattr(target, name) and getattr(source, name):
            setattr(target, name, getattr(source, name))
    for text in ("notes", "preference_notes"):
        if getattr(source, text) and getattr(source, text) not in getattr(target, text):
            setattr(target, text, (getattr(target, text) + "\n" + getattr(source, text)).strip())
    target.vip_level = max(target.vip_level, source.vip_level)
    target.romanised_name = names.romanised_name(
        family_cjk=target.family_name_cjk, given_cjk=target.given_name_cjk
    )
    target.search_tokens = guest_search_tokens(target, list(target.phones.values_list("number", flat=True)))
    target.version = F("version") + 1
    target.save()
    source.merged_into = target
    source.search_tokens = ""
    source.save(update_fields=["merged_into", "search_tokens", "updated_at"])
    note = _("Merged profile #%(source)s (%(name)s) into this one; %(stays)d stays moved.") % {
        "source": source.pk,
        "name": source.display_name,
        "stays": moved_stays,
    }
    GuestEvent.objects.create(guest=target, kind=GuestEvent.Kind.MERGED, actor=actor, note=note)
    GuestEvent.objects.create(
        guest=source,
        kind=GuestEvent.Kind.MERGED,
        actor=actor,
        note=_("Merged into #%(id)s.") % {"id": target.pk},
    )
    target.refresh_from_db()
    return target


@transaction.atomic
def guest_erase(*, guest: Guest, actor: User, reason: str) -> Guest:
    """Anonymise a guest: personal data blanked, free text scrubbed, stays kept for statistics."""
    reason = (reason or "").strip()
    if not reason:
        raise GuestError(_("Say why the guest is being erased (e.g. the guest's request of a given date)."))
    locked = Guest.objects.select_for_update().get(pk=guest.pk)
    if locked.erased_at:
        raise GuestError(_("This guest was already erased."))
    for name in _PROFILE_FIELDS:
        if name != "vip_level":
            setattr(locked, name, "")
    locked.romanised_name = ""
    locked.marketing_consent = False
    locked.marketing_consent_at = None
    locked.search_tokens = ""
    locked.erased_at = timezone.now()
    locked.version = F("version") + 1
    locked.save()
    GuestPhone.objects.filter(guest=locked).delete()
    GuestPreference.objects.filter(guest=locked).delete()
    Stay.objects.filter(guest=locked).update(notes="")
    # Earlier events may quote the name (a merge note); scrub them too.
    GuestEvent.objects.filter(guest=locked).update(note="")
    GuestEvent.objects.create(guest=locked, kind=GuestEvent.Kind.ERASED, actor=actor, note=reason[:500])
    audit_record(
        AuditAction.ERASED,
        actor=actor,
        target=locked,
        target_label=f"#{locked.pk}",
        details={"reason": reason[:500]},
    )
    locked.refresh_from_db()
    signals.guest_erased.send(sender=Guest, guest=locked, actor=actor)
    return locked


# --- Stays --------------------------------------------------------------------


def _new_confirmation_number(prop: Property) -> str:
    return f"{prop.code}-{secrets.token_hex(4).upper()}"


def _assert_room_free(room: Room, arrival: dt.date, departure: dt.date, exclude: int | None = None) -> None:
    in_house = Stay.objects.filter(
        room=room, status=StayStatus.IN_HOUSE, arrival_date__lt=departure, departure_date__gt=arrival
    )
    if exclude is not None:
        in_house = in_house.exclude(pk=exclude)
    clash = in_house.select_related("guest").first()
    if clash:
        raise GuestError(
            _("Room %(room)s is occupied by %(guest)s until %(departure)s.")
            % {"room": room.number, "guest": clash.guest.display_name, "departure": clash.departure_date}
        )


@transaction.atomic
def stay_create(
    *,
    prop: Property,
    guest: Guest,
    room: Room,
    arrival: dt.date,
    departure: dt.date,
    actor: User,
    confirmation_number: str = "",
    adults: int = 1,
    notes: str = "",
    check_in: bool = False,
    now: dt.datetime | None = None,
) -> Stay:
    """Book a stay for a guest in a room of this property; `check_in` checks it in too, all or nothing."""
    if room.property_id != prop.pk:
        raise GuestError(_("That room belongs to another hotel."))
    if guest.erased_at or guest.merged_into_id:
        raise GuestError(_("This profile was erased or merged; book the stay on the current profile."))
    if departure <= arrival:
        raise GuestError(_("The departure date must be after the arrival date."))
    number = (confirmation_number or "").strip().upper() or _new_confirmation_number(prop)
    if Stay.objects.for_property(prop).filter(confirmation_number=number).exists():
        raise GuestError(
            _("Confirmation number %(number)s is already used in this hotel.") % {"number": number}
        )
    try:
        with transaction.atomic():
            stay = Stay.objects.create(
                property=prop,
                guest=guest,
                room=room,
                arrival_date=arrival,
                departure_date=departure,
                confirmation_number=number,
                adults=adults,
                notes=notes,
                created_by=actor,
            )
    except IntegrityError as error:
        raise GuestError(
            _("Confirmation number %(number)s is already used in this hotel.") % {"number": number}
        ) from error
    return stay_check_in(stay=stay, actor=actor, now=now) if check_in else stay


def _locked_stay(stay: Stay) -> Stay:
    # Lock the room first: every change of a room's occupancy takes the same lock, in the same order.
    Room.objects.select_for_update().get(pk=stay.room_id)
    return Stay.objects.select_for_update().select_related("room", "guest").get(pk=stay.pk)


@transaction.atomic
def stay_check_in(*, stay: Stay, actor: User, now: dt.datetime | None = None) -> Stay:
    """Check a reserved stay in: the room must not hold another in-house stay for these dates."""
    stay = _locked_stay(stay)
    if stay.status != StayStatus.RESERVED:
        raise GuestError(
            _("Only a reserved stay can be checked in (this one is %(status)s).")
            % {"status": stay.get_status_display()}
        )
    if stay.room.status == RoomStatus.OUT_OF_ORDER:
        raise GuestError(
            _("Room %(room)s is out of order: %(reason)s")
            % {"room": stay.room.number, "reason": stay.room.out_of_order_reason}
        )
    today = stay.property.today(now)
    if stay.arrival_date > today:
        raise GuestError(
            _("This stay arrives on %(date)s; it cannot be checked in earlier.") % {"date": stay.arrival_date}
        )
    if stay.departure_date <= today:
        raise GuestError(_("This stay's departure date has passed; correct the dates first."))
    _assert_room_free(stay.room, stay.arrival_date, stay.departure_date, exclude=stay.pk)
    stay.status = StayStatus.IN_HOUSE
    stay.checked_in_at = now or timezone.now()
    stay.version += 1
    try:
        with transaction.atomic():
            stay.save(update_fields=["status", "checked_in_at", "version"])
    except IntegrityError as error:  # the PostgreSQL exclusion constraint, should the lock ever be bypassed
        raise GuestError(
            _("Room %(room)s already holds a guest for these dates.") % {"room": stay.room.number}
        ) from error
    room_mark_checked_in(room=stay.room, actor=actor)
    signals.stay_checked_in.send(sender=Stay, stay=stay, actor=actor)
    return stay


@transaction.atomic
def stay_check_out(*, stay: Stay, actor: User, now: dt.datetime | None = None) -> Stay:
    """Check an in-house stay out; the room becomes vacant dirty."""
    stay = _locked_stay(stay)
    if stay.status != StayStatus.IN_HOUSE:
        raise GuestError(
            _("Only an in-house stay can be checked out (this one is %(status)s).")
            % {"status": stay.get_status_display()}
        )
    stay.status = StayStatus.CHECKED_OUT
    stay.checked_out_at = now or timezone.now()
    stay.version += 1
    stay.save(update_fields=["status", "checked_out_at", "version"])
    room_mark_checked_out(room=stay.room, actor=actor)
    return stay


@transaction.atomic
def stay_cancel(*, stay: Stay, actor: User, no_show: bool = False) -> Stay:
    """Cancel a reservation, or mark it a no-show."""
    stay = _locked_stay(stay)
    if stay.status != StayStatus.RESERVED:
        raise GuestError(
            _("Only a reserved stay can be cancelled (this one is %(status)s).")
            % {"status": stay.get_status_display()}
        )
    stay.status = StayStatus.NO_SHOW if no_show else StayStatus.CANCELLED
    stay.version += 1
    stay.save(update_fields=["status", "version"])
    return stay


@transaction.atomic
def stay_amend(
    *,
    stay: Stay,
    actor: User,
    guest: Guest,
    room: Room,
    arrival: dt.date,
    departure: dt.date,
    adults: int,
    notes: str,
    expected_version: int | None = None,
) -> Stay:
    """Change a reservation (guest, room, dates); once in house only the departure, adults and notes.

    With `expected_version`, refuse (StaleGuest) if the stay changed since that version was read."""
    stay = _locked_stay(stay)
    if expected_version is not None and stay.version != expected_version:
        raise StaleGuest(
            _("Stay %(number)s changed since version %(version)s (now %(now)s): read it again and resend.")
            % {"number": stay.confirmation_number, "version": expected_version, "now": stay.version}
        )
    if departure <= arrival:
        raise GuestError(_("The departure date must be after the arrival date."))
    if room.property_id != stay.property_id:
        raise GuestError(_("That room belongs to another hotel."))
    moved = guest.pk != stay.guest_id or room.pk != stay.room_id or arrival != stay.arrival_date
    if stay.status == StayStatus.IN_HOUSE and moved:
        raise GuestError(
            _("Stay %(number)s is in house: only its departure date can change here (a room move is not).")
            % {"number": stay.confirmation_number}
        )
    if stay.status not in (StayStatus.RESERVED, StayStatus.IN_HOUSE):
        raise GuestError(
            _("Stay %(number)s is %(status)s and can no longer be changed.")
            % {"number": stay.confirmation_number, "status": stay.get_status_display()}
        )
    if guest.pk != stay.guest_id and (guest.erased_at or guest.merged_into_id):
        raise GuestError(_("This profile was erased or merged; book the stay on the current profile."))
    if stay.status == StayStatus.IN_HOUSE and departure != stay.departure_date:
        _assert_room_free(stay.room, arrival, departure, exclude=stay.pk)
    stay.guest, stay.room, stay.arrival_date, stay.departure_date = guest, room, arrival, departure
    stay.adults, stay.notes = adults, notes
    stay.version += 1
    stay.save(update_fields=["guest", "room", "arrival_date", "departure_date", "adults", "notes", "version"])
    return stay


def guest_data_of(guest: Guest) -> GuestData:
    """The editable fields of a guest, as the form starts from them."""
    data = GuestData(**{name: getattr(guest, name) for name in _PROFILE_FIELDS})
    data.marketing_consent = guest.marketing_consent
    data.phones = list(guest.phones.values_list("number", flat=True))
    data.preferences = list(guest.preferences.values_list("category", "value"))
    return data
