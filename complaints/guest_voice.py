"""The guest's own voice: a link to answer "how satisfied are you now?" about one case, without an account.

A link is `django.core.signing` of "<GuestCheck id>.<nonce>": the signature makes it
impossible to forge or to point at another row, the random nonce stored on the row
makes a guessed id useless, and the row says whether the link was answered,
replaced by a newer one, or expired. Anything else gets the same neutral answer.
The server can rebuild a link from its row at any time, which is what lets the case
page show it as a QR code long after it was emailed (docs/adr/0011).

Writes here are made of the same building blocks as complaints.services (complaints.case_primitives):
row locks, the transition table, an event for every change; email after commit.
"""

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from complaints import system_text as keys
from complaints import workflow
from complaints.case_primitives import ComplaintError, case_check, case_event, case_lock, case_move, case_save
from complaints.models import (
    Complaint,
    EventKind,
    GuestCheck,
    GuestCheckKind,
    Notification,
    VerdictSource,
)
from complaints.workflow import Action, Status, Verdict
from guests.models import Guest, StayStatus
from hotel_crm import roles, system_text
from hotel_crm.i18n import localized
from hotel_crm.models import StaffProfile

log = logging.getLogger(__name__)

SALT = "complaints.guest_check"
LANGUAGES = ("en", "zh-hans")
COMMENT_MAX_LENGTH = 1000
TOKEN_MAX_LENGTH = 200
LEASE = dt.timedelta(minutes=5)
MAX_SEND_ATTEMPTS = 5
# Checks-outs longer ago than this are not scanned: turning the feature on must not email old guests.
POST_STAY_LOOKBACK = dt.timedelta(days=7)


class LinkNotValid(Exception):
    """The link is forged, expired, answered or replaced: the guest sees one neutral page for all."""


class GuestAnswerError(Exception):
    """The answer cannot be taken as sent; the message is for the guest."""


# --- links ------------------------------------------------------------------------------------


def guest_language(guest: Guest | None) -> str:
    """The language of the guest's page and email: Chinese for any Chinese, else English."""
    code = (guest.preferred_language if guest is not None else "") or ""
    return "zh-hans" if code.startswith("zh") else "en"


def guest_check_token(check: GuestCheck) -> str:
    return signing.Signer(salt=SALT).sign(f"{check.pk}.{check.nonce}")


def guest_check_url(check: GuestCheck, request: HttpRequest | None = None) -> str:
    """The absolute link: GUEST_LINK_BASE_URL when set, else the host of the staff page being shown."""
    path = reverse("guest_check", args=[guest_check_token(check)])
    base = settings.GUEST_LINK_BASE_URL
    if request is not None and not base:
        return request.build_absolute_uri(path)
    return (base or "http://localhost:8000").rstrip("/") + path


def _check_for_token(token: str, *, lock: bool = False) -> GuestCheck | None:
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    pk, _dot, nonce = value.partition(".")
    if not pk.isascii() or not pk.isdigit() or not nonce:
        return None
    checks = GuestCheck.objects.select_related("complaint__guest", "complaint__property")
    if lock:
        checks = checks.select_for_update(of=("self",))
    check = checks.filter(pk=int(pk)).first()
    if check is None or not constant_time_compare(check.nonce, nonce):
        return None
    return check


def _usable(check: GuestCheck, now: dt.datetime) -> bool:
    guest = check.complaint.guest
    return (
        check.used_at is None
        and check.revoked_at is None
        and check.expires_at > now
        and not (guest is not None and guest.erased_at)
    )


def guest_check_open(token: str, *, now: dt.datetime | None = None) -> GuestCheck | None:
    """The check behind a link the guest may still answer, else None (whatever the reason)."""
    check = _check_for_token(token)
    return check if check is not None and _usable(check, now or timezone.now()) else None


def guest_check_case_ended(check: GuestCheck) -> bool:
    """A verification link whose case staff closed or withdrew before the guest answered."""
    return check.kind == GuestCheckKind.VERIFICATION and check.complaint.status in workflow.ENDED


def guest_check_active(*, complaint: Complaint) -> GuestCheck | None:
    """The verification link staff can show or print now (one query)."""
    return (
        GuestCheck.objects.filter(
            complaint=complaint,
            kind=GuestCheckKind.VERIFICATION,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def problem_in_guest_terms(complaint: Complaint) -> str:
    """What the case was about, as the hotel's managed category (or department) name, never staff notes.

    Call inside the guest's language. The guest's words are not repeated: clerks write them down
    with names of staff and other guests in them.
    """
    category = complaint.category
    if category is not None:
        return localized(category.name_en, category.name_zh)
    department = complaint.department
    return localized(department.name_en, department.name_zh)


def _new_check(complaint: Complaint, kind: str, actor: User | None, now: dt.datetime) -> GuestCheck:
    guest = complaint.guest
    email = guest.email if guest is not None and not guest.erased_at else ""
    return GuestCheck.objects.create(
        property_id=complaint.property_id,
        complaint=complaint,
        kind=kind,
        nonce=secrets.token_urlsafe(16),
        language=guest_language(guest),
        sent_to=email,
        created_by=actor,
        expires_at=now + dt.timedelta(days=settings.GUEST_CHECK_VALID_DAYS),
    )


def link_note(check: GuestCheck) -> system_text.Message:
    """Where the link went, as system text for the timeline (rendered in the reader's language)."""
    if check.sent_to:
        return system_text.message(keys.LINK_EMAILED, email=check.sent_to)
    return system_text.message(keys.LINK_NO_EMAIL)


def guest_check_create(*, complaint: Complaint, actor: User, now: dt.datetime | None = None) -> GuestCheck:
    """Make a new verification link; older unanswered ones stop working. Call holding the case's row lock.

    The dispatch task emails it (complaints.tasks.guest_checks_dispatch) when the guest has an address.
    """
    now = now or timezone.now()
    GuestCheck.objects.filter(
        complaint=complaint,
        kind=GuestCheckKind.VERIFICATION,
        used_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=now)
    return _new_check(complaint, GuestCheckKind.VERIFICATION, actor, now)


@transaction.atomic
def guest_check_issue(*, complaint: Complaint, actor: User, now: dt.datetime | None = None) -> GuestCheck:
    """Staff send the guest a new link (the button on the case page); it goes on the timeline."""
    complaint = case_lock(complaint, None)
    if complaint.status != Status.VERIFYING:
        raise ComplaintError(_("The guest's link is only for a case at the verifying step."))
    if complaint.guest is not None and complaint.guest.erased_at:
        raise ComplaintError(_("This guest's data was erased: no link can be sent."))
    check = guest_check_create(complaint=complaint, actor=actor, now=now)
    case_event(complaint, EventKind.GUEST_LINK, actor, data={"check": check.pk, "text": link_note(check)})
    return check


# --- the guest's answer ----------------------------------------------------------------------


def _needs_diagnosis(complaint: Complaint) -> bool:
    return complaint.is_repeat and not (complaint.root_cause and complaint.preventive_action)


@transaction.atomic
def guest_check_answer(
    *, token: str, answer: str, comment: str = "", now: dt.datetime | None = None
) -> GuestCheck:
    """Take the guest's answer once and let it drive the case.

    Verification link, case still verifying: very satisfied closes the case as the guest's own
    verdict; OK or dissatisfied sends it back to resolving and alerts the owner and the managers.
    Otherwise (a post-stay check, or staff moved the case meanwhile) the answer goes on the
    timeline and the case stays where it is; an unhappy answer still alerts.
    """
    now = now or timezone.now()
    check = _check_for_token(token, lock=True)
    if check is None or not _usable(check, now):
        raise LinkNotValid
    if answer not in Verdict.values:
        raise GuestAnswerError(_("Choose one of the three answers."))
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise GuestAnswerError(
            _("Please keep the comment under %(n)d characters.") % {"n": COMMENT_MAX_LENGTH}
        )
    complaint = case_lock(check.complaint, None)
    check.used_at, check.answer, check.comment = now, answer, comment
    check.save(update_fields=["used_at", "answer", "comment"])
    data = {"check": check.pk, "kind": check.kind, "answer": answer}
    verifying = check.kind == GuestCheckKind.VERIFICATION and complaint.status == Status.VERIFYING
    held_for_diagnosis = verifying and answer == Verdict.VERY_SATISFIED and _needs_diagnosis(complaint)
    if verifying and not held_for_diagnosis:
        case_check(complaint, Action.VERIFY, actor=None)
        complaint.verdict, complaint.verdict_source, complaint.verified_at = answer, VerdictSource.GUEST, now
        case_move(
            complaint,
            workflow.target_after_guest_answer(answer),
            None,
            EventKind.GUEST_VERDICT,
            note=comment,
            data={**data, "moved": True},
            fields=("verdict", "verdict_source", "verified_at"),
        )
    else:
        # The case does not move, but staff looking at an older copy of it must reload.
        case_save(complaint)
        case_event(complaint, EventKind.GUEST_VERDICT, None, note=comment, data={**data, "moved": False})
    if held_for_diagnosis or answer != Verdict.VERY_SATISFIED:
        _alert(complaint, check, moved=verifying and not held_for_diagnosis, diagnosis=held_for_diagnosis)
    return check


def _alert_text(complaint: Complaint, check: GuestCheck, *, moved: bool, diagnosis: bool) -> str:
    values = {
        "ref": complaint.reference,
        "who": complaint.complainant(),
        "answer": Verdict(check.answer).label,
    }
    if diagnosis:
        return (
            _(
                "%(ref)s (%(who)s): the guest answered “%(answer)s” through their link. It is a repeat "
                "problem: record its root cause and prevention, then close the case."
            )
            % values
        )
    if check.kind == GuestCheckKind.POST_STAY:
        return _("%(ref)s (%(who)s): after the stay the guest answered “%(answer)s”.") % values
    if moved:
        return (
            _("%(ref)s (%(who)s): the guest answered “%(answer)s” through their link; back to resolving.")
            % values
        )
    return (
        _("%(ref)s (%(who)s): the guest answered “%(answer)s” through their link (the case was not moved).")
        % values
    )


def _alert(complaint: Complaint, check: GuestCheck, *, moved: bool, diagnosis: bool) -> None:
    """Tell the owner, the assignee and the hotel's guest relations managers: the bell and email."""
    recipients = list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(pk__in=[complaint.owner_id, complaint.assignee_id])
            | Q(
                memberships__property=complaint.property_id,
                memberships__role__name=roles.GUEST_RELATIONS_MANAGER,
            )
        )
        .distinct()
    )
    languages = dict(
        StaffProfile.objects.filter(user__in=recipients).exclude(language="").values_list("user", "language")
    )
    url = complaint.get_absolute_url()
    notifications, mails = [], []
    for user in recipients:
        with translation.override(languages.get(user.pk) or settings.LANGUAGE_CODE):
            text = _alert_text(complaint, check, moved=moved, diagnosis=diagnosis)
            label = _("Their comment:")
            body = f"{text}\n\n{label} {check.comment}" if check.comment else text
        notifications.append(
            Notification(recipient=user, property=complaint.property, text=text[:300], url=url)
        )
        if user.email:
            mails.append((f"[{complaint.property.code}] {text[:120]}", body, user.email))
    Notification.objects.bulk_create(notifications)

    def send() -> None:
        for subject, body, address in mails:
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
            except OSError:  # the bell already has it; a mail server outage must not fail the guest's answer
                log.warning("Could not email the guest's answer on %s to %s", complaint.reference, address)

    transaction.on_commit(send)


# --- after the stay --------------------------------------------------------------------------


def post_stay_checks_create(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """Make the post-stay check of every case whose guest checked out long enough ago; safe to rerun."""
    now = now or timezone.now()
    due_before = now - dt.timedelta(minutes=settings.POST_STAY_CHECK_DELAY_MINUTES)
    already = GuestCheck.objects.filter(complaint=OuterRef("pk"), kind=GuestCheckKind.POST_STAY)
    due = (
        Complaint.objects.filter(
            stay__status=StayStatus.CHECKED_OUT,
            stay__checked_out_at__lte=due_before,
            stay__checked_out_at__gt=due_before - POST_STAY_LOOKBACK,
            guest__erased_at__isnull=True,
        )
        .exclude(guest__email="")
        .exclude(status=Status.WITHDRAWN)
        .exclude(Exists(already))
        .select_related("guest")
        .order_by("pk")[:batch]
    )
    created = 0
    for complaint in due:
        try:
            with transaction.atomic():
                check = _new_check(complaint, GuestCheckKind.POST_STAY, None, now)
                case_event(
                    complaint, EventKind.GUEST_LINK, None, data={"check": check.pk, "text": link_note(check)}
                )
        except IntegrityError:  # another scan made it first
            continue
        created += 1
    return created


# --- email -----------------------------------------------------------------------------------


def guest_checks_claim(*, now: dt.datetime | None = None, batch: int = 100) -> list[int]:
    """Claim links waiting for their email (or whose sender died); safe with several dispatchers."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            GuestCheck.objects.select_for_update(skip_locked=True)
            .filter(
                sent_at__isnull=True,
                revoked_at__isnull=True,
                used_at__isnull=True,
                expires_at__gt=now,
                attempts__lt=MAX_SEND_ATTEMPTS,
            )
            .exclude(sent_to="")
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            GuestCheck.objects.filter(pk__in=ids).update(lease_until=now + LEASE, attempts=F("attempts") + 1)
    return ids


def guest_check_email(check: GuestCheck, request: HttpRequest | None = None) -> EmailMultiAlternatives:
    """The email to the guest, plain text and HTML, in their language, from the hotel."""
    complaint = check.complaint
    prop = complaint.property
    with translation.override(check.language):
        context = {
            "hotel": localized(prop.name_en, prop.name_zh),
            "problem": problem_in_guest_terms(complaint),
            "reported": date_format(timezone.localtime(complaint.reported_at, prop.tzinfo), "DATE_FORMAT"),
            "url": guest_check_url(check, request),
            "post_stay": check.kind == GuestCheckKind.POST_STAY,
            "expires": date_format(timezone.localtime(check.expires_at, prop.tzinfo), "DATE_FORMAT"),
        }
        subject = (
            _("%(hotel)s: how did we handle your problem?")
            if context["post_stay"]
            else _("%(hotel)s: is everything right now?")
        ) % {"hotel": context["hotel"]}
        text = render_to_string("complaints/guest/email.txt", context)
        html = render_to_string("complaints/guest/email.html", context)
    sender = f"{context['hotel']} <{settings.DEFAULT_FROM_EMAIL}>".replace("\n", " ")
    message = EmailMultiAlternatives(subject, text, sender, [check.sent_to])
    message.attach_alternative(html, "text/html")
    return message


@transaction.atomic
def guest_check_deliver(*, check_id: int, now: dt.datetime | None = None) -> bool:
    """Email one link and mark it sent; a second call does nothing."""
    check = (
        GuestCheck.objects.select_for_update(of=("self",))
        .select_related("complaint__property", "complaint__category", "complaint__department")
        .filter(pk=check_id)
        .first()
    )
    if check is None or check.sent_at or check.revoked_at or check.used_at or not check.sent_to:
        return False
    guest_check_email(check).send()
    check.sent_at = now or timezone.now()
    check.save(update_fields=["sent_at"])
    return True
