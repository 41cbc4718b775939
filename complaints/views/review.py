"""The guest relations manager's review: the dashboard and the review queue."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from complaints import (
    csv_export,
    dashboard,
    forms,
    selectors,
    services,
)
from complaints.views.case import case_or_404
from hotel_crm.audit import Action as AuditAction
from hotel_crm.audit import audit_record
from hotel_crm.inputs import as_id
from hotel_crm.permissions import property_permission_required


def period_from(request) -> tuple["dashboard.Period", int | None]:
    """The period asked for, and its length in days when it is a standard "last N days" one."""
    form = forms.PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid() and form.cleaned_data.get("start") and form.cleaned_data.get("end"):
        return dashboard.Period(form.cleaned_data["start"], form.cleaned_data["end"]), None
    days = form.cleaned_data.get("days") if form.is_bound and form.is_valid() else None
    days = days or 30
    return dashboard.rolling_period(request.property, days), days


def _period_errors(request) -> list[str]:
    """Why the period asked for was not taken (a date outside the window…): shown above the figures."""
    form = forms.PeriodForm(request.GET or None)
    if not form.is_bound or form.is_valid():
        return []
    return [str(message) for messages in form.errors.values() for message in messages]


@property_permission_required("complaints.view_all_complaints")
def review_dashboard(request):
    prop = request.property
    if request.method == "POST":
        # "Recompute now": a standard period's snapshot, computed afresh.
        form = forms.PeriodForm(request.POST)
        days = (form.cleaned_data.get("days") if form.is_valid() else None) or 30
        dashboard.snapshot_refresh(prop=prop, days=days)
        return redirect(f"{reverse('complaints:dashboard')}?days={days}")
    period, days = period_from(request)
    if days is None:
        figures, computed_at = dashboard.period_figures(prop, period), None
    else:
        figures, computed_at = dashboard.snapshot_figures(prop, days)
    kpis = figures["kpis"]
    if request.GET.get("format") == "csv":
        audit_record(
            AuditAction.EXPORTED,
            target_type="complaints.dashboard",
            target_label="kpis.csv",
            details={"export": "kpi_csv", "start": str(period.start), "end": str(period.end)},
        )
        return csv_export.kpi_csv(
            dashboard.kpi_table(kpis), f"kpis-{prop.code}-{period.start}-{period.end}.csv"
        )
    trend = figures["trend"]
    peak = max([w["count"] for w in trend] or [1]) or 1
    return render(
        request,
        "complaints/dashboard.html",
        {
            "period": period,
            "days": days,
            "computed_at": computed_at,
            "kpis": kpis,
            "tiles": dashboard.now_tiles(prop),
            "breakdowns": figures["breakdowns"],
            "recurring": figures["recurring"],
            "guest_unhappy": dashboard.guest_unhappy_answers(user=request.user, prop=prop, period=period),
            "period_errors": _period_errors(request),
            "trend": trend,
            "peak": peak,
            "table": dashboard.kpi_table(kpis),
            # Issue #20: who comes back, department work, asking guests, problems.
            # Issues #20 and #23 (in the snapshot with the rest): who comes back, department work,
            # asking guests, minutes from a guest's message to a case; open problems are live.
            "cohorts": figures["cohorts"],
            "department_times": figures["department_times"],
            "coverage": figures["coverage"],
            "problems": selectors.open_problems_oldest(prop=prop),
            "channel_intake": figures["channel_intake"],
        },
    )


@property_permission_required("complaints.view_all_complaints")
def review_queue(request):
    if request.method == "POST":
        pk = as_id(request.POST.get("complaint"))
        if pk is None:
            raise Http404(_("No such case in this hotel."))
        complaint = case_or_404(request, pk)
        services.complaint_review(
            complaint=complaint, reviewer=request.user, comment=request.POST.get("comment", "")
        )
        messages.success(request, _("%(ref)s marked reviewed.") % {"ref": complaint.reference})
        return redirect(
            reverse("complaints:review") + ("?reviewed=1" if request.POST.get("reviewed") == "1" else "")
        )
    show_reviewed = request.GET.get("reviewed") == "1"
    return render(
        request,
        "complaints/review.html",
        {
            "queue": selectors.review_queue(
                user=request.user, prop=request.property, show_reviewed=show_reviewed
            ),
            "show_reviewed": show_reviewed,
        },
    )
