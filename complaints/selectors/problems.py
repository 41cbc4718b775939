"""Problems across rooms: the list (open ones oldest first), the page, the dashboard tile."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Prefetch, Q, QuerySet

from complaints.models import (
    OPEN_PROBLEM_STATES,
    ApprovalRequest,
    Complaint,
    Problem,
    ProblemEvent,
    ProblemState,
)
from complaints.selectors.access import complaints_visible_to, has_perm_at
from hotel_crm.models import Property

VIEW_PERMISSION = "complaints.view_problem"


def problems_visible_to(*, user: User | AnonymousUser, prop: Property | None) -> QuerySet[Problem]:
    """The property's problems, for roles that review them (they never hold sensitive cases)."""
    if prop is None or not has_perm_at(user, prop, VIEW_PERMISSION):
        return Problem.objects.none()
    return Problem.objects.for_property(prop)


def problem_list(*, user: User | AnonymousUser, prop: Property, state: str = "open") -> QuerySet[Problem]:
    """Open problems oldest first (or every problem, newest first), each with its number of cases."""
    problems = (
        problems_visible_to(user=user, prop=prop)
        .select_related("department", "category", "owner", "action_owner")
        .annotate(case_count=Count("cases"))
    )
    if state == "all":
        return problems.order_by("-raised_at", "-pk")
    if state in ProblemState.values:
        problems = problems.filter(state=state)
    else:
        problems = problems.filter(state__in=OPEN_PROBLEM_STATES)
    return problems.order_by("raised_at", "pk")


def open_problems_oldest(*, prop: Property, limit: int = 5) -> dict:
    """The dashboard tile: how many problems are open, and the oldest few (two queries)."""
    problems = Problem.objects.for_property(prop).filter(state__in=OPEN_PROBLEM_STATES)
    oldest = list(
        problems.select_related("department", "category", "owner")
        .annotate(case_count=Count("cases"))
        .order_by("raised_at", "pk")[:limit]
    )
    return {"count": problems.count(), "oldest": oldest}


@dataclass
class ProblemPage:
    problem: Problem
    cases: list[Complaint]
    hidden_cases: int
    events: list[ProblemEvent]
    requests: list[ApprovalRequest]


def problem_page(*, user: User | AnonymousUser, prop: Property, pk: int) -> ProblemPage | None:
    """One problem with its cases (those `user` may see), timeline and decision requests."""
    problem = (
        problems_visible_to(user=user, prop=prop)
        .select_related("department", "category", "owner", "action_owner", "trigger")
        .prefetch_related(
            Prefetch("events", queryset=ProblemEvent.objects.select_related("actor", "complaint")),
            Prefetch(
                "decision_requests",
                queryset=ApprovalRequest.objects.select_related("requested_by", "decided_by").order_by(
                    "-requested_at"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if problem is None:
        return None
    every = problem.cases.all()
    visible = complaints_visible_to(user=user, property=prop)
    counts = every.aggregate(total=Count("pk"), shown=Count("pk", filter=Q(pk__in=visible.values("pk"))))
    cases = list(
        every.filter(pk__in=visible.values("pk"))
        .select_related("room", "guest", "category")
        .order_by("-reported_at", "-pk")[:200]
    )
    return ProblemPage(
        problem=problem,
        cases=cases,
        hidden_cases=counts["total"] - counts["shown"],
        events=list(problem.events.all()),
        requests=list(problem.decision_requests.all()),
    )
