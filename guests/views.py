import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guests import list_filters, selectors, services
from guests.forms import EraseForm, GuestForm, StayForm
from guests.models import Guest, GuestEvent, Stay
from hotel_crm.inputs import as_id
from hotel_crm.pagination import PAGE_SIZES, page_size_for
from hotel_crm.permissions import property_permission_required

IN_HOUSE_PAGE = 100


def _is_group_wide(request) -> bool:
    access = request.property_access
    return request.user.is_superuser or bool(access and access.profile and access.profile.group_role_id)


def _guest_or_404(pk: int) -> Guest:
    guest = selectors.guest_for_profile(pk=pk)
    if guest is None:
        raise Http404(_("No such guest."))
    return guest


def _back(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() would read anything else ("!") as a view name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@property_permission_required("guests.view_guest")
def guest_search(request):
    query = request.GET.get("q", "")
    limit = page_size_for(request, default=selectors.SEARCH_LIMIT)
    result = selectors.guest_search(prop=request.property, query=query, limit=limit)
    template = (
        "guests/includes/search_results.html" if request.headers.get("HX-Request") else "guests/search.html"
    )
    return render(
        request,
        template,
        {
            "result": result,
            "query": query,
            "limit": limit,
            "page_size": limit,
            "page_sizes": PAGE_SIZES,
            "page_size_next": f"{request.path}?{urlencode({'q': query})}",
        },
    )


@property_permission_required("guests.view_stay")
def in_house(request):
    show = request.GET.get("show", selectors.InHouseView.IN_HOUSE)
    if show not in (
        selectors.InHouseView.IN_HOUSE,
        selectors.InHouseView.DEPARTURES,
        selectors.InHouseView.ARRIVALS,
    ):
        show = selectors.InHouseView.IN_HOUSE
    today = request.property.today()
    extra_filters = list_filters.registered()
    stay_filter = selectors.StayListFilter(
        text=request.GET.get("q", "")[:100],
        vip_only=request.GET.get("vip") == "1",
        extra=[f.name for f in extra_filters if request.GET.get(f.name) == "1"],
    )
    page = Paginator(
        selectors.in_house_list(prop=request.property, show=show, today=today, stay_filter=stay_filter),
        IN_HOUSE_PAGE,
    ).get_page(request.GET.get("page"))
    counts = selectors.in_house_counts(prop=request.property, today=today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "guests/in_house.html",
        {
            "page": page,
            "show": show,
            "today": today,
            "counts": counts,
            "stay_filter": stay_filter,
            "extra_filters": extra_filters,
            "query": query.urlencode(),
        },
    )


@property_permission_required("guests.add_guest")
def guest_create(request):
    form = GuestForm(request.POST or None)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = form.to_data()
        duplicates = selectors.guest_possible_duplicates(
            email=data.email,
            phones=data.phones,
            family_cjk=data.family_name_cjk,
            given_cjk=data.given_name_cjk,
            family_latin=data.family_name_latin,
            given_latin=data.given_name_latin,
        )
        if not duplicates or form.cleaned_data.get("confirm_not_duplicate"):
            guest = services.guest_create(data=data, actor=request.user)
            messages.success(request, _("Profile created for %(name)s.") % {"name": guest.display_name})
            return redirect("guests:detail", pk=guest.pk)
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "guests/guest_form.html", {"form": form, "duplicates": duplicates}, status=status)


@property_permission_required("guests.view_guest")
def guest_detail(request, pk: int):
    guest = _guest_or_404(pk)
    if guest.merged_into_id:
        messages.info(request, _("That profile was merged into this one."))
        return redirect("guests:detail", pk=guest.merged_into_id)
    services.profile_access_record(guest=guest, user=request.user, prop=request.property)
    profile = selectors.guest_profile(guest=guest, prop=request.property, group_wide=_is_group_wide(request))
    return render(
        request,
        "guests/guest_detail.html",
        {"profile": profile, "guest": guest, "today": request.property.today()},
    )


@property_permission_required("guests.change_guest")
def guest_edit(request, pk: int):
    guest = _guest_or_404(pk)
    if guest.erased_at or guest.merged_into_id:
        raise Http404(_("This profile was erased or merged."))
    if request.method != "POST":
        form = GuestForm(initial=GuestForm.initial_from(services.guest_data_of(guest), guest.version))
        return render(request, "guests/guest_form.html", {"form": form, "guest": guest})
    form = GuestForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.guest_update(
                guest=guest,
                data=form.to_data(),
                actor=request.user,
                expected_version=form.cleaned_data["version"] or 0,
            )
        except services.StaleGuest as error:
            form.add_error(None, str(error))
            status = 409
        except services.GuestError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Profile saved."))
            return redirect("guests:detail", pk=guest.pk)
    return render(request, "guests/guest_form.html", {"form": form, "guest": guest}, status=status)


@property_permission_required("guests.export_guest")
def guest_export(request, pk: int):
    guest = _guest_or_404(pk)
    document = selectors.guest_export(guest=guest)
    services.profile_access_record(guest=guest, user=request.user, prop=request.property, action="export")
    GuestEvent.objects.create(guest=guest, kind=GuestEvent.Kind.EXPORTED, actor=request.user)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="guest-{guest.pk}-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@property_permission_required("guests.erase_guest")
def guest_erase(request, pk: int):
    guest = _guest_or_404(pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.guest_erase(guest=guest, actor=request.user, reason=form.cleaned_data["reason"])
        except services.GuestError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The guest's personal data was erased."))
            return redirect("guests:detail", pk=guest.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "guests/guest_erase.html", {"guest": guest, "form": form}, status=status)


@property_permission_required("guests.merge_guest")
def guest_merge(request, pk: int):
    """Merge another profile (the duplicate) into this one."""
    target = _guest_or_404(pk)
    other = None
    if other_id := as_id(request.POST.get("source") or request.GET.get("source")):
        other = selectors.guest_for_profile(pk=other_id)
    if request.method == "POST":
        if other is None:
            messages.error(request, _("Choose the duplicate profile first."))
            return redirect("guests:merge", pk=target.pk)
        try:
            services.guest_merge(source=other, target=target, actor=request.user)
        except services.GuestError as error:
            messages.error(request, str(error))
            return redirect("guests:merge", pk=target.pk)
        messages.success(request, _("The two profiles are now one."))
        return redirect("guests:detail", pk=target.pk)
    query = request.GET.get("q", "")
    result = selectors.guest_search(prop=request.property, query=query) if query else None
    return render(
        request,
        "guests/guest_merge.html",
        {"target": target, "other": other, "result": result, "query": query},
    )


@property_permission_required("guests.add_stay")
def stay_create(request, pk: int):
    guest = _guest_or_404(pk)
    form = StayForm(request.POST or None, prop=request.property)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            stay = services.stay_create(
                prop=request.property,
                guest=guest,
                room=d["room"],
                arrival=d["arrival"],
                departure=d["departure"],
                confirmation_number=d["confirmation_number"],
                adults=d["adults"],
                notes=d["notes"],
                actor=request.user,
                check_in=d["check_in_now"],
            )
        except services.GuestError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Stay %(number)s saved.") % {"number": stay.confirmation_number})
            return redirect("guests:detail", pk=guest.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "guests/stay_form.html", {"form": form, "guest": guest}, status=status)


def _stay_action(request, pk: int, action, done_message: str):
    stay = Stay.objects.for_property(request.property).filter(pk=pk).select_related("guest", "room").first()
    if stay is None:
        raise Http404(_("No such stay in this hotel."))
    try:
        action(stay=stay, actor=request.user)
    except services.GuestError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done_message % {"name": stay.guest.display_name, "room": stay.room.number})
    return redirect(_back(request, f"/guests/{stay.guest_id}/"))


@require_POST
@property_permission_required("guests.check_in_out")
def stay_check_in(request, pk: int):
    return _stay_action(request, pk, services.stay_check_in, _("%(name)s checked in to room %(room)s."))


@require_POST
@property_permission_required("guests.check_in_out")
def stay_check_out(request, pk: int):
    return _stay_action(request, pk, services.stay_check_out, _("%(name)s checked out of room %(room)s."))


@require_POST
@property_permission_required("guests.check_in_out")
def stay_cancel(request, pk: int):
    return _stay_action(
        request, pk, services.stay_cancel, _("Reservation of %(name)s (room %(room)s) cancelled.")
    )


@property_permission_required("guests.view_stay")
def room_occupant_panel(request, room_pk: int):
    """The in-house guest of a room, for the room page (served here: rooms does not know guests)."""
    stay = (
        Stay.objects.for_property(request.property)
        .filter(room_id=room_pk, status="in_house")
        .select_related("guest")
        .first()
    )
    return render(request, "guests/includes/room_occupant.html", {"stay": stay})
