"""The guest's public page: no login, no JavaScript, the guest's language, nothing but the question.

Every link that cannot be answered (forged, expired, answered, replaced) gets the same
404 page, so the page tells a stranger nothing. Hits are counted per client and per
link in the database (complaints.rate_limit); too many get a 429 page.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from complaints import guest_voice, rate_limit
from complaints.forms import GuestAnswerForm
from complaints.models import GuestCheckKind
from complaints.workflow import Status
from hotel_crm.audit import client_ip
from hotel_crm.i18n import localized
from hotel_crm.qr import qr_svg


def link_panel(request, complaint) -> dict | None:
    """The case page's panel: the verification link to show, print or resend (one query)."""
    if complaint.status != Status.VERIFYING:
        return None
    check = guest_voice.guest_check_active(complaint=complaint)
    if check is None:
        return {"check": None}
    url = guest_voice.guest_check_url(check, request)
    # The SVG is drawn from our own URL, never from text a guest typed.
    return {"check": check, "url": url, "svg": mark_safe(qr_svg(url))}  # noqa: S308


def _language(request, default: str) -> str:
    chosen = request.GET.get("lang", "")
    return chosen if chosen in guest_voice.LANGUAGES else default


def _allowed(request, token: str) -> bool:
    """Hits per client, and per link per client (whoever else holds a link cannot use up the guest's hits).

    The client is `client_ip`, which reads the trusted proxy's header when CLIENT_IP_HEADER says so:
    behind the proxy, every guest would otherwise share the proxy's one bucket.
    """
    window = settings.GUEST_PAGE_RATE_WINDOW_SECONDS
    client = client_ip(request)
    by_ip = rate_limit.rate_limit_hit(
        rate_limit.key_for("guest-ip", client),
        limit=settings.GUEST_PAGE_HITS_PER_IP,
        window_seconds=window,
    )
    by_link = rate_limit.rate_limit_hit(
        rate_limit.key_for("guest-link", f"{client} {token[: guest_voice.TOKEN_MAX_LENGTH]}"),
        limit=settings.GUEST_PAGE_HITS_PER_LINK,
        window_seconds=window,
    )
    return by_ip and by_link


def _neutral(request, template: str, status: int, language: str = ""):
    with translation.override(language or _language(request, settings.LANGUAGE_CODE)):
        return render(request, template, {"language": translation.get_language()}, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def guest_check(request, token: str):
    """The one question: how satisfied is the guest now (very satisfied / OK / dissatisfied)."""
    if not _allowed(request, token):
        return _neutral(request, "complaints/guest/too_many.html", 429)
    check = guest_voice.guest_check_open(token)
    if check is None:
        return _neutral(request, "complaints/guest/not_valid.html", 404)
    language = _language(request, check.language)
    with translation.override(language):
        form = GuestAnswerForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                guest_voice.guest_check_answer(
                    token=token, answer=form.cleaned_data["answer"], comment=form.cleaned_data["comment"]
                )
            except guest_voice.LinkNotValid:  # answered in another tab a moment ago
                return _neutral(request, "complaints/guest/not_valid.html", 404, language)
            except guest_voice.GuestAnswerError as error:
                form.add_error(None, str(error))
            else:
                return redirect(f"{reverse('guest_thanks')}?lang={language}")
        complaint = check.complaint
        prop = complaint.property
        context = {
            "language": language,
            "hotel": localized(prop.name_en, prop.name_zh),
            "problem": guest_voice.problem_in_guest_terms(complaint),
            "reported": date_format(timezone.localtime(complaint.reported_at, prop.tzinfo), "DATE_FORMAT"),
            "post_stay": check.kind == GuestCheckKind.POST_STAY,
            # A real, unanswered link whose case staff closed meanwhile: say so; an answer is still
            # recorded on the case (and an unhappy one alerts the managers).
            "case_closed": guest_voice.guest_check_case_ended(check),
            "form": form,
            "path": request.path,
        }
        return render(request, "complaints/guest/check.html", context, status=400 if form.is_bound else 200)


@login_not_required
@never_cache
@require_GET
def guest_thanks(request):
    return _neutral(request, "complaints/guest/thanks.html", 200)
