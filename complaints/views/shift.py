"""The shift screens: "my shift" (the start page), the duty log, handovers and the arrival briefing."""

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import selectors, services, shift_forms
from complaints.models import Handover
from guests.models import Guest, Stay
from hotel_crm.errors import DomainError
from hotel_crm.inputs import as_id
from hotel_crm.pagination import CappedPaginator
from hotel_crm.permissions import property_permission_required
from rooms import selectors as room_selectors

LOG_PAGE = 50


@property_permission_required("complaints.view_handover")
def my_shift(request):
    """The start page of the front desk, duty managers and guest relations managers."""
    now = timezone.now()
    page = selectors.my_shift(user=request.user, prop=request.property, now=now)
    return render(request, "complaints/my_shift.html", {"page": page, "now": now})


def _about_guest(entry_form) -> Guest | None:
    """The guest a new entry is about (written from their profile), to name above the form."""
    pk = as_id(str(entry_form["guest"].value() or ""))
    return Guest.objects.active().filter(pk=pk, erased_at__isnull=True).first() if pk else None


def _entry_links(request, d: dict) -> dict:
    """The case, guest, room, stay and corrected entry an entry names; a form error for each not found."""
    prop = request.property
    errors: dict[str, str] = {}
    links: dict[str, Any] = {}
    reference = (d.get("case") or "").strip().upper()
    if reference:
        links["complaint"] = (
            selectors.complaints_visible_to(user=request.user, property=prop)
            .select_related("category")
            .filter(reference=reference)
            .first()
        )
        if links["complaint"] is None:
            errors["case"] = _("No such case in this hotel.")
    number = (d.get("room") or "").strip()
    if number:
        links["room"] = room_selectors.rooms_for(prop).filter(number=number).first()
        if links["room"] is None:
            errors["room"] = _("No such room in this hotel.")
    confirmation = (d.get("stay") or "").strip().upper()
    if confirmation:
        links["stay"] = (
            Stay.objects.for_property(prop)
            .select_related("guest", "room")
            .filter(confirmation_number=confirmation)
            .first()
        )
        if links["stay"] is None:
            errors["stay"] = _("No such stay in this hotel.")
    if d.get("guest"):
        links["guest"] = Guest.objects.active().filter(pk=d["guest"], erased_at__isnull=True).first()
        if links["guest"] is None:
            errors["guest"] = _("No such guest.")
    if d.get("corrects"):
        links["corrects"] = (
            selectors.log_entries_visible_to(user=request.user, prop=prop).filter(pk=d["corrects"]).first()
        )
        if links["corrects"] is None:
            errors["corrects"] = _("No such log entry in this hotel.")
    return {"links": links, "errors": errors}


@property_permission_required("complaints.view_dutylogentry")
def duty_log(request):
    """The duty log (值班日志): filters and search, and the form to add an entry (POST)."""
    prop = request.property
    entry_form = shift_forms.LogEntryForm(
        request.POST if request.method == "POST" else None,
        initial={
            "corrects": as_id(request.GET.get("corrects")),
            "guest": as_id(request.GET.get("guest")),
        },
    )
    if request.method == "POST":
        if not request.user.has_perm("complaints.add_dutylogentry"):
            raise Http404(_("No such page."))
        if entry_form.is_valid():
            d = entry_form.cleaned_data
            found = _entry_links(request, d)
            for name, message in found["errors"].items():
                entry_form.add_error(name if name not in ("corrects", "guest") else None, message)
            if not found["errors"]:
                try:
                    services.duty_log_write(
                        prop=prop,
                        author=request.user,
                        category=d["category"],
                        text=d["text"],
                        is_sensitive=d["is_sensitive"],
                        **found["links"],
                    )
                except DomainError as error:
                    entry_form.add_error(None, str(error))
                else:
                    messages.success(request, _("Log entry added."))
                    return redirect("complaints:duty_log")
    specs = selectors.shift_specs(prop)
    filter_form = shift_forms.LogFilterForm(
        request.GET or None, prop=prop, shift_choices=[(s.code, s.name) for s in specs]
    )
    filters = selectors.LogFilters()
    if filter_form.is_bound and filter_form.is_valid():
        d = filter_form.cleaned_data
        filters = selectors.LogFilters(
            q=d["q"], category=d["category"], day=d["day"], shift=d["shift"], mine=d["mine"]
        )
    page = CappedPaginator(
        selectors.duty_log(user=request.user, prop=prop, filters=filters), LOG_PAGE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/duty_log.html",
        {
            "page": page,
            "entry_form": entry_form,
            "about_guest": _about_guest(entry_form),
            "filter_form": filter_form,
            "query": query.urlencode(),
            "shift": selectors.shift_now(prop),
            "recent_handovers": list(selectors.handovers(prop=prop)[:5]),
        },
        status=400 if request.method == "POST" else 200,
    )


def _staff_choices(request) -> list[tuple[int, str]]:
    return [
        (u.pk, u.get_full_name() or u.get_username())
        for u in selectors.staff_of_property(prop=request.property).exclude(pk=request.user.pk)
    ]


@property_permission_required("complaints.add_handover")
def handover_create(request):
    """Hand the shift over: a preview of the summary, the notes, and to whom."""
    prop = request.property
    form = shift_forms.HandoverForm(request.POST or None, staff=_staff_choices(request))
    if request.method == "POST" and form.is_valid():
        to_user = None
        if form.cleaned_data["to_user"]:
            to_user = selectors.staff_of_property(prop=prop).filter(pk=form.cleaned_data["to_user"]).first()
        try:
            handover = services.handover_create(
                prop=prop, actor=request.user, notes=form.cleaned_data["notes"], to_user=to_user
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Shift handed over."))
            return redirect("complaints:handover", pk=handover.pk)
    window, incoming = selectors.shift_to_hand_over(prop)
    preview = Handover(
        property=prop,
        shift_code=window.code,
        shift_name_en=window.spec.name_en,
        shift_name_zh=window.spec.name_zh,
        shift_start=window.start,
        shift_end=window.end,
        from_user=request.user,
        summary=selectors.handover_summary(prop=prop, window=window, incoming=incoming, now=timezone.now()),
    )
    return render(
        request,
        "complaints/handover_form.html",
        {
            "form": form,
            "view": selectors.handover_view(handover=preview, user=request.user),
            "window": window,
            "incoming": incoming,
        },
        status=400 if request.method == "POST" else 200,
    )


def _handover_or_404(request, pk: int) -> Handover:
    handover = selectors.handovers(prop=request.property).filter(pk=pk).first()
    if handover is None:
        raise Http404(_("No such handover in this hotel."))
    return handover


@property_permission_required("complaints.view_handover")
def handover_detail(request, pk: int):
    handover = _handover_or_404(request, pk)
    return render(
        request,
        "complaints/handover_detail.html",
        {
            "view": selectors.handover_view(handover=handover, user=request.user),
            "ack_form": shift_forms.AcknowledgeForm(initial={"version": handover.version}),
        },
    )


@require_POST
@property_permission_required("complaints.add_handover")
def handover_acknowledge(request, pk: int):
    handover = _handover_or_404(request, pk)
    form = shift_forms.AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("complaints:handover", pk=handover.pk)
    try:
        services.handover_acknowledge(
            handover=handover, actor=request.user, expected_version=form.cleaned_data["version"]
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Handover acknowledged."))
    return redirect("complaints:handover", pk=handover.pk)


@property_permission_required("complaints.view_handover")
def morning_briefing(request):
    """The printable morning briefing for the daily line-up: today's arrivals, flagged first."""
    prop = request.property
    return render(
        request,
        "complaints/briefing.html",
        {
            "today": prop.today(),
            "briefings": selectors.arrival_briefings(user=request.user, prop=prop),
            "shift": selectors.shift_now(prop),
        },
    )


@property_permission_required("complaints.view_handover")
def arrivals_briefing_panel(request):
    """The briefing of today's flagged arrivals, for the arrivals list (guests does not know complaints)."""
    return render(
        request,
        "complaints/includes/arrivals_briefing.html",
        {
            "briefings": selectors.arrival_briefings(
                user=request.user, prop=request.property, flagged_only=True
            )
        },
    )


def guest_briefing_context(request, guest_pk: int) -> dict:
    """The profile's briefing (for the guest cases panel)."""
    guest = Guest.objects.filter(pk=guest_pk).first()
    if guest is None or not request.user.has_perm("complaints.view_handover"):
        return {"briefing": None}
    return {"briefing": selectors.guest_briefing(user=request.user, prop=request.property, guest=guest)}
