"""Erasure (PIPL/GDPR) reaches the guest's complaint cases: the text that names, reaches or quotes the
guest goes, the cases stay for statistics (category, department, status, times, compensation, verdict).

Called by the receiver of `guests.signals.guest_erased`, inside `guests.services.guest_erase`'s
transaction: the scrub commits or rolls back with the erasure. The guest's own channel messages and
their copies are the channels' receiver's (complaints.channels.receivers.guest_erased_scrub).
"""

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints import system_text as keys
from complaints.models import (
    Complaint,
    ComplaintEvent,
    Compliment,
    CourtesyCheck,
    DutyLogEntry,
    GuestCheck,
    Notification,
    Offer,
    TeamAlert,
    TeamAlertStatus,
)
from guests.models import Guest, Stay
from hotel_crm import system_text


def guest_cases_scrub(*, guest: Guest) -> int:
    """Blank the guest's words, name and contact on every case of theirs (all hotels: erasure is
    group-wide), and the free text around them. Rows, kinds, actors, times and figures stay; the case's
    version moves on, so a case page opened before cannot write the old text back. Returns the number
    of cases scrubbed."""
    with translation.override(settings.LANGUAGE_CODE):
        erased = _("(erased)")  # required text fields: a marker, stored as plain text
    cases = Complaint.objects.filter(guest=guest)
    case_ids = list(cases.values_list("pk", flat=True))
    stays = Q(stay__guest=guest)
    # The guest's stays' courtesy checks and compliments, even those that became no case.
    CourtesyCheck.objects.filter(stays | Q(complaint_id__in=case_ids)).update(note="")
    Compliment.objects.filter(stays | Q(guest=guest)).update(words=erased)
    # The duty log is append-only for staff; erasure is the one writer that may blank a line (rows stay).
    DutyLogEntry.objects.filter(Q(guest=guest) | stays | Q(complaint_id__in=case_ids)).update(text=erased)
    _alerts_scrub(guest=guest, cases=list(cases.values_list("pk", "reference")))
    if not case_ids:
        return 0
    ComplaintEvent.objects.filter(complaint_id__in=case_ids).update(note="")
    # "Emailed to <address>" (a link's event, or "ready to verify"): the address is the guest's.
    links = list(ComplaintEvent.objects.filter(complaint_id__in=case_ids, data__text__key=keys.LINK_EMAILED))
    for event in links:
        event.data = {**event.data, "text": system_text.message(keys.LINK_EMAILED_ERASED)}
    ComplaintEvent.objects.bulk_update(links, ["data"])
    GuestCheck.objects.filter(complaint_id__in=case_ids).update(sent_to="", comment="")
    Offer.objects.filter(complaint_id__in=case_ids).update(guest_response="")
    return cases.update(
        complainant_name="",
        guest_words=erased,
        withdrawn_reason="",
        version=F("version") + 1,
        updated_at=timezone.now(),
    )


def _about(url: str) -> Q:
    """Notifications linking to `url` (as written, or with a fragment or query after it)."""
    return Q(url=url) | Q(url__startswith=f"{url}#") | Q(url__startswith=f"{url}?")


def _alerts_scrub(*, guest: Guest, cases: list[tuple[int, str]]) -> None:
    """The bell's notifications and the team chat's alerts may name the guest (a flagged check-in, a
    guest's comment, a VIP arrival). A notification is found by its link (the guest's profile or one of
    their cases) and keeps it, its text replaced by a notice naming at most the case; a VIP-arrival alert
    by its stay, its text replaced and, if not yet posted, never posted. (One already in the group chat is
    beyond our reach.)"""
    profile = reverse("guests:detail", kwargs={"pk": guest.pk})
    _notifications_replace(_about(profile), system_text.message(keys.NOTIFICATION_ERASED))
    for pk, reference in cases:
        about_case = _about(reverse("complaints:detail", kwargs={"pk": pk}))
        _notifications_replace(about_case, system_text.message(keys.NOTIFICATION_ERASED_CASE, ref=reference))
    stay_keys = [f"vip_arrival:{pk}" for pk in Stay.objects.filter(guest=guest).values_list("pk", flat=True)]
    alerts = TeamAlert.objects.filter(key__in=stay_keys)
    alerts.filter(status=TeamAlertStatus.PENDING).update(
        status=TeamAlertStatus.FAILED, last_error="guest erased"
    )
    with translation.override(settings.LANGUAGE_CODE):
        alerts.update(text=_("VIP arrival (the guest's data was erased)."))


def _notifications_replace(about: Q, message: system_text.Message) -> None:
    with translation.override("en"):
        english = system_text.render(message)
    Notification.objects.filter(about).update(text=english[:300], message=message)
