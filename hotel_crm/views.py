import logging
import re

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from hotel_crm import health
from hotel_crm.api.errors import api_server_error
from hotel_crm.inputs import as_number
from hotel_crm.middleware import SESSION_KEY
from hotel_crm.pagination import PAGE_SIZES
from hotel_crm.request_ids import request_id_of
from hotel_crm.services import staff_set_current_property, staff_set_language, staff_set_page_size

log = logging.getLogger(__name__)
_NUMERIC_ID = re.compile(r"/\d+(/|$)")


def home(request):
    """Send staff to the first screen their role may use."""
    if request.property is None:
        return render(request, "hotel_crm/no_property.html", status=403)
    # The shift is the front desk's, duty manager's and guest relations manager's start page
    # (complaints serves it; wired here by name only). The room board stays one click away.
    if request.user.has_perm("complaints.view_handover"):
        return redirect("complaints:my_shift")
    if request.user.has_perm("rooms.view_room_board"):
        return redirect("rooms:board")
    return render(request, "hotel_crm/home.html")


@never_cache
@require_GET
def ping(request):
    """A signed-in page with nothing on it: every middleware runs, the view does no work.

    The benchmark's floor (H1, docs/performance.md): other pages are measured against it.
    Rendered without the page chrome's context processors, so it shows what Django and our
    middleware cost on their own.
    """
    return HttpResponse(render_to_string("hotel_crm/ping.html", {"user": request.user}))


@require_POST
def switch_property(request):
    """Make another of the staff member's properties the current one."""
    try:
        prop = request.property_access.get(int(request.POST.get("property", "")))
    except (TypeError, ValueError):
        prop = None
    if prop is None:
        raise Http404("No such property for you.")
    request.session[SESSION_KEY] = prop.pk
    staff_set_current_property(user=request.user, prop=prop)
    # Ids in the old page's URL belong to the old property; start from the home page.
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    if not safe or _NUMERIC_ID.search(target):
        target = reverse("home")
    return HttpResponseRedirect(target)


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Report whether the database and the broker are reachable (no login, no secrets)."""
    db = health.database_ok()
    broker = health.broker_ok()
    seen = health.worker_last_seen() if db else None
    body = {
        "status": "ok" if db and broker else "unavailable",
        "database": {"ok": db},
        "broker": {"ok": broker},
        "worker": {"ok": health.worker_recent(seen), "last_seen": seen.isoformat() if seen else None},
    }
    return JsonResponse(body, status=200 if db and broker else 503)


@require_POST
def set_language(request):
    """Switch the language from any page, and remember it on the staff member's profile."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES):
        staff_set_language(user=request.user, language=language)
    return response


def server_error(request):
    """handler500: the API's documented JSON under /api/, else the plain error page; both name the request."""
    request_id = request_id_of(request)
    # Django has just logged the traceback (django.request); this line ties it to the id the answer shows.
    log.error("Server error on %s answered as request %s", request.path, request_id)
    if request.path.startswith("/api/"):
        return api_server_error(request)
    html = render_to_string("500.html", {"request_id": request_id})
    return HttpResponse(html, status=500)


@require_POST
def set_page_size(request):
    """Remember how many rows a list page shows for this staff member (25, 50 or 100), then go back."""
    value = as_number(request.POST.get("page_size"))
    if value is not None and value in PAGE_SIZES:
        staff_set_page_size(user=request.user, page_size=value)
    target = request.POST.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    return HttpResponseRedirect(target)
