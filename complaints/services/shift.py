"""Writes of the shift: duty log entries, handovers and their acknowledgement, the check-in alert."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import (
    Complaint,
    DutyLogEntry,
    Handover,
    LogCategory,
    Notification,
    Reminder,
    ReminderKind,
    ReminderStatus,
    ShiftSetting,
)
from complaints.selectors.access import complaint_visible, has_perm_at
from complaints.selectors.shift import briefings_for, handover_summary, shift_to_hand_over
from guests.models import Guest, Stay
from hotel_crm import roles
from hotel_crm.errors import DomainError, StaleRecord
from hotel_crm.models import Property, StaffMembership, StaffProfile
from rooms.models import Room

TEXT_MAX = 4000
DEFAULT_ACKNOWLEDGE_MINUTES = 30


class ShiftError(DomainError):
    """A duty log entry or handover that cannot be written; the message is for the clerk."""


# --- the duty log ----------------------------------------------------------------------------


@transaction.atomic
def duty_log_write(
    *,
    prop: Property,
    author: User,
    category: str,
    text: str,
    complaint: Complaint | None = None,
    guest: Guest | None = None,
    room: Room | None = None,
    stay: Stay | None = None,
    is_sensitive: bool = False,
    corrects: DutyLogEntry | None = None,
    now: dt.datetime | None = None,
) -> DutyLogEntry:
    """Append an entry to the property's duty log; a correction names the entry it corrects.

    An entry about a case in a sensitive category is sensitive itself (seen as the case is).
    """
    text = (text or "").strip()
    if not text:
        raise ShiftError(_("Write what happened."))
    if len(text) > TEXT_MAX:
        raise ShiftError(_("Keep the entry under %(n)d characters.") % {"n": TEXT_MAX})
    if category not in LogCategory.values:
        raise ShiftError(_("Choose a category for the entry."))
    if complaint is not None and (
        complaint.property_id != prop.pk or not complaint_visible(user=author, complaint=complaint)
    ):
        raise ShiftError(_("No such case in this hotel."))
    if room is not None and room.property_id != prop.pk:
        raise ShiftError(_("That room belongs to another hotel."))
    if stay is not None and stay.property_id != prop.pk:
        raise ShiftError(_("No such stay in this hotel."))
    if corrects is not None and corrects.property_id != prop.pk:
        raise ShiftError(_("No such log entry in this hotel."))
    if stay is not None:
        guest = guest or stay.guest
        room = room or stay.room
    if (
        complaint is not None
        and complaint.category_id
        and complaint.category
        and complaint.category.is_sensitive
    ):
        is_sensitive = True
    if corrects is not None and corrects.is_sensitive:
        is_sensitive = True  # a correction of a sensitive entry must not be read by more people
    return DutyLogEntry.objects.create(
        property=prop,
        author=author,
        category=category,
        text=text,
        complaint=complaint,
        guest=guest,
        room=room,
        stay=stay,
        is_sensitive=is_sensitive,
        corrects=corrects,
        at=now or timezone.now(),
    )


# --- handovers -------------------------------------------------------------------------------


def acknowledge_minutes(prop: Property) -> int:
    setting = ShiftSetting.objects.for_property(prop).first()
    return setting.acknowledge_within_minutes if setting else DEFAULT_ACKNOWLEDGE_MINUTES


def _handover_watchers(prop: Property, to_user: User | None) -> list[User]:
    """Who hears about a handover nobody acknowledged: the named incoming staff and the duty managers.

    A hotel without a duty manager reminds its guest relations managers instead.
    """
    staff = get_user_model().objects.filter(is_active=True, memberships__property=prop)
    watchers = list(staff.filter(memberships__role__name=roles.DUTY_MANAGER).distinct())
    if not watchers:
        watchers = list(staff.filter(memberships__role__name=roles.GUEST_RELATIONS_MANAGER).distinct())
    if to_user is not None and all(w.pk != to_user.pk for w in watchers):
        watchers.insert(0, to_user)
    return watchers


@transaction.atomic
def handover_create(
    *,
    prop: Property,
    actor: User,
    notes: str = "",
    to_user: User | None = None,
    now: dt.datetime | None = None,
) -> Handover:
    """Hand the shift over: freeze the summary, keep the notes, plan the reminder if nobody acknowledges."""
    now = now or timezone.now()
    notes = (notes or "").strip()
    if len(notes) > TEXT_MAX:
        raise ShiftError(_("Keep the notes under %(n)d characters.") % {"n": TEXT_MAX})
    if to_user is not None:
        if to_user.pk == actor.pk:
            raise ShiftError(
                _("Hand over to someone else, or leave the field empty for whoever comes on next.")
            )
        if not to_user.is_active or not StaffMembership.objects.filter(user=to_user, property=prop).exists():
            raise ShiftError(_("That person does not work in this hotel."))
    window, incoming = shift_to_hand_over(prop, now)
    if Handover.objects.filter(property=prop, shift_start=window.start, from_user=actor).exists():
        raise ShiftError(_("You already handed over this shift."))
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                property=prop,
                shift_code=window.code,
                shift_name_en=window.spec.name_en,
                shift_name_zh=window.spec.name_zh,
                shift_start=window.start,
                shift_end=window.end,
                from_user=actor,
                to_user=to_user,
                notes=notes,
                summary=handover_summary(prop=prop, window=window, incoming=incoming, now=now),
                created_at=now,
            )
    except IntegrityError as error:  # the same person handing over twice at once
        raise ShiftError(_("You already handed over this shift.")) from error
    due = now + dt.timedelta(minutes=acknowledge_minutes(prop))
    Reminder.objects.bulk_create(
        [
            Reminder(
                property=prop,
                handover=handover,
                kind=ReminderKind.HANDOVER,
                subject="handover",
                recipient=person,
                due_at=due,
                idempotency_key=f"handover:{handover.pk}:{person.pk}",
            )
            for person in _handover_watchers(prop, to_user)
        ],
        ignore_conflicts=True,
    )
    return handover


@transaction.atomic
def handover_acknowledge(
    *, handover: Handover, actor: User, expected_version: int | None = None, now: dt.datetime | None = None
) -> Handover:
    """The incoming staff member confirms they read the handover; its reminders are called off."""
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if expected_version is not None and handover.version != expected_version:
        raise StaleRecord(_("Someone else changed this handover in the meantime; reload the page."))
    if handover.acknowledged_at is not None:
        raise ShiftError(_("This handover was already acknowledged."))
    if handover.from_user_id == actor.pk:
        raise ShiftError(_("The next shift acknowledges a handover, not the person who wrote it."))
    if (
        handover.to_user_id
        and handover.to_user_id != actor.pk
        and not has_perm_at(actor, handover.property, "complaints.view_all_complaints")
    ):
        raise ShiftError(_("This handover is addressed to someone else."))
    handover.acknowledged_by = actor
    handover.acknowledged_at = now or timezone.now()
    handover.version += 1
    handover.save(update_fields=["acknowledged_by", "acknowledged_at", "version"])
    Reminder.objects.filter(
        handover=handover, status__in=[ReminderStatus.PENDING, ReminderStatus.CLAIMED]
    ).update(status=ReminderStatus.CANCELLED)
    return handover


# --- the check-in alert ------------------------------------------------------------------------


def _language(user: User) -> str:
    profile = StaffProfile.objects.filter(user=user).values_list("language", flat=True).first()
    return profile or settings.LANGUAGE_CODE


def arrival_checked_in_notify(*, stay: Stay) -> int:
    """Tell the guest relations managers of the hotel that a flagged guest (VIP, past complaints) checked in.

    Call inside the check-in's transaction: the notification commits or rolls back with it, and its
    key makes a second call for the same stay a no-op. Each manager's text is built from the cases
    they may see. Returns the number of notifications made.
    """
    prop = stay.property
    grms = list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__property=prop,
            memberships__role__name=roles.GUEST_RELATIONS_MANAGER,
        )
        .distinct()
    )
    made = 0
    for grm in grms:
        briefing = briefings_for(user=grm, prop=prop, stays=[stay])[stay.pk]
        if not briefing.flagged:
            continue
        with translation.override(_language(grm)):
            flags = []
            if briefing.vip:
                flags.append(stay.guest.get_vip_level_display())
            if briefing.returning_complainant:
                flags.append(_("%(n)d earlier case(s) here") % {"n": len(briefing.past_cases)})
            if briefing.recovered_last_time:
                flags.append(_("recovered last time: welcome them back warmly"))
            text = _("Flagged guest checked in: %(guest)s, room %(room)s — %(flags)s.") % {
                "guest": stay.guest.display_name,
                "room": stay.room.number,
                "flags": "; ".join(str(f) for f in flags),
            }
        _notification, created = Notification.objects.get_or_create(
            key=f"checkin:{stay.pk}:{grm.pk}",
            defaults={
                "recipient": grm,
                "property": prop,
                "text": text[:300],
                "url": reverse("guests:detail", kwargs={"pk": stay.guest_id}),
            },
        )
        made += created
    return made
