"""Every change a clerk makes to a case, as one table: the form that cleans its input and the
service it calls. The case page posts to `complaints:act` with one of these names; the REST API runs
the same entries with `run_action(name, complaint, user, data)`, `data` holding the keys the
action's form cleans (plus "version", the version the client saw, or None).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms

from complaints import forms, guest_voice, services, workflow
from complaints.models import Complaint
from complaints.workflow import Action

ActionRun = Callable[[Complaint, Any, dict], object]


@dataclass(frozen=True)
class CaseAction:
    form: type[django_forms.Form]
    run: ActionRun  # (complaint, acting user, cleaned data) -> what the service returns


def _answer_offer(c: Complaint, u, d: dict):
    return services.offer_answer(
        complaint=c,
        offer_id=d["offer"],
        actor=u,
        expected_version=d.get("version"),
        accepted=d["answer"] == "accept",
        response=d["response"],
    )


def _update_details(c: Complaint, u, d: dict):
    changes = {k: v for k, v in d.items() if k != "version"}
    return services.complaint_update_details(
        complaint=c, actor=u, expected_version=d.get("version"), changes=changes
    )


CASE_ACTIONS: dict[str, CaseAction] = {
    Action.CONFIRM_RESTATEMENT: CaseAction(
        forms.RestateForm,
        lambda c, u, d: services.complaint_confirm_restatement(
            complaint=c, actor=u, expected_version=d.get("version"), confirmed=d["confirmed"], note=d["note"]
        ),
    ),
    Action.APOLOGISE: CaseAction(
        forms.ApologyForm,
        lambda c, u, d: services.complaint_apologise(
            complaint=c, actor=u, expected_version=d.get("version"), method=d["method"], note=d["note"]
        ),
    ),
    Action.MAKE_OFFER: CaseAction(
        forms.OfferForm,
        lambda c, u, d: services.offer_make(
            complaint=c,
            actor=u,
            expected_version=d.get("version"),
            remedy=d["remedy"],
            remedy_type=d["remedy_type"],
            description=d["description"],
            value=d["value"],
            reason=d["reason"],
        ),
    ),
    # Accept or decline: one form, the answer says which (the service checks that transition).
    "answer_offer": CaseAction(forms.OfferAnswerForm, _answer_offer),
    Action.ADD_ACTION: CaseAction(
        forms.ActionForm,
        lambda c, u, d: services.action_add(
            complaint=c,
            actor=u,
            expected_version=d.get("version"),
            description=d["description"],
            due_at=d["due_at"],
            department=d["department"],
        ),
    ),
    Action.COMPLETE_ACTION: CaseAction(
        forms.ActionDoneForm,
        lambda c, u, d: services.action_complete(
            complaint=c, action_id=d["action"], actor=u, expected_version=d.get("version"), note=d["note"]
        ),
    ),
    Action.REQUEST_VERIFICATION: CaseAction(
        forms.VersionedForm,
        lambda c, u, d: services.complaint_request_verification(
            complaint=c, actor=u, expected_version=d.get("version")
        ),
    ),
    Action.VERIFY: CaseAction(
        forms.VerifyForm,
        lambda c, u, d: services.complaint_verify(
            complaint=c,
            actor=u,
            expected_version=d.get("version"),
            verdict=d["verdict"],
            note=d["note"],
            root_cause=d["root_cause"],
            preventive_action=d["preventive_action"],
        ),
    ),
    Action.WITHDRAW: CaseAction(
        forms.ReasonForm,
        lambda c, u, d: services.complaint_withdraw(
            complaint=c, actor=u, expected_version=d.get("version"), reason=d["reason"]
        ),
    ),
    Action.REOPEN: CaseAction(
        forms.ReasonForm,
        lambda c, u, d: services.complaint_reopen(
            complaint=c, actor=u, expected_version=d.get("version"), reason=d["reason"]
        ),
    ),
    "assign": CaseAction(
        forms.AssignForm,
        lambda c, u, d: services.complaint_assign(
            complaint=c, actor=u, expected_version=d.get("version"), assignee=d["assignee"]
        ),
    ),
    "details": CaseAction(forms.DetailsForm, _update_details),
    "note": CaseAction(
        forms.NoteForm, lambda c, u, d: services.complaint_add_note(complaint=c, actor=u, note=d["note"])
    ),
    "delight": CaseAction(
        forms.NoteForm,
        lambda c, u, d: services.complaint_record_delight(complaint=c, actor=u, note=d["note"]),
    ),
    "guest_link": CaseAction(
        forms.GuestLinkForm, lambda c, u, d: guest_voice.guest_check_issue(complaint=c, actor=u)
    ),
}


def action_permission(name: str) -> str:
    """The permission an action needs: the workflow table's for a step, change_complaint otherwise."""
    return (
        workflow.TRANSITIONS[Action(name)].permission
        if name in Action.values
        else "complaints.change_complaint"
    )


def run_action(name: str, complaint: Complaint, user, cleaned_data: dict):
    """Run action `name` on the case for `user`; raises the service's ComplaintError (or StaleComplaint)."""
    return CASE_ACTIONS[name].run(complaint, user, cleaned_data)
