"""Problems across rooms (建立防范系统): raised by a trigger, owned, diagnosed, decided, corrected, verified.

A problem is raised when a property's trigger sees N cases in M days (across rooms, on one floor or
anywhere in the hotel, of one category or department). Cases logged later about the same thing join
it; one that arrives while the fix is being verified (or soon after closing) reopens it. Closing
needs the verification period to have passed without such a repeat. The decision asked of a manager
is an ApprovalRequest, decided through complaints.services.approval_decide like an offer's.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import reminders, selectors
from complaints import system_text as keys
from complaints.case_primitives import ComplaintError
from complaints.models import (
    ApprovalRequest,
    Complaint,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemGrouping,
    ProblemScope,
    ProblemState,
    ProblemTrigger,
)
from complaints.services.notifications import notify
from complaints.workflow import Status
from hotel_crm import dates, roles, system_text
from hotel_crm.errors import StaleRecord

DECIDE_PERMISSION = "complaints.decide_problem"


class ProblemError(ComplaintError):
    """A change to a problem that cannot be made; the message is for the manager."""


class StaleProblem(ProblemError, StaleRecord):
    """Someone else changed the problem since the page was loaded."""


# --- detection (called by complaint_log, inside its transaction) ---------------------------------


def _key(trigger: ProblemTrigger, complaint: Complaint) -> dict | None:
    """The fields that say which problem `complaint` belongs to under `trigger`, or None if none."""
    if complaint.category is not None and complaint.category.is_sensitive:
        return None  # harassment or safety cases are not pooled into a hotel-wide problem (ADR 0009)
    key: dict = {"department_id": complaint.department_id, "category_id": None, "floor": None}
    if trigger.group_by == ProblemGrouping.CATEGORY:
        if complaint.category_id is None:
            return None
        key["category_id"] = complaint.category_id
    if trigger.scope in (ProblemScope.ROOMS, ProblemScope.FLOOR) and complaint.room is None:
        return None
    if trigger.scope == ProblemScope.FLOOR:
        assert complaint.room is not None
        key["floor"] = complaint.room.floor
    return key


def _matching_cases(
    trigger: ProblemTrigger, key: dict, since: dt.datetime, until: dt.datetime
) -> QuerySet[Complaint]:
    cases = (
        Complaint.objects.for_property(trigger.property)
        .filter(reported_at__gte=since, reported_at__lte=until, department_id=key["department_id"])
        .exclude(status=Status.WITHDRAWN)
    )
    if key["category_id"] is not None:
        cases = cases.filter(category_id=key["category_id"])
    if trigger.scope in (ProblemScope.ROOMS, ProblemScope.FLOOR):
        cases = cases.filter(room__isnull=False)
    if key["floor"] is not None:
        cases = cases.filter(room__floor=key["floor"])
    return cases


def _places(trigger: ProblemTrigger, cases: QuerySet[Complaint]) -> int:
    """What the trigger counts: different rooms, or cases."""
    if trigger.scope == ProblemScope.PROPERTY:
        return cases.count()
    return cases.values("room_id").distinct().count()


def _event(
    problem: Problem,
    kind: str,
    actor: User | None,
    *,
    note: str = "",
    text: system_text.Message | None = None,
    complaint: Complaint | None = None,
) -> None:
    """One row of the problem's timeline: `text` the system's wording (shown in the reader's language),
    `note` what a person typed."""
    ProblemEvent.objects.create(
        problem=problem,
        kind=kind,
        actor=actor,
        note=note,
        data={"text": text} if text else {},
        complaint=complaint,
    )


def _managers(problem: Problem) -> list[User]:
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__property=problem.property,
            memberships__role__name__in=[roles.GUEST_RELATIONS_MANAGER, roles.DUTY_MANAGER],
        )
        .distinct()
    )


def _reopen(problem: Problem, complaint: Complaint, actor: User | None) -> None:
    was_closed = problem.state == ProblemState.CLOSED
    problem.state = ProblemState.ACTING
    problem.verification_ends_at = None
    problem.action_done_at = None
    problem.closed_at = None
    problem.reopened_count += 1
    why = system_text.message(
        keys.REPEAT_AFTER_CLOSE if was_closed else keys.REPEAT_DURING_VERIFICATION, ref=complaint.reference
    )
    _event(problem, ProblemEventKind.REOPENED, actor, text=why, complaint=complaint)
    people = [p for p in (problem.owner, problem.action_owner) if p is not None] or _managers(problem)
    notify(
        {p.pk: p for p in people}.values(),
        prop=problem.property,
        url=problem.get_absolute_url(),
        text=system_text.message(keys.PROBLEM_REOPENED, ref=problem.reference(), note=why),
    )


def problems_detect(
    *, complaint: Complaint, actor: User | None, now: dt.datetime | None = None
) -> list[Problem]:
    """Attach a newly logged case to the problems it belongs to, reopen them on a repeat, or raise new ones.

    Call inside the transaction that logged the case. Each trigger row is locked while it is
    evaluated, so two cases logged at once cannot raise the same problem twice.
    """
    now = now or timezone.now()
    touched = []
    triggers = list(
        ProblemTrigger.objects.for_property(complaint.property)
        .filter(is_active=True)
        .select_for_update()
        .order_by("pk")
    )
    for trigger in triggers:
        key = _key(trigger, complaint)
        if key is None:
            continue
        latest = (
            Problem.objects.select_for_update()
            .filter(property=complaint.property, trigger=trigger, **key)
            .order_by("-raised_at", "-pk")
            .first()
        )
        repeat_after_close = (
            latest is not None
            and latest.state == ProblemState.CLOSED
            and latest.closed_at is not None
            and latest.closed_at >= now - dt.timedelta(days=latest.verification_days)
        )
        if latest is not None and (latest.is_open() or repeat_after_close):
            latest.cases.add(complaint)
            latest.last_case_at = max(latest.last_case_at, complaint.reported_at)
            if latest.state in (ProblemState.VERIFYING, ProblemState.CLOSED):
                _reopen(latest, complaint, actor)
            else:
                _event(
                    latest, ProblemEventKind.CASE_ADDED, actor, note=complaint.reference, complaint=complaint
                )
            latest.version += 1
            latest.save()
            reminders.reschedule_problem(latest, now)
            touched.append(latest)
            continue
        since = complaint.reported_at - dt.timedelta(days=trigger.window_days)
        cases = _matching_cases(trigger, key, since, complaint.reported_at)
        count = _places(trigger, cases)
        if count < trigger.threshold:
            continue
        problem = Problem.objects.create(
            property=complaint.property,
            trigger=trigger,
            scope=trigger.scope,
            department_id=key["department_id"],
            category_id=key["category_id"],
            floor=key["floor"],
            raised_at=now,
            last_case_at=complaint.reported_at,
            verification_days=trigger.verification_days,
        )
        problem.cases.add(*cases)
        what = system_text.message(
            keys.PROBLEM_RAISED_WHAT,
            count=count,
            unit=system_text.message(
                keys.UNIT_CASES if trigger.scope == ProblemScope.PROPERTY else keys.UNIT_ROOMS
            ),
            days=trigger.window_days,
            n=trigger.threshold,
        )
        _event(problem, ProblemEventKind.RAISED, None, text=what, complaint=complaint)
        notify(
            _managers(problem),
            prop=problem.property,
            url=problem.get_absolute_url(),
            text=system_text.message(keys.NEW_PROBLEM, ref=problem.reference(), what=what),
        )
        reminders.reschedule_problem(problem, now)
        touched.append(problem)
    return touched


# --- the manager's steps -------------------------------------------------------------------------


def _lock(problem: Problem, expected_version: int | None) -> Problem:
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleProblem(
            _(
                "This problem was just changed by someone else. Reload the page; "
                "what you entered was not saved."
            )
        )
    if locked.state == ProblemState.CLOSED:
        raise ProblemError(_("This problem is closed."))
    return locked


def _save(problem: Problem, *fields: str) -> None:
    problem.version += 1
    problem.save(update_fields=[*fields, "version"])


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _staff_at(problem: Problem, user: User | None) -> None:
    if (
        user is not None
        and not selectors.staff_of_property(prop=problem.property).filter(pk=user.pk).exists()
    ):
        raise ProblemError(_("Choose a member of this hotel's staff."))


@transaction.atomic
def problem_set_owner(*, problem: Problem, actor: User, expected_version: int | None, owner: User) -> Problem:
    """Make someone answerable for the problem."""
    problem = _lock(problem, expected_version)
    _staff_at(problem, owner)
    problem.owner = owner
    _save(problem, "owner")
    _event(problem, ProblemEventKind.OWNER, actor, note=_name(owner))
    if owner.pk != actor.pk:
        notify(
            [owner],
            prop=problem.property,
            url=problem.get_absolute_url(),
            text=system_text.message(keys.PROBLEM_OWNER, ref=problem.reference()),
        )
    reminders.reschedule_problem(problem)
    return problem


@transaction.atomic
def problem_record_root_cause(
    *, problem: Problem, actor: User, expected_version: int | None, root_cause: str
) -> Problem:
    """Say why it keeps happening (实事求是: the facts, not a guess)."""
    problem = _lock(problem, expected_version)
    if not root_cause.strip():
        raise ProblemError(_("Say what the root cause is."))
    problem.root_cause = root_cause.strip()[:2000]
    _save(problem, "root_cause")
    _event(problem, ProblemEventKind.ROOT_CAUSE, actor, note=problem.root_cause)
    reminders.reschedule_problem(problem)
    return problem


@transaction.atomic
def problem_request_decision(
    *, problem: Problem, actor: User, question: str, reason: str = ""
) -> ApprovalRequest:
    """Ask a superior to decide what is beyond one's power (权限, gained by application): ask, do not wait."""
    problem = _lock(problem, None)
    if not question.strip():
        raise ProblemError(_("Say what you need decided."))
    if problem.decision_requests.filter(state=ApprovalRequest.State.PENDING).exists():
        raise ProblemError(_("A decision is already waiting on this problem."))
    request = ApprovalRequest.objects.create(
        property=problem.property,
        problem=problem,
        question=question.strip()[:300],
        requested_by=actor,
        reason=reason.strip()[:300],
    )
    _event(problem, ProblemEventKind.DECISION_REQUESTED, actor, note=request.question)
    notify(
        decision_makers(problem=problem, exclude=actor),
        prop=problem.property,
        url="/complaints/approvals/",
        text=system_text.message(keys.DECISION_NEEDED, ref=problem.reference(), question=request.question),
    )
    return request


def decision_makers(*, problem: Problem, exclude: User | None = None) -> list[User]:
    """Staff of the problem's hotel whose role lets them decide (the route of a decision request)."""
    staff = selectors.staff_of_property(prop=problem.property)
    return [
        user
        for user in staff.filter(
            memberships__property=problem.property,
            memberships__role__permissions__codename="decide_problem",
        ).distinct()
        if exclude is None or user.pk != exclude.pk
    ]


def problem_decide(
    *, approval: ApprovalRequest, approver: User, approve: bool, note: str = ""
) -> ApprovalRequest:
    """Decide a problem's request; called by approval_decide, inside its transaction."""
    assert approval.problem_id is not None
    problem = Problem.objects.select_for_update().get(pk=approval.problem_id)
    approval = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
    if approval.state != ApprovalRequest.State.PENDING:
        raise ProblemError(_("This request was already decided."))
    if approver.pk == approval.requested_by_id:
        raise ProblemError(_("You cannot decide your own request."))
    if not selectors.has_perm_at(approver, problem.property, DECIDE_PERMISSION):
        raise ProblemError(_("Deciding this is beyond your role; it needs a manager who decides problems."))
    if not approve and not note.strip():
        raise ProblemError(_("Say why not, so the owner can propose something else."))
    approval.state = ApprovalRequest.State.APPROVED if approve else ApprovalRequest.State.DECLINED
    approval.decided_by, approval.decided_at, approval.decision_note = (
        approver,
        timezone.now(),
        note.strip()[:300],
    )
    approval.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    verdict = system_text.message(keys.DECIDED_YES if approve else keys.DECIDED_NO)
    _event(
        problem,
        ProblemEventKind.DECIDED,
        approver,
        text=system_text.message(keys.PROBLEM_DECIDED_LINE, verdict=verdict, question=approval.question),
        note=approval.decision_note,
    )
    problem.version += 1
    problem.save(update_fields=["version"])
    notify(
        [approval.requested_by],
        prop=problem.property,
        url=problem.get_absolute_url(),
        text=system_text.message(
            keys.DECIDED,
            verdict=verdict,
            ref=problem.reference(),
            question=approval.question,
        ),
    )
    return approval


@transaction.atomic
def problem_plan_action(
    *,
    problem: Problem,
    actor: User,
    expected_version: int | None,
    corrective_action: str,
    action_owner: User,
    due_at: dt.datetime,
) -> Problem:
    """The corrective action: what will be changed, by whom, by when (needs the root cause first)."""
    problem = _lock(problem, expected_version)
    if not problem.root_cause:
        raise ProblemError(_("Record the root cause before planning the corrective action."))
    if not corrective_action.strip():
        raise ProblemError(_("Say what will be done."))
    if due_at < timezone.now() - dt.timedelta(minutes=5):
        raise ProblemError(_("The due time is already past."))
    _staff_at(problem, action_owner)
    problem.corrective_action = corrective_action.strip()[:2000]
    problem.action_owner, problem.action_due_at = action_owner, due_at
    problem.state = ProblemState.ACTING
    problem.action_done_at = problem.verification_ends_at = None
    _save(
        problem,
        "corrective_action",
        "action_owner",
        "action_due_at",
        "state",
        "action_done_at",
        "verification_ends_at",
    )
    when = system_text.moment(due_at, problem.property.time_zone)
    _event(
        problem,
        ProblemEventKind.ACTION,
        actor,
        text=system_text.message(keys.PROBLEM_ACTION_LINE, who=_name(action_owner), when=when),
        note=problem.corrective_action,
    )
    if action_owner.pk != actor.pk:
        notify(
            [action_owner],
            prop=problem.property,
            url=problem.get_absolute_url(),
            text=system_text.message(
                keys.CORRECTIVE_ACTION,
                ref=problem.reference(),
                when=when,
                what=problem.corrective_action[:150],
            ),
        )
    reminders.reschedule_problem(problem)
    return problem


@transaction.atomic
def problem_complete_action(
    *,
    problem: Problem,
    actor: User,
    expected_version: int | None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Problem:
    """The corrective action is done: the verification period (no recurrence for X days) starts."""
    now = now or timezone.now()
    problem = _lock(problem, expected_version)
    if problem.state != ProblemState.ACTING:
        raise ProblemError(_("Plan the corrective action first."))
    problem.action_done_at = now
    problem.verification_ends_at = now + dt.timedelta(days=problem.verification_days)
    problem.state = ProblemState.VERIFYING
    _save(problem, "action_done_at", "verification_ends_at", "state")
    _event(problem, ProblemEventKind.ACTION_DONE, actor, note=note.strip()[:500])
    reminders.reschedule_problem(problem, now)
    return problem


@transaction.atomic
def problem_close(
    *, problem: Problem, actor: User, expected_version: int | None, now: dt.datetime | None = None
) -> Problem:
    """Close once the verification period has passed without a repeat (a repeat reopens it instead)."""
    now = now or timezone.now()
    problem = _lock(problem, expected_version)
    if problem.state != ProblemState.VERIFYING or problem.verification_ends_at is None:
        raise ProblemError(_("A problem is closed only after its corrective action is done and verified."))
    if now < problem.verification_ends_at:
        raise ProblemError(
            _("The verification period runs until %(when)s; close the problem if nothing recurs by then.")
            % {"when": _property_moment(problem, problem.verification_ends_at)}
        )
    problem.state = ProblemState.CLOSED
    problem.closed_at = now
    _save(problem, "state", "closed_at")
    _event(problem, ProblemEventKind.CLOSED, actor)
    reminders.reschedule_problem(problem, now)
    return problem


def _property_moment(problem: Problem, value: dt.datetime) -> str:
    """A date and time as the hotel reads it (ADR 0018), in the problem's hotel's zone."""
    with timezone.override(problem.property.tzinfo):
        return dates.format_moment(value, zone=False)
