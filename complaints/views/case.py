"""The case page, every change posted from it, and the guest profile's panel of cases."""

from collections.abc import Callable, Iterator, Mapping

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import (
    case_permissions,
    coaching,
    forms,
    guest_views,
    selectors,
    services,
    workflow,
)
from complaints.case_actions import CASE_ACTIONS, action_permission, run_action
from complaints.views.shift import guest_briefing_context
from complaints.workflow import Action
from hotel_crm.permissions import property_permission_required


def case_or_404(request, pk: int):
    """The case if the user may see it at the current hotel; else 404 (never 403: no hint it exists)."""
    complaint = selectors.complaint_for_user(user=request.user, prop=request.property, pk=pk)
    if complaint is None:
        raise Http404(_("No such case in this hotel."))
    return complaint


class _FormsOnDemand(Mapping[str, django_forms.Form]):
    """The step forms by action, each built when the template first asks for it.

    The page shows the forms of the actions the user may take now, two or three of seven; building
    the others ran their queries (the remedy catalogue, the departments) for nothing (ADR 0022).
    """

    def __init__(self, makers: dict[str, Callable[[], django_forms.Form]]):
        self._makers = makers
        self._built: dict[str, django_forms.Form] = {}

    def __getitem__(self, action: str) -> django_forms.Form:
        if action not in self._built:
            self._built[action] = self._makers[action]()
        return self._built[action]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def _action_forms(request, page, data=None, failed: str | None = None) -> _FormsOnDemand:
    complaint = page.complaint
    version = {"version": complaint.version}
    prop = request.property
    makers: dict[str, Callable[[], django_forms.Form]] = {
        Action.CONFIRM_RESTATEMENT.value: lambda: forms.RestateForm(initial=version),
        Action.APOLOGISE.value: lambda: forms.ApologyForm(initial=version),
        Action.MAKE_OFFER.value: lambda: forms.OfferForm(initial=version, prop=prop),
        Action.ADD_ACTION.value: lambda: forms.ActionForm(initial=version, prop=prop),
        Action.VERIFY.value: lambda: forms.VerifyForm(initial=version),
        Action.WITHDRAW.value: lambda: forms.ReasonForm(initial=version),
        Action.REOPEN.value: lambda: forms.ReasonForm(initial=version),
    }
    if failed and data is not None:
        makers[failed] = lambda: data
    return _FormsOnDemand(makers)


def _render_case(request, complaint, *, failed_action=None, failed_form=None, status=200):
    page = selectors.case_page(complaint=complaint, user=request.user)
    # The step forms come from this one answer, the same the services' guard gives (case_permissions).
    transitions = case_permissions.case_actions(user=request.user, complaint=complaint, facts=page.facts)
    offered = {t.action.value for t, reason in transitions}
    allowed = {t.action.value for t, reason in transitions if reason is None}
    # Each message shows once. The summary above the step forms carries what no field shows (the
    # step's refusal, the hidden version); a field's own error shows beside the field when the failed
    # step's form is drawn again (the restatement's whenever offered, the others when allowed, as in
    # the template), else in the summary too.
    drawn = failed_action in (offered if failed_action == Action.CONFIRM_RESTATEMENT.value else allowed)
    action_errors = []
    if failed_form is not None and failed_form.errors:
        for name, errors in failed_form.errors.items():
            field = failed_form.fields.get(name)
            if drawn and field is not None and not field.widget.is_hidden:
                continue
            label = field.label if field is not None and not field.widget.is_hidden else ""
            action_errors += [f"{label}: {e}" if label else e for e in errors]
    context = {
        "action_errors": action_errors,
        "complaint": complaint,
        "page": page,
        "transitions": transitions,
        "offered": offered,
        "allowed": allowed,
        "may_change": case_permissions.case_may(user=request.user, complaint=complaint),
        "action_forms": _action_forms(request, page, failed_form, failed_action),
        "assign_form": forms.AssignForm(
            initial={"version": complaint.version, "assignee": complaint.assignee_id},
            staff=selectors.staff_of_property(prop=request.property),
        ),
        "note_form": forms.NoteForm(auto_id="case-%s"),
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
    return _render_case(request, case_or_404(request, pk))


# The action table, also for test_crawl and anything else that lists the case page's posts.
FORMS = {name: action.form for name, action in CASE_ACTIONS.items()}


@require_POST
@property_permission_required("complaints.change_complaint")
def complaint_act(request, pk: int, action: str):
    """Every change to a case: one POST per action, checked by the workflow table in the service."""
    complaint = case_or_404(request, pk)
    if action not in CASE_ACTIONS:
        raise Http404
    if not request.user.has_perm(action_permission(action)):
        raise PermissionDenied
    form_class = CASE_ACTIONS[action].form
    kwargs = {}
    if form_class in (forms.ActionForm, forms.OfferForm, forms.DetailsForm):
        kwargs["prop"] = request.property
    if form_class is forms.AssignForm:
        kwargs["staff"] = selectors.staff_of_property(prop=request.property)
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        return _render_case(request, complaint, failed_action=action, failed_form=form, status=400)
    try:
        run_action(action, complaint, request.user, form.cleaned_data)
    except services.StaleComplaint as error:
        messages.error(request, str(error))
        return _render_case(
            request, case_or_404(request, pk), failed_action=action, failed_form=form, status=409
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
            **guest_briefing_context(request, guest_pk),
        },
    )
