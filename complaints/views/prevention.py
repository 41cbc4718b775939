"""Asking guests and hearing them: the in-house "asked" column, compliments, department work, the bell."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import csv_export, forms, prevention_forms, selectors, services
from complaints.action_workflow import ActionMove
from complaints.views.review import period_from
from guests.models import Stay
from hotel_crm.audit import Action as AuditAction
from hotel_crm.audit import audit_record
from hotel_crm.inputs import as_id
from hotel_crm.permissions import property_permission_required


@property_permission_required("complaints.view_courtesycheck")
def courtesy_column(request):
    """Per stay of the in-house page: asked or not, when, by whom, what they heard (out-of-band cells)."""
    ids = [pk for v in request.GET.getlist("stay")[:200] if (pk := as_id(v))]
    checks = selectors.latest_checks(prop=request.property, stay_ids=ids)
    return render(
        request, "complaints/includes/courtesy_column.html", {"rows": [(pk, checks.get(pk)) for pk in ids]}
    )


@property_permission_required("complaints.view_notification")
def bell(request):
    """The bell alone, polled by every page (no reload needed to see new work)."""
    return render(request, "complaints/includes/bell.html")


@require_POST
@property_permission_required("complaints.change_complaint")
def action_move(request, pk: int, move: str):
    """A department acknowledges, starts or hands back an action from its queue."""
    if move not in (ActionMove.ACKNOWLEDGE, ActionMove.START, ActionMove.HAND_BACK):
        raise Http404
    form = prevention_forms.HandBackForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        action = services.action_move(
            prop=request.property, action_id=pk, actor=request.user, move=move, reason=reason
        )
    except services.ComplaintError as error:
        messages.error(request, str(error))
        if department := as_id(request.POST.get("department")):
            return redirect("complaints:department_queue", pk=department)
        return redirect("complaints:departments")
    messages.success(
        request, _("%(what)s: %(state)s.") % {"what": action.description, "state": action.get_state_display()}
    )
    return redirect("complaints:department_queue", pk=action.department_id)


@property_permission_required("complaints.add_compliment")
def compliment_create(request):
    prop = request.property
    staff = selectors.staff_of_property(prop=prop)
    stay = None
    if stay_pk := as_id(request.GET.get("stay") or request.POST.get("stay")):
        stay = Stay.objects.for_property(prop).select_related("guest", "room").filter(pk=stay_pk).first()
    form = prevention_forms.ComplimentForm(
        request.POST or None, staff=staff, initial={"stay": stay.pk if stay else None}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.compliment_record(
                prop=prop,
                actor=request.user,
                praised=form.cleaned_data["praised"],
                words=form.cleaned_data["words"],
                stay=stay,
            )
        except services.ComplaintError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Compliment recorded. Pass it on!"))
            return redirect("guests:in_house")
    status = 400 if request.method == "POST" else 200
    return render(request, "complaints/compliment_form.html", {"form": form, "stay": stay}, status=status)


@property_permission_required("complaints.view_compliment")
def compliment_list(request):
    prop = request.property
    period, _days = period_from(request)
    compliments = selectors.compliments_in(prop=prop, start=period.start, end=period.end)
    if request.GET.get("format") == "csv":
        audit_record(
            AuditAction.EXPORTED,
            target_type="complaints.compliment",
            target_label="compliments.csv",
            details={"export": "compliments_csv", "start": str(period.start), "end": str(period.end)},
        )
        return csv_export.compliments_csv(
            compliments, f"compliments-{prop.code}-{period.start}-{period.end}.csv"
        )
    return render(
        request,
        "complaints/compliments.html",
        {
            "period": period,
            "form": forms.PeriodForm(request.GET or None),
            "per_staff": selectors.compliments_per_staff(prop=prop, start=period.start, end=period.end),
            "compliments": list(compliments[:100]),
        },
    )
