"""Authority: approvals, department queues, the spend ledger."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import (
    forms,
    selectors,
    services,
)
from complaints.models import Department
from hotel_crm.permissions import property_permission_required


@property_permission_required("complaints.view_complaint")
def approvals(request):
    """Offers beyond a clerk's authority, waiting for someone whose limit covers them."""
    pending = selectors.pending_approvals(prop=request.property, user=request.user)
    return render(request, "complaints/approvals.html", {"pending": pending})


@require_POST
@property_permission_required("complaints.change_complaint")
def approval_decide(request, pk: int):
    approval = (
        selectors.requests_visible_to(prop=request.property, user=request.user)
        .select_related("offer__complaint", "problem", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if approval is None:
        raise Http404(_("No such request in this hotel."))
    form = forms.ApprovalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or decline."))
        return redirect("complaints:approvals")
    try:
        services.approval_decide(
            approval=approval,
            approver=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except services.ComplaintError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Decision recorded; %(name)s has been told.")
            % {"name": approval.requested_by.get_full_name() or approval.requested_by.get_username()},
        )
    return redirect("complaints:approvals")


@property_permission_required("complaints.view_complaint")
def department_queues(request):
    counts = selectors.department_open_counts(prop=request.property)
    unacknowledged = selectors.department_unacknowledged_counts(prop=request.property)
    departments = [
        (d, counts.get(d.pk, 0), unacknowledged.get(d.pk, 0))
        for d in Department.objects.for_property(request.property)
    ]
    return render(request, "complaints/departments.html", {"departments": departments})


@property_permission_required("complaints.view_complaint")
def department_queue(request, pk: int):
    department = Department.objects.for_property(request.property).filter(pk=pk).first()
    if department is None:
        raise Http404(_("No such department in this hotel."))
    open_actions, done = selectors.department_queue(
        user=request.user, prop=request.property, department_id=department.pk
    )
    return render(
        request,
        "complaints/department_queue.html",
        {"department": department, "open_actions": open_actions, "done": done, "now": timezone.now()},
    )


@property_permission_required("complaints.view_all_complaints")
def ledger(request):
    return render(
        request, "complaints/ledger.html", {"ledger": selectors.spend_ledger(prop=request.property)}
    )
