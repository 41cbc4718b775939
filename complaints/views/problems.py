"""Problems across rooms: the list, the page and its steps (owner, root cause, decision, action, close)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import prevention_forms, selectors, services
from complaints.models import ProblemState
from hotel_crm.pagination import CappedPaginator
from hotel_crm.permissions import property_permission_required

PAGE_SIZE = 50
STATES = [("open", _("Open")), *[(s.value, s.label) for s in ProblemState], ("all", _("Everything"))]

# step -> form class; each step calls one service (see _run).
STEPS = {
    "owner": prevention_forms.ProblemOwnerForm,
    "root-cause": prevention_forms.RootCauseForm,
    "decision": prevention_forms.DecisionRequestForm,
    "action": prevention_forms.CorrectiveActionForm,
    "action-done": prevention_forms.ActionDoneNoteForm,
    "close": prevention_forms.CloseForm,
}


@property_permission_required("complaints.view_problem")
def problem_list(request):
    state = request.GET.get("state", "open")
    if state not in dict(STATES):
        state = "open"
    page = CappedPaginator(
        selectors.problem_list(user=request.user, prop=request.property, state=state), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/problem_list.html",
        {"page": page, "state": state, "states": STATES, "query": f"state={state}"},
    )


def _forms(request, problem, failed_step: str = "", failed_form=None) -> dict:
    staff = selectors.staff_of_property(prop=request.property)
    initial = {"version": problem.version}
    built = {
        "owner": prevention_forms.ProblemOwnerForm(
            initial={**initial, "owner": problem.owner_id}, staff=staff
        ),
        "root-cause": prevention_forms.RootCauseForm(initial={**initial, "root_cause": problem.root_cause}),
        "decision": prevention_forms.DecisionRequestForm(),
        "action": prevention_forms.CorrectiveActionForm(
            initial={**initial, "corrective_action": problem.corrective_action}, staff=staff
        ),
        "action-done": prevention_forms.ActionDoneNoteForm(initial=initial),
        "close": prevention_forms.CloseForm(initial=initial),
    }
    if failed_form is not None:
        built[failed_step] = failed_form
    return {key.replace("-", "_"): form for key, form in built.items()}


def _render(request, page, *, failed_step: str = "", failed_form=None, status: int = 200):
    return render(
        request,
        "complaints/problem_detail.html",
        {
            "page": page,
            "problem": page.problem,
            "forms": _forms(request, page.problem, failed_step, failed_form),
            "may_change": request.user.has_perm("complaints.change_problem"),
        },
        status=status,
    )


def _page_or_404(request, pk: int):
    page = selectors.problem_page(user=request.user, prop=request.property, pk=pk)
    if page is None:
        raise Http404(_("No such problem in this hotel."))
    return page


@property_permission_required("complaints.view_problem")
def problem_detail(request, pk: int):
    return _render(request, _page_or_404(request, pk))


def _run(step: str, problem, user, data: dict) -> None:
    version = data.get("version")
    if step == "owner":
        services.problem_set_owner(problem=problem, actor=user, expected_version=version, owner=data["owner"])
    elif step == "root-cause":
        services.problem_record_root_cause(
            problem=problem, actor=user, expected_version=version, root_cause=data["root_cause"]
        )
    elif step == "decision":
        services.problem_request_decision(
            problem=problem, actor=user, question=data["question"], reason=data["reason"]
        )
    elif step == "action":
        services.problem_plan_action(
            problem=problem,
            actor=user,
            expected_version=version,
            corrective_action=data["corrective_action"],
            action_owner=data["action_owner"],
            due_at=data["due_at"],
        )
    elif step == "action-done":
        services.problem_complete_action(
            problem=problem, actor=user, expected_version=version, note=data["note"]
        )
    else:
        services.problem_close(problem=problem, actor=user, expected_version=version)


@require_POST
@property_permission_required("complaints.change_problem")
def problem_act(request, pk: int, step: str):
    if step not in STEPS:
        raise Http404
    page = _page_or_404(request, pk)
    form_class = STEPS[step]
    kwargs = {}
    if form_class in (prevention_forms.ProblemOwnerForm, prevention_forms.CorrectiveActionForm):
        kwargs["staff"] = selectors.staff_of_property(prop=request.property)
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        return _render(request, page, failed_step=step, failed_form=form, status=400)
    try:
        _run(step, page.problem, request.user, form.cleaned_data)
    except services.StaleProblem as error:
        messages.error(request, str(error))
        return _render(request, _page_or_404(request, pk), failed_step=step, failed_form=form, status=409)
    except services.ComplaintError as error:
        form.add_error(None, str(error))
        return _render(request, page, failed_step=step, failed_form=form, status=400)
    messages.success(request, _("Saved."))
    return redirect("complaints:problem", pk=pk)
