"""The case page offers an action exactly when the service accepts it: every step × every role.

The page's step forms and the services' guard both come from case_permissions (the workflow
table, its guards and the role at the case's hotel). Here each is asked independently: the
page by its HTML (the submit buttons it renders), the service by really posting the action
with a valid payload (rolled back), so the test checks the rule, not the form.
"""

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints import case_permissions, selectors, services, workflow
from complaints.models import AuthorityLimit, Complaint, Offer, OfferStatus
from complaints.workflow import Action, InvalidTransition
from hotel_crm import roles
from hotel_crm.middleware import SESSION_KEY
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = [
    roles.FRONT_DESK,
    roles.GUEST_RELATIONS_MANAGER,
    roles.DUTY_MANAGER,
    roles.PROPERTY_ADMINISTRATOR,
    roles.GROUP_DIRECTOR,
    "no role here",
    "superuser",
]


# --- cases in every step, with guards that pass and guards that block -------------------------


def _fresh(case: Complaint) -> Complaint:
    return Complaint.objects.select_related("property").get(pk=case.pk)


def _resolving(prop, owner):
    case = factories.log_case(prop, owner, restated_confirmed=True)
    services.complaint_apologise(complaint=_fresh(case), actor=owner, expected_version=None, method="phone")
    return _fresh(case)


def _offer(case, owner, value="0"):
    return services.offer_make(
        complaint=_fresh(case),
        actor=owner,
        expected_version=None,
        remedy_type="amenity",
        description="Fruit basket",
        value=Decimal(value),
    )


def _add_action(case, owner):
    return services.action_add(
        complaint=_fresh(case),
        actor=owner,
        expected_version=None,
        description="Replace the fan motor",
        due_at=timezone.now() + dt.timedelta(hours=2),
    )


def _following_up(prop, owner):
    case = _resolving(prop, owner)
    offer = _offer(case, owner)
    services.offer_answer(
        complaint=_fresh(case), offer_id=offer.pk, actor=owner, expected_version=None, accepted=True
    )
    return _fresh(case)


def _verifying(prop, owner):
    case = _following_up(prop, owner)
    services.complaint_request_verification(complaint=case, actor=owner, expected_version=None)
    return _fresh(case)


def _build_listening(prop, owner):
    return factories.log_case(prop, owner)  # not restated yet: the page's tick box supplies it


def _build_apologising(prop, owner):
    return factories.log_case(prop, owner, restated_confirmed=True)


def _build_resolving(prop, owner):
    return _resolving(prop, owner)  # no offer to answer, no action to complete


def _build_resolving_offer_open(prop, owner):
    case = _resolving(prop, owner)
    _offer(case, owner)  # the guest has not answered: no new offer until they do
    return _fresh(case)


def _build_resolving_awaiting_approval(prop, owner):
    AuthorityLimit.objects.create(
        property=prop, role=Group.objects.get(name=roles.FRONT_DESK), per_case=0, per_day=0
    )
    AuthorityLimit.objects.create(
        property=prop,
        role=Group.objects.get(name=roles.GUEST_RELATIONS_MANAGER),
        per_case=Decimal("5000"),
        per_day=Decimal("20000"),
    )
    case = _resolving(prop, owner)
    offer = _offer(case, owner, value="300")
    assert offer.status == OfferStatus.AWAITING_APPROVAL
    return _fresh(case)


def _build_resolving_action_open(prop, owner):
    case = _resolving(prop, owner)
    _add_action(case, owner)
    return _fresh(case)


def _build_following_up_action_open(prop, owner):
    case = _following_up(prop, owner)
    _add_action(case, owner)  # verification waits until it is done
    return _fresh(case)


def _build_following_up_all_done(prop, owner):
    return _following_up(prop, owner)  # nothing open: on to verification


def _build_verifying(prop, owner):
    return _verifying(prop, owner)


def _build_closed(prop, owner):
    case = _verifying(prop, owner)
    services.complaint_verify(complaint=case, actor=owner, expected_version=None, verdict="very_satisfied")
    return _fresh(case)


def _build_withdrawn(prop, owner):
    case = factories.log_case(prop, owner)
    services.complaint_withdraw(complaint=case, actor=owner, expected_version=None, reason="Guest left")
    return _fresh(case)


SCENARIOS = {
    name.removeprefix("_build_"): build for name, build in globals().items() if name.startswith("_build_")
}


def test_the_scenarios_cover_every_step():
    assert {build.__name__.removeprefix("_build_").split("_")[0] for build in SCENARIOS.values()} >= {
        "listening",
        "apologising",
        "resolving",
        "following",
        "verifying",
        "closed",
        "withdrawn",
    }


# --- what the page offers ---------------------------------------------------------------------


def _is_submit(tag: str, attrs: dict) -> bool:
    return (tag == "button" and attrs.get("type", "submit") == "submit") or (
        tag == "input" and attrs.get("type") == "submit"
    )


class _Forms(HTMLParser):
    """The POST forms of a page: their action URL and their enabled submit buttons (name, value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms.append((a.get("action") or "", []))
            self._open = True
        elif self._open and "disabled" not in a and _is_submit(tag, a):
            self.forms[-1][1].append((a.get("name") or "", a.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = False


def _offered(html: str, case: Complaint) -> set[str]:
    """The actions of the case the page lets the user submit ("answer_offer" counts per button)."""
    prefix = f"/complaints/{case.pk}/"
    parser = _Forms()
    parser.feed(html)
    offered = set()
    for url, buttons in parser.forms:
        if not url.startswith(prefix) or not buttons:
            continue
        name = url.removeprefix(prefix).strip("/")
        if name == "answer_offer":
            offered |= {f"{value}_offer" for field, value in buttons if field == "answer"}
        else:
            offered.add(name)
    return offered


# --- what the service accepts -----------------------------------------------------------------


def _payload(action: str, case: Complaint) -> tuple[str, dict]:
    """The URL name the page posts to, and form data the form accepts: only the rule can refuse it."""
    offers = list(Offer.objects.filter(complaint=case).order_by("status", "pk"))
    offer = next((o for o in offers if o.status == OfferStatus.PROPOSED), offers[0] if offers else None)
    open_action = case.actions.filter(done_at__isnull=True).first() or case.actions.first()
    due = timezone.localtime() + dt.timedelta(hours=2)
    data = {
        Action.CONFIRM_RESTATEMENT: {"confirmed": "on"},
        Action.APOLOGISE: {"method": "in_person"},
        Action.MAKE_OFFER: {"remedy_type": "amenity", "description": "Late checkout", "value": "0"},
        Action.ACCEPT_OFFER: {"offer": offer.pk if offer else 0, "answer": "accept"},
        Action.DECLINE_OFFER: {"offer": offer.pk if offer else 0, "answer": "decline"},
        Action.ADD_ACTION: {"description": "Check the minibar", "due_at": due.strftime("%Y-%m-%dT%H:%M")},
        Action.COMPLETE_ACTION: {"action": open_action.pk if open_action else 0, "note": "Checked"},
        Action.REQUEST_VERIFICATION: {},
        Action.VERIFY: {"verdict": "very_satisfied"},
        Action.WITHDRAW: {"reason": "Guest changed their mind"},
        Action.REOPEN: {"reason": "Guest called back"},
        "note": {"note": "Spoke to the guest"},
    }[action]
    url_name = "answer_offer" if action in (Action.ACCEPT_OFFER, Action.DECLINE_OFFER) else str(action)
    return url_name, {"version": case.version, **data}


def _rule_refusal(action: str, case: Complaint, facts: workflow.Facts) -> str | None:
    """The workflow's own words when the step or the facts refuse `action` (None: they allow it)."""
    if action == Action.CONFIRM_RESTATEMENT:
        facts = workflow.Facts(**{**facts.__dict__, "restated_confirmed": True})  # the payload ticks it
    try:
        workflow.assert_can(action, case.status, facts)
    except InvalidTransition as error:
        return str(error)
    return None


class _RolledBack(Exception):
    pass


def _accepted(client: Client, action: str, case: Complaint, facts: workflow.Facts) -> bool:
    """Post `action` as the page would, then undo it: True if the rule let it through."""
    url_name, data = _payload(action, case)
    try:
        with transaction.atomic():
            response = client.post(reverse("complaints:act", args=[case.pk, url_name]), data)
            raise _RolledBack
    except _RolledBack:
        pass
    if response.status_code == 302:
        return True
    if response.status_code in (403, 404):
        return False  # the role at this hotel, or a case of another hotel
    assert response.status_code == 400, (action, response.status_code)
    errors = response.context["action_errors"]
    refusal = _rule_refusal(action, case, facts)
    assert refusal is not None and errors == [refusal], (
        f"{action} was refused for something else than the rule (fix the test's payload): {errors}"
    )
    return False


# --- every step × every role --------------------------------------------------------------------


def _user(role: str, sha, hgh):
    if role == "superuser":
        return get_user_model().objects.create_superuser("root", "root@example.com", factories.PASSWORD)
    if role == roles.GROUP_DIRECTOR:
        return factories.make_staff("director", group_role=roles.GROUP_DIRECTOR)
    if role == "no role here":
        return factories.front_desk_at(hgh, username="elsewhere")
    return factories.make_staff("tested", roles_at={sha: role})


def _client_at(user, prop) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = prop.pk  # kept only where the user may work (not for "no role here")
    session.save()
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_case_page_offers_exactly_what_the_service_accepts(scenario, role, sha, hgh):
    # Given a case in this step, logged by a clerk, and a user with this role
    owner = factories.front_desk_at(sha, username="owner")
    case = SCENARIOS[scenario](sha, owner)
    user = _user(role, sha, hgh)
    if role in (roles.FRONT_DESK, roles.PROPERTY_ADMINISTRATOR):
        Complaint.objects.filter(pk=case.pk).update(assignee=user)  # they see the cases they work on
    case = _fresh(case)
    facts = selectors.case_page(complaint=case, user=owner).facts
    client = _client_at(user, sha)

    # When the user opens the case page, and then posts every action of the cycle
    response = client.get(reverse("complaints:detail", args=[case.pk]))
    assert response.status_code == (404 if role == "no role here" else 200)
    offered = _offered(response.content.decode(), case) if response.status_code == 200 else set()
    accepted = {action for action in [*Action.values, "note"] if _accepted(client, action, case, facts)}

    # Then the page offers exactly what the service accepts, and the shared answer says the same
    assert offered & {*Action.values, "note"} == accepted, (
        f"offered only: {sorted(offered - accepted)}; accepted but not offered: {sorted(accepted - offered)}"
    )
    answer = case_permissions.case_actions(user=user, complaint=case, facts=facts)
    # (confirming the restatement is blocked only until the form's tick box, which the payload ticks)
    takeable = {
        t.action.value for t, reason in answer if reason is None or t.action == Action.CONFIRM_RESTATEMENT
    }
    assert takeable == accepted - {"note"}


@pytest.mark.parametrize("role", [roles.GROUP_DIRECTOR, "no role here"])
def test_a_role_that_cannot_change_the_case_is_offered_no_form_at_all(role, sha, hgh):
    # Given a case waiting for follow-up actions, with something to complete and to add
    owner = factories.front_desk_at(sha, username="owner")
    case = _build_following_up_action_open(sha, owner)
    user = _user(role, sha, hgh)

    # When a read-only user (or one from another hotel) opens it
    response = _client_at(user, sha).get(reverse("complaints:detail", args=[case.pk]))

    # Then there is nothing to submit on it, and the services refuse them too
    if response.status_code == 200:
        assert _offered(response.content.decode(), case) == set()
        # and the page says why the Next panel is empty
        assert "Read only: your role at this hotel" in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.complaint_withdraw(complaint=_fresh(case), actor=user, expected_version=None, reason="x")
