"""The case list (all cases, or mine), with its filters and CSV export."""

from django.shortcuts import render

from complaints import (
    csv_export,
    forms,
    selectors,
)
from hotel_crm.audit import Action as AuditAction
from hotel_crm.audit import audit_record
from hotel_crm.pagination import PAGE_SIZES, CappedPaginator, page_size_for
from hotel_crm.permissions import property_permission_required

# The default rows per page; each staff member may choose 50 or 100 (hotel_crm.pagination).
PAGE_SIZE = PAGE_SIZES[0]


@property_permission_required("complaints.view_complaint")
def complaint_list(request, mine: bool = False):
    form = forms.ListFilterForm(request.GET or None, prop=request.property)
    filters = selectors.ComplaintFilters()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = selectors.ComplaintFilters(
            status=d["status"] or None,
            department=d["department"],
            severity=d["severity"] or None,
            overdue=d["overdue"],
            repeat=d["repeat"],
            vip=d["vip"],
            sort=d["sort"] or "-reported_at",
            reported_from=d["reported_from"],
            reported_to=d["reported_to"],
            category=d["category"],
            room=d["room"],
            floor=d["floor"],
            verdict=d["verdict"] or None,
            came_back=d["came_back"],
            verdict_source=d["verdict_source"] or None,
            guest_answer=d["guest_answer"] or None,
            departing=d["departing"],
            kind=d["kind"] or None,
            mood=d["mood"] or None,
            guest_type=d["guest_type"] or None,
            channel=d["channel"] or None,
            assignee=d["assignee"],
        )
    if mine:
        filters = selectors.ComplaintFilters(**{**filters.__dict__, "assignee": request.user.pk})
    if request.GET.get("format") == "csv":
        audit_record(
            AuditAction.EXPORTED,
            target_type="complaints.complaint",
            target_label="cases.csv",
            details={"export": "cases_csv", "mine": mine, "query": request.GET.urlencode()[:500]},
        )
        return csv_export.cases_csv(
            selectors.complaint_list(user=request.user, prop=request.property, filters=filters)
        )
    page_size = page_size_for(request, default=PAGE_SIZE)
    page = CappedPaginator(
        selectors.complaint_list(user=request.user, prop=request.property, filters=filters), page_size
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    first_page = query.copy()
    first_page.pop("per_page", None)
    return render(
        request,
        "complaints/complaint_list.html",
        {
            "page": page,
            "form": form,
            "mine": mine,
            "query": query.urlencode(),
            "page_size": page_size,
            "page_sizes": PAGE_SIZES,
            "page_size_next": f"{request.path}?{first_page.urlencode()}",
        },
    )
