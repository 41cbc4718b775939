"""Logging a case (step 1), and the courtesy check that may lead to one."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import (
    coaching,
    forms,
    selectors,
    services,
    workflow,
)
from complaints.models import Complaint, CourtesyCheck, CourtesyOutcome
from guests import selectors as guest_selectors
from guests.models import Guest, Stay
from hotel_crm.inputs import as_id
from hotel_crm.permissions import property_permission_required


def _prefill(request):
    """Guest, stay and room carried over from the in-house list, a profile or a courtesy check.

    A guest chosen without a stay: their stay in house is looked up to show the form (GET);
    logging finds it itself (complaints.services.complaint_log).
    """
    prop = request.property
    source = request.POST if request.method == "POST" else request.GET
    stay = guest = check = None
    if value := as_id(source.get("courtesy")):
        check = (
            CourtesyCheck.objects.for_property(prop)
            .select_related("stay__guest", "stay__room")
            .filter(pk=value)
            .first()
        )
        stay = check.stay if check else None
    if stay is None and (value := as_id(source.get("stay"))):
        stay = Stay.objects.for_property(prop).select_related("guest", "room").filter(pk=value).first()
    if stay is not None:
        guest = stay.guest
    elif value := as_id(source.get("guest")):
        guest = Guest.objects.active().filter(pk=value, erased_at__isnull=True).first()
        if guest and request.method != "POST":
            stay = guest_selectors.stay_in_house(prop=prop, guest=guest)
    return guest, stay, check


def _log_form_initial(stay, check) -> dict:
    """The room of the stay and, from a courtesy check, what the guest said and the channel."""
    initial = {}
    if stay:
        initial["room"] = stay.room_id
    if check:
        initial.update({"guest_words": check.note, "channel": "courtesy_check"})
    return initial


def _complaint_input(d: dict, guest, stay) -> services.ComplaintInput:
    """What the log form cleaned, with the guest and stay carried over (_prefill)."""
    return services.ComplaintInput(
        guest_words=d["guest_words"],
        department=d["department"],
        category=d["category"],
        severity=d["severity"],
        guest=guest,
        stay=stay,
        complainant_name=d["complainant_name"],
        area=d["area"],
        room=d["room"],
        location_detail=d["location_detail"],
        occurred_at=d["occurred_at"],
        people_involved=d["people_involved"],
        kind=d["kind"],
        mood=d["mood"],
        guest_type=d["guest_type"],
        channel=d["channel"],
        restated_confirmed=d["restated_confirmed"],
    )


SIMILAR_SHOWN = 5  # the log form lists at most this many earlier cases, folded


def _similar_cases(request, guest, stay) -> list:
    """Earlier cases of this guest or in this room, shown beside the form; none for a walk-in."""
    if not (stay or guest):
        return []
    probe = Complaint(property=request.property, room=stay.room if stay else None, guest=guest, area="room")
    return selectors.similar_cases(complaint=probe, user=request.user, limit=SIMILAR_SHOWN + 1)


@property_permission_required("complaints.add_complaint")
def complaint_create(request):
    prop = request.property
    guest, stay, check = _prefill(request)
    form = forms.ComplaintLogForm(
        request.POST or None, prop=prop, has_guest=guest is not None, initial=_log_form_initial(stay, check)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            complaint = services.complaint_log(
                prop=prop,
                actor=request.user,
                data=_complaint_input(d, guest, stay),
                submission_key=d["submission_key"],
                courtesy_check=check,
            )
        except services.ComplaintError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Case %(ref)s logged.") % {"ref": complaint.reference})
            return redirect("complaints:detail", pk=complaint.pk)
    status = 400 if request.method == "POST" else 200
    if status == 400 and stay is None and guest is not None:  # the form is shown again, with the stay
        stay = guest_selectors.stay_in_house(prop=prop, guest=guest)
    similar = _similar_cases(request, guest, stay)
    return render(
        request,
        "complaints/complaint_form.html",
        {
            "form": form,
            "guest": guest,
            "stay": stay,
            "check": check,
            "similar": similar[:SIMILAR_SHOWN],
            "similar_more": len(similar) > SIMILAR_SHOWN,
            "coaching": coaching.for_case(workflow.Status.LISTENING),
        },
        status=status,
    )


@require_POST
@property_permission_required("complaints.add_courtesycheck")
def courtesy_check(request, stay_pk: int):
    """Log a proactive "how is your stay?"; a raised issue goes straight to the case form."""
    stay = Stay.objects.for_property(request.property).filter(pk=stay_pk).select_related("guest").first()
    if stay is None:
        raise Http404(_("No such stay in this hotel."))
    form = forms.CourtesyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what the guest said."))
        return redirect("guests:in_house")
    check = services.courtesy_check_log(
        prop=request.property,
        stay=stay,
        actor=request.user,
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
    )
    if check.outcome == CourtesyOutcome.ISSUE:
        return redirect(f"{reverse('complaints:create')}?courtesy={check.pk}")
    messages.success(request, _("Courtesy check with %(name)s recorded.") % {"name": stay.guest.addressed_as})
    back = str(request.POST.get("next", ""))
    return redirect(
        back if back.startswith("/guests/") or back == reverse("complaints:my_shift") else "guests:in_house"
    )
