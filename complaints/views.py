from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import (
    case_permissions,
    coaching,
    csv_export,
    dashboard,
    forms,
    guest_views,
    guest_voice,
    selectors,
    services,
    workflow,
)
from complaints.models import Complaint, CourtesyCheck, CourtesyOutcome
from complaints.workflow import Action
from guests.models import Guest, Stay, StayStatus
from hotel_crm.audit import Action as AuditAction
from hotel_crm.audit import audit_record
from hotel_crm.pagination import CappedPaginator
from hotel_crm.permissions import property_permission_required

PAGE_SIZE = 50


def _case_or_404(request, pk: int):
    complaint = selectors.complaint_for_user(user=request.user, prop=request.property, pk=pk)
    if complaint is None:
        raise Http404(_("No such case in this hotel."))
    return complaint


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
    page = CappedPaginator(
        selectors.complaint_list(user=request.user, prop=request.property, filters=filters), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/complaint_list.html",
        {"page": page, "form": form, "mine": mine, "query": query.urlencode()},
    )


def _prefill(request):
    """Guest, stay and room carried over from the in-house list, a profile or a courtesy check."""
    prop = request.property
    source = request.POST if request.method == "POST" else request.GET
    stay = guest = check = None
    if (value := source.get("courtesy", "")).isdigit():
        check = (
            CourtesyCheck.objects.for_property(prop)
            .select_related("stay__guest", "stay__room")
            .filter(pk=int(value))
            .first()
        )
        stay = check.stay if check else None
    if stay is None and (value := source.get("stay", "")).isdigit():
        stay = Stay.objects.for_property(prop).select_related("guest", "room").filter(pk=int(value)).first()
    if stay is not None:
        guest = stay.guest
    elif (value := source.get("guest", "")).isdigit():
        guest = Guest.objects.active().filter(pk=int(value), erased_at__isnull=True).first()
        if guest:
            stay = (
                Stay.objects.for_property(prop)
                .filter(guest=guest, status=StayStatus.IN_HOUSE)
                .select_related("room")
                .first()
            )
    return guest, stay, check


@property_permission_required("complaints.add_complaint")
def complaint_create(request):
    prop = request.property
    guest, stay, check = _prefill(request)
    initial = {}
    if stay:
        initial["room"] = stay.room_id
    if check:
        initial.update({"guest_words": check.note, "channel": "courtesy_check"})
    form = forms.ComplaintLogForm(
        request.POST or None, prop=prop, has_guest=guest is not None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.ComplaintInput(
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
        try:
            complaint = services.complaint_log(
                prop=prop,
                actor=request.user,
                data=data,
                submission_key=d["submission_key"],
                courtesy_check=check,
            )
        except services.ComplaintError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Case %(ref)s logged.") % {"ref": complaint.reference})
            return redirect("complaints:detail", pk=complaint.pk)
    similar = []
    if stay or guest:
        probe = Complaint(
            property=prop, room=stay.room if stay else None, guest=guest, area="room", reported_at=None
        )
        similar = selectors.similar_cases(complaint=probe, user=request.user)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "complaints/complaint_form.html",
        {
            "form": form,
            "guest": guest,
            "stay": stay,
            "check": check,
            "similar": similar,
            "coaching": coaching.for_case(workflow.Status.LISTENING),
        },
        status=status,
    )


def _action_forms(request, page, data=None, failed: str | None = None):
    complaint = page.complaint
    version = {"version": complaint.version}
    prop = request.property
    built = {
        Action.CONFIRM_RESTATEMENT: forms.RestateForm(initial=version),
        Action.APOLOGISE: forms.ApologyForm(initial=version),
        Action.MAKE_OFFER: forms.OfferForm(initial=version, prop=prop),
        Action.ADD_ACTION: forms.ActionForm(initial=version, prop=prop),
        Action.VERIFY: forms.VerifyForm(initial=version),
        Action.WITHDRAW: forms.ReasonForm(initial=version),
        Action.REOPEN: forms.ReasonForm(initial=version),
    }
    if failed and data is not None:
        built[failed] = data
    return built


def _render_case(request, complaint, *, failed_action=None, failed_form=None, status=200):
    page = selectors.case_page(complaint=complaint, user=request.user)
    # The step forms come from this one answer, the same the services' guard gives (case_permissions).
    transitions = case_permissions.case_actions(user=request.user, complaint=complaint, facts=page.facts)
    action_errors = []
    if failed_form is not None and failed_form.errors:
        for name, errors in failed_form.errors.items():
            label = failed_form.fields[name].label if name in failed_form.fields else ""
            action_errors += [f"{label}: {e}" if label else e for e in errors]
    context = {
        "action_errors": action_errors,
        "complaint": complaint,
        "page": page,
        "transitions": transitions,
        "offered": {t.action.value for t, reason in transitions},
        "allowed": {t.action.value for t, reason in transitions if reason is None},
        "may_change": case_permissions.case_may(user=request.user, complaint=complaint),
        "action_forms": {
            k.value if hasattr(k, "value") else k: v
            for k, v in _action_forms(request, page, failed_form, failed_action).items()
        },
        "assign_form": forms.AssignForm(
            initial={"version": complaint.version, "assignee": complaint.assignee_id},
            staff=selectors.staff_of_property(prop=request.property),
        ),
        "note_form": forms.NoteForm(),
        "details_form": failed_form
        if failed_action == "details"
        else forms.DetailsForm(initial=forms.DetailsForm.initial_for(complaint), prop=request.property),
        "coaching": coaching.for_case(complaint.status, complaint.mood, complaint.guest_type, complaint.kind),
        "today": request.property.today(),
        "now": timezone.now(),
        "steps": [(s.value, s.label) for s in workflow.Status if s != workflow.Status.WITHDRAWN],
        "Action": {a.name: a.value for a in Action},
        "guest_link": guest_views.link_panel(request, complaint),
    }
    return render(request, "complaints/complaint_detail.html", context, status=status)


@property_permission_required("complaints.view_complaint")
def complaint_detail(request, pk: int):
    return _render_case(request, _case_or_404(request, pk))


# action name → (form class, service call taking (complaint, actor, cleaned data))
def _run(action: str, complaint, user, d):
    v = d.get("version")
    if action == Action.CONFIRM_RESTATEMENT:
        return services.complaint_confirm_restatement(
            complaint=complaint, actor=user, expected_version=v, confirmed=d["confirmed"], note=d["note"]
        )
    if action == Action.APOLOGISE:
        return services.complaint_apologise(
            complaint=complaint, actor=user, expected_version=v, method=d["method"], note=d["note"]
        )
    if action == Action.MAKE_OFFER:
        return services.offer_make(
            complaint=complaint,
            actor=user,
            expected_version=v,
            remedy=d["remedy"],
            remedy_type=d["remedy_type"],
            description=d["description"],
            value=d["value"],
            reason=d["reason"],
        )
    if action in (Action.ACCEPT_OFFER, Action.DECLINE_OFFER, "answer_offer"):
        return services.offer_answer(
            complaint=complaint,
            offer_id=d["offer"],
            actor=user,
            expected_version=v,
            accepted=d["answer"] == "accept",
            response=d["response"],
        )
    if action == Action.ADD_ACTION:
        return services.action_add(
            complaint=complaint,
            actor=user,
            expected_version=v,
            description=d["description"],
            due_at=d["due_at"],
            department=d["department"],
        )
    if action == Action.COMPLETE_ACTION:
        return services.action_complete(
            complaint=complaint, action_id=d["action"], actor=user, expected_version=v, note=d["note"]
        )
    if action == Action.REQUEST_VERIFICATION:
        return services.complaint_request_verification(complaint=complaint, actor=user, expected_version=v)
    if action == Action.VERIFY:
        return services.complaint_verify(
            complaint=complaint,
            actor=user,
            expected_version=v,
            verdict=d["verdict"],
            note=d["note"],
            root_cause=d["root_cause"],
            preventive_action=d["preventive_action"],
        )
    if action == Action.WITHDRAW:
        return services.complaint_withdraw(
            complaint=complaint, actor=user, expected_version=v, reason=d["reason"]
        )
    if action == Action.REOPEN:
        return services.complaint_reopen(
            complaint=complaint, actor=user, expected_version=v, reason=d["reason"]
        )
    if action == "details":
        changes = {k: v for k, v in d.items() if k != "version"}
        return services.complaint_update_details(
            complaint=complaint, actor=user, expected_version=v, changes=changes
        )
    if action == "assign":
        return services.complaint_assign(
            complaint=complaint, actor=user, expected_version=v, assignee=d["assignee"]
        )
    if action == "note":
        return services.complaint_add_note(complaint=complaint, actor=user, note=d["note"])
    if action == "delight":
        return services.complaint_record_delight(complaint=complaint, actor=user, note=d["note"])
    if action == "guest_link":
        return guest_voice.guest_check_issue(complaint=complaint, actor=user)
    raise Http404


FORMS = {
    Action.CONFIRM_RESTATEMENT: forms.RestateForm,
    Action.APOLOGISE: forms.ApologyForm,
    Action.MAKE_OFFER: forms.OfferForm,
    "answer_offer": forms.OfferAnswerForm,
    Action.ADD_ACTION: forms.ActionForm,
    Action.COMPLETE_ACTION: forms.ActionDoneForm,
    Action.REQUEST_VERIFICATION: forms.VersionedForm,
    Action.VERIFY: forms.VerifyForm,
    Action.WITHDRAW: forms.ReasonForm,
    Action.REOPEN: forms.ReasonForm,
    "assign": forms.AssignForm,
    "details": forms.DetailsForm,
    "note": forms.NoteForm,
    "delight": forms.NoteForm,
    "guest_link": forms.GuestLinkForm,
}


@require_POST
@property_permission_required("complaints.change_complaint")
def complaint_act(request, pk: int, action: str):
    """Every change to a case: one POST per action, checked by the workflow table in the service."""
    complaint = _case_or_404(request, pk)
    if action not in FORMS:
        raise Http404
    permission = (
        workflow.TRANSITIONS[Action(action)].permission
        if action in Action.values
        else ("complaints.change_complaint")
    )
    if not request.user.has_perm(permission):
        raise PermissionDenied
    form_class = FORMS[action]
    kwargs = {}
    if form_class in (forms.ActionForm, forms.OfferForm, forms.DetailsForm):
        kwargs["prop"] = request.property
    if form_class is forms.AssignForm:
        kwargs["staff"] = selectors.staff_of_property(prop=request.property)
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        return _render_case(request, complaint, failed_action=action, failed_form=form, status=400)
    try:
        _run(action, complaint, request.user, form.cleaned_data)
    except services.StaleComplaint as error:
        messages.error(request, str(error))
        return _render_case(
            request, _case_or_404(request, pk), failed_action=action, failed_form=form, status=409
        )
    except services.ComplaintError as error:
        form.add_error(None, str(error))
        return _render_case(request, complaint, failed_action=action, failed_form=form, status=400)
    back = request.POST.get("next", "")
    if back.startswith("/complaints/departments/") and back.count("/") <= 5:
        return redirect(back)
    return redirect("complaints:detail", pk=complaint.pk)


@property_permission_required("complaints.view_complaint")
def guest_cases_panel(request, guest_pk: int):
    """The guest's cases, for the guest profile (served here: guests does not know complaints)."""
    access = request.property_access
    group_wide = request.user.is_superuser or bool(access and access.profile and access.profile.group_role_id)
    cases = selectors.guest_cases(
        user=request.user, guest_id=guest_pk, prop=request.property, group_wide=group_wide
    )
    elsewhere = (
        0 if group_wide else selectors.guest_case_counts_elsewhere(guest_id=guest_pk, prop=request.property)
    )
    return render(
        request,
        "complaints/includes/guest_cases.html",
        {
            "cases": cases,
            "elsewhere": elsewhere,
            "guest_pk": guest_pk,
            "granted": selectors.granted_to_guest(guest_id=guest_pk, prop=request.property),
        },
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
        return redirect(f"/complaints/new/?courtesy={check.pk}")
    messages.success(request, _("Courtesy check with %(name)s recorded.") % {"name": stay.guest.addressed_as})
    return redirect(
        request.POST.get("next")
        if str(request.POST.get("next", "")).startswith("/guests/")
        else "guests:in_house"
    )


# --- Authority: approvals, department queues, the ledger, notifications ------------------------


@property_permission_required("complaints.view_complaint")
def approvals(request):
    """Offers beyond a clerk's authority, waiting for someone whose limit covers them."""
    pending = selectors.pending_approvals(prop=request.property, user=request.user)
    return render(request, "complaints/approvals.html", {"pending": pending})


@require_POST
@property_permission_required("complaints.change_complaint")
def approval_decide(request, pk: int):
    from complaints.models import ApprovalRequest

    approval = (
        ApprovalRequest.objects.for_property(request.property)
        .select_related("offer__complaint")
        .filter(
            offer__complaint__in=selectors.complaints_visible_to(user=request.user, property=request.property)
        )
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
    from complaints.models import Department

    counts = selectors.department_open_counts(prop=request.property)
    departments = [(d, counts.get(d.pk, 0)) for d in Department.objects.for_property(request.property)]
    return render(request, "complaints/departments.html", {"departments": departments})


@property_permission_required("complaints.view_complaint")
def department_queue(request, pk: int):
    from complaints.models import Department

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


@property_permission_required("complaints.view_complaint")
def notification_list(request):
    if request.method == "POST":
        services.notifications_mark_read(user=request.user, prop=request.property)
        return redirect("complaints:notifications")
    items = selectors.notifications(user=request.user, prop=request.property)
    return render(request, "complaints/notifications.html", {"items": items})


# --- The guest relations manager's review -----------------------------------------------------


def _period(request) -> tuple["dashboard.Period", int | None]:
    """The period asked for, and its length in days when it is a standard "last N days" one."""
    form = forms.PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid() and form.cleaned_data.get("start") and form.cleaned_data.get("end"):
        return dashboard.Period(form.cleaned_data["start"], form.cleaned_data["end"]), None
    days = form.cleaned_data.get("days") if form.is_bound and form.is_valid() else None
    days = days or 30
    return dashboard.rolling_period(request.property, days), days


@property_permission_required("complaints.view_all_complaints")
def review_dashboard(request):
    prop = request.property
    if request.method == "POST":
        # "Recompute now": a standard period's snapshot, computed afresh.
        form = forms.PeriodForm(request.POST)
        days = (form.cleaned_data.get("days") if form.is_valid() else None) or 30
        dashboard.snapshot_refresh(prop=prop, days=days)
        return redirect(f"{reverse('complaints:dashboard')}?days={days}")
    period, days = _period(request)
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
            "trend": trend,
            "peak": peak,
            "table": dashboard.kpi_table(kpis),
        },
    )


@property_permission_required("complaints.view_all_complaints")
def review_queue(request):
    if request.method == "POST":
        pk = request.POST.get("complaint", "")
        if not pk.isdigit():
            raise Http404(_("No such case in this hotel."))
        complaint = _case_or_404(request, int(pk))
        services.complaint_review(
            complaint=complaint, reviewer=request.user, comment=request.POST.get("comment", "")
        )
        messages.success(request, _("%(ref)s marked reviewed.") % {"ref": complaint.reference})
        return redirect("complaints:review")
    return render(
        request,
        "complaints/review.html",
        {"queue": selectors.review_queue(user=request.user, prop=request.property)},
    )
