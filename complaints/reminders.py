"""Follow-up reminders and escalations: a durable schedule in the database (及时准确).

Every reminder is a `Reminder` row written in the same transaction as the case
change that makes it due; the broker only carries "deliver row N" messages.
`claim_due` hands rows to workers (SELECT … FOR UPDATE SKIP LOCKED on
PostgreSQL, with a lease so a crashed worker's rows come back), `deliver` is
idempotent: a row is marked sent once and makes one notification, however
often its message arrives.
"""

import contextlib
import datetime as dt
import logging
import statistics
from dataclasses import astuple, dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import mail
from django.db import DatabaseError, connections, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.action_workflow import ActionState
from complaints.models import (
    Complaint,
    DigestSetting,
    FollowUpAction,
    Handover,
    Notification,
    Problem,
    ProblemState,
    Reminder,
    ReminderKind,
    ReminderStatus,
    ServiceLevelRule,
    Severity,
    TeamAlertKind,
)
from complaints.selectors import complaints_visible_to, staff_who_may_see
from complaints.team_chat import team_alert_send
from complaints.workflow import OPEN, Status, Verdict
from guests.models import StayStatus
from hotel_crm import dates, roles
from hotel_crm.models import Property, StaffMembership, StaffProfile

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)
# The first wait after a delivery failed on a database error; it doubles with each attempt.
RETRY_BACKOFF = dt.timedelta(seconds=5)
CHECKOUT_TIME = dt.time(12, 0)
BEFORE_DEPARTURE = dt.timedelta(hours=1)
MIN_NOTICE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Allowance:
    apologise: dt.timedelta
    first_offer: dt.timedelta
    action: dt.timedelta
    verify: dt.timedelta
    escalate: dt.timedelta
    escalate_again: dt.timedelta


def _minutes(*values: int) -> list[dt.timedelta]:
    return [dt.timedelta(minutes=v) for v in values]


# Used until a property sets its own rules in the admin (minutes).
DEFAULT_ALLOWANCES = {
    Severity.LOW: Allowance(*_minutes(60, 240, 1440, 2880, 60, 240)),
    Severity.MEDIUM: Allowance(*_minutes(30, 120, 480, 1440, 30, 120)),
    Severity.HIGH: Allowance(*_minutes(15, 60, 240, 480, 15, 60)),
    Severity.CRITICAL: Allowance(*_minutes(5, 30, 120, 240, 10, 30)),
}


def allowance_for(complaint: Complaint) -> Allowance:
    """The property's rule for this severity, else the defaults.

    A VIP gets the property's VIP rule when it has one; otherwise the regular rule
    (or the default) halved, so a hotel that sets only regular rules still serves VIPs faster.
    """
    vip = bool(complaint.guest is not None and complaint.guest.vip_level)
    rule = (
        ServiceLevelRule.objects.for_property(complaint.property)
        .filter(severity=complaint.severity, vip__in=[vip, False])
        .order_by("-vip")
        .first()
    )
    if rule is None:
        base = DEFAULT_ALLOWANCES[Severity(complaint.severity)]
    else:
        base = Allowance(
            *_minutes(
                rule.apologise_minutes,
                rule.first_offer_minutes,
                rule.action_minutes,
                rule.verify_minutes,
                rule.escalate_after_minutes,
                rule.escalate_again_after_minutes,
            )
        )
    if not vip or (rule is not None and rule.vip):
        return base
    return Allowance(*(max(dt.timedelta(minutes=1), value / 2) for value in astuple(base)))


def departure_deadline(complaint: Complaint) -> dt.datetime | None:
    """An hour before the guest checks out (noon on the departure day, hotel time), if they are staying."""
    stay = complaint.stay
    if stay is None or stay.status not in (StayStatus.IN_HOUSE, StayStatus.RESERVED):
        return None
    checkout = dt.datetime.combine(stay.departure_date, CHECKOUT_TIME, tzinfo=complaint.property.tzinfo)
    return checkout - BEFORE_DEPARTURE


def _pull_before_departure(complaint: Complaint, due: dt.datetime, now: dt.datetime) -> dt.datetime:
    deadline = departure_deadline(complaint)
    if deadline is not None and due > deadline:
        return max(deadline, now + MIN_NOTICE)
    return due


# --- who hears about it --------------------------------------------------------------------


def _escalation_chain(prop: Property) -> tuple[list[User], list[User]]:
    """The hotel's managers (guest relations and duty) and the second level, in one query.

    The second level is the group directors; a hotel without one escalates to its guest relations
    managers again.
    """
    at_hotel = StaffMembership.objects.filter(user=OuterRef("pk"), property=prop)
    people = list(
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(
            is_manager=Exists(
                at_hotel.filter(role__name__in=[roles.GUEST_RELATIONS_MANAGER, roles.DUTY_MANAGER])
            ),
            is_grm=Exists(at_hotel.filter(role__name=roles.GUEST_RELATIONS_MANAGER)),
            is_director=Exists(
                StaffProfile.objects.filter(user=OuterRef("pk"), group_role__name=roles.GROUP_DIRECTOR)
            ),
        )
        .filter(Q(is_manager=True) | Q(is_director=True))
    )
    managers: list[User] = [user for user in people if user.is_manager]
    directors: list[User] = [user for user in people if user.is_director]
    return managers, directors or [user for user in people if user.is_grm]


# --- scheduling (called by the services, inside their transaction) -------------------------


ACK_PREFIX = "ack:"


def _unacknowledged(complaint: Complaint) -> list[tuple[str, dt.datetime, FollowUpAction | None]]:
    """Work handed to a department and not acknowledged: escalated when the department's time is up."""
    actions = complaint.actions.filter(
        done_at__isnull=True, department__isnull=False, state=ActionState.SENT
    ).select_related("department")
    return [
        (f"{ACK_PREFIX}{a.pk}", a.created_at + dt.timedelta(minutes=a.department.acknowledge_minutes), a)
        for a in actions
        if a.department is not None  # filtered above; says so to the type checker
    ]


# A step whose clock starts when the case reaches it (the others count from the report or carry their own
# due time), and the part of the allowance it gets.
_STEP_CLOCK = {"resolve": "first_offer", "follow_up": "action", "verify": "verify"}


def _wanted(
    complaint: Complaint, now: dt.datetime, allowance: Allowance, since: dict[str, dt.datetime] | None = None
) -> list[tuple[str, dt.datetime, FollowUpAction | None]]:
    """(subject, due time, follow-up action or None) for what the case is waiting on now."""
    return _step_wanted(complaint, now, allowance, since) + _unacknowledged(complaint)


def _step_wanted(
    complaint: Complaint, now: dt.datetime, allowance: Allowance, since: dict[str, dt.datetime] | None = None
) -> list[tuple[str, dt.datetime, FollowUpAction | None]]:
    """`since`: when a step's clock started, if not now (a step re-timed after a severity change)."""
    started = since or {}
    status = complaint.status
    if status in (Status.LISTENING, Status.APOLOGISING):
        return [("apologise", complaint.reported_at + allowance.apologise, None)]
    if status == Status.RESOLVING:
        if complaint.offers.filter(status__in=["proposed", "awaiting_approval"]).exists():
            return []
        return [("resolve", started.get("resolve", now) + allowance.first_offer, None)]
    if status == Status.FOLLOWING_UP:
        actions = list(complaint.actions.filter(done_at__isnull=True))
        if not actions:
            return [("follow_up", started.get("follow_up", now) + allowance.action, None)]
        return [(f"action:{a.pk}", a.due_at, a) for a in actions]
    if status == Status.VERIFYING:
        return [("verify", started.get("verify", now) + allowance.verify, None)]
    return []


@dataclass
class Schedule:
    """What a case's step is waiting on now: the reminders it wants and when the step is due."""

    allowance: Allowance
    wanted: list[tuple[str, dt.datetime, FollowUpAction | None]]
    step_due: dt.datetime | None


def _schedule(
    complaint: Complaint,
    now: dt.datetime,
    *,
    just_logged: bool = False,
    since: dict[str, dt.datetime] | None = None,
) -> Schedule:
    """The case's schedule; `just_logged`: inserted in this transaction, so it has no follow-up actions."""
    allowance = allowance_for(complaint)
    if complaint.status not in OPEN:
        wanted = []
    elif just_logged:
        wanted = _step_wanted(complaint, now, allowance)
    else:
        wanted = _wanted(complaint, now, allowance, since)
    step_due = None
    planned = []
    for subject, due, action in wanted:
        if not subject.startswith(ACK_PREFIX):  # the department's acknowledgement is not the case's step
            due = _pull_before_departure(complaint, due, now)
            step_due = min(step_due, due) if step_due else due
        planned.append((subject, due, action))
    return Schedule(allowance=allowance, wanted=planned, step_due=step_due)


def _write(complaint: Complaint, schedule: Schedule, existing: set[str], now: dt.datetime) -> None:
    """Add the reminders of each wanted subject not already pending: the owner's, then the escalations."""
    rows = []
    managers: list[User] | None = None
    second: list[User] = []
    allowance = schedule.allowance
    for subject, due, action in schedule.wanted:
        if subject in existing:
            continue
        if managers is None:
            managers, second = _escalation_chain(complaint.property)
            # A sensitive case escalates only to those who may see it (ADR 0009).
            managers = staff_who_may_see(complaint=complaint, candidates=managers)
            second = staff_who_may_see(complaint=complaint, candidates=second)
        owner = action.assignee if action and action.assignee is not None else complaint.assignee
        plan: list[tuple[str, dt.datetime, list[User]]] = [
            (ReminderKind.DUE, due, [owner]),
            (ReminderKind.ESCALATION, due + allowance.escalate, managers),
            (ReminderKind.ESCALATION_2, due + allowance.escalate_again, second),
        ]
        if subject.startswith(ACK_PREFIX):
            # Not acknowledged within the department's time: straight to the managers, then higher.
            plan = [
                (ReminderKind.ESCALATION, due, managers),
                (ReminderKind.ESCALATION_2, due + allowance.escalate_again, second),
            ]
        # Microseconds, not seconds: a step cancelled and due again within one second (an offer
        # declined at once) needs new rows, and an equal key would be dropped as a conflict.
        stamp = now.strftime("%Y%m%d%H%M%S%f")
        for kind, at, people in plan:
            for person in people:
                rows.append(
                    Reminder(
                        property=complaint.property,
                        complaint=complaint,
                        action=action,
                        kind=kind,
                        subject=subject,
                        recipient=person,
                        due_at=at,
                        idempotency_key=f"c{complaint.pk}:{subject}:{kind}:{person.pk}:{stamp}",
                    )
                )
    if rows:
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def reschedule(
    complaint: Complaint, now: dt.datetime | None = None, *, since: dict[str, dt.datetime] | None = None
) -> None:
    """Bring the case's reminders in line with its step: cancel what is no longer due, add what is.

    Call inside the transaction that changed the case, while holding its row lock.
    """
    now = now or timezone.now()
    complaint = Complaint.objects.select_related("property", "guest", "stay", "assignee", "category").get(
        pk=complaint.pk
    )
    schedule = _schedule(complaint, now, since=since)
    subjects = {subject for subject, _due, _action in schedule.wanted}
    Reminder.objects.filter(
        complaint=complaint, status__in=[ReminderStatus.PENDING, ReminderStatus.CLAIMED]
    ).exclude(subject__in=subjects).update(status=ReminderStatus.CANCELLED)
    existing = set(
        Reminder.objects.filter(
            complaint=complaint, status__in=[ReminderStatus.PENDING, ReminderStatus.CLAIMED]
        ).values_list("subject", flat=True)
    )
    _write(complaint, schedule, existing, now)
    Complaint.objects.filter(pk=complaint.pk).update(step_due_at=schedule.step_due)


def retime(complaint: Complaint, *, before: Allowance, now: dt.datetime | None = None) -> None:
    """The case's allowance changed (its severity, or a guest's VIP standing): move the current step's
    reminders to the new allowance, counted from when the step's clock started (a case raised to
    critical is due sooner, one lowered later). Only a step not yet due moves: once its reminder has
    gone out the step is late, and its escalations keep their times (nothing is sent twice).

    Call inside the transaction that changed the case, while holding its row lock; `before` is
    `allowance_for(complaint)` as it was before the change.
    """
    pending = Reminder.objects.filter(complaint=complaint, status=ReminderStatus.PENDING)
    not_yet_due = dict(pending.filter(kind=ReminderKind.DUE).values_list("subject", "due_at"))
    since = {
        subject: due - getattr(before, _STEP_CLOCK[subject])
        for subject, due in not_yet_due.items()
        if subject in _STEP_CLOCK
    }
    moving = [subject for subject in not_yet_due if subject in _STEP_CLOCK or subject == "apologise"]
    pending.filter(subject__in=moving).update(status=ReminderStatus.CANCELLED)
    reschedule(complaint, now, since=since)


def schedule_logged(complaint: Complaint, now: dt.datetime) -> dt.datetime | None:
    """Add the reminders of a case being logged and return its step's due time (for `step_due_at`).

    What `reschedule` would do, without its reads: call in the logging transaction right after
    inserting the case, with `complaint` as logged (its property, guest, stay, assignee and
    category loaded). A case that was just inserted has no reminders to cancel and no
    follow-up actions to wait on.
    """
    schedule = _schedule(complaint, now, just_logged=True)
    _write(complaint, schedule, set(), now)
    return schedule.step_due


# --- problems across rooms (complaints.services.problems) ---------------------------------------

PROBLEM_ROOT_CAUSE_DAYS = 2  # an owner has two days to find the root cause of a raised problem
PROBLEM_ESCALATE = dt.timedelta(days=1)
PROBLEM_ESCALATE_AGAIN = dt.timedelta(days=3)


def _problem_wanted(problem: Problem) -> list[tuple[str, dt.datetime, User | None]]:
    """(subject, due time, owner or None) for what the problem is waiting on now."""
    if problem.state == ProblemState.RAISED and not problem.root_cause:
        due = problem.raised_at + dt.timedelta(days=PROBLEM_ROOT_CAUSE_DAYS)
        return [("problem_root_cause", due, problem.owner)]
    if problem.state == ProblemState.ACTING and problem.action_due_at is not None:
        return [("problem_action", problem.action_due_at, problem.action_owner or problem.owner)]
    return []


def reschedule_problem(problem: Problem, now: dt.datetime | None = None) -> None:
    """Bring a problem's reminders in line with its state: the root cause, then the corrective action.

    Rows are compared on (subject, recipient, due time, kind), so a new owner, action owner or due
    time replaces the rows it changes and leaves the others alone; a row already sent is never
    planned again. Call inside the transaction that changed the problem, holding its row lock.
    """
    now = now or timezone.now()
    wanted: dict[tuple[str, int, dt.datetime, str], User] = {}
    steps = _problem_wanted(problem)
    managers, second = _escalation_chain(problem.property) if steps else ([], [])
    for subject, due, who in steps:
        plan: list[tuple[str, dt.datetime, list[User]]] = [
            (ReminderKind.DUE, due, [who] if who is not None else []),
            (ReminderKind.ESCALATION, due + PROBLEM_ESCALATE, managers),
            (ReminderKind.ESCALATION_2, due + PROBLEM_ESCALATE_AGAIN, second),
        ]
        for kind, at, people in plan:
            for person in people:
                wanted[(subject, person.pk, at, kind)] = person
    rows = list(
        Reminder.objects.filter(problem=problem)
        .exclude(status=ReminderStatus.CANCELLED)
        .values_list("pk", "status", "subject", "recipient", "due_at", "kind")
    )
    # Sent rows first: a pending row that repeats one already sent would remind twice.
    rows.sort(key=lambda row: row[1] != ReminderStatus.SENT)
    kept: set[tuple[str, int, dt.datetime, str]] = set()
    stale = []
    for pk, status, subject, recipient, due_at, kind in rows:
        key = (subject, recipient, due_at, kind)
        if status == ReminderStatus.SENT or (key in wanted and key not in kept):
            kept.add(key)
        else:
            stale.append(pk)
    # The status again: a worker may have sent one of them since it was read.
    Reminder.objects.filter(pk__in=stale, status__in=[ReminderStatus.PENDING, ReminderStatus.CLAIMED]).update(
        status=ReminderStatus.CANCELLED
    )
    stamp = now.strftime("%Y%m%d%H%M%S%f")
    Reminder.objects.bulk_create(
        [
            Reminder(
                property=problem.property,
                problem=problem,
                kind=kind,
                subject=subject,
                recipient=person,
                due_at=at,
                # The due time too: a row cancelled and planned again for another time in the same
                # instant must not be dropped as a conflict with the cancelled one.
                idempotency_key=f"p{problem.pk}:{subject}:{kind}:{person.pk}:{at:%Y%m%d%H%M%S%f}:{stamp}",
            )
            for (subject, _recipient, at, kind), person in wanted.items()
            if (subject, person.pk, at, kind) not in kept
        ],
        ignore_conflicts=True,
    )


def _problem_text(reminder: Reminder) -> str:
    problem = reminder.problem
    assert problem is not None
    what = (
        _("find the root cause")
        if reminder.subject == "problem_root_cause"
        else _("carry out the corrective action: %(what)s") % {"what": problem.corrective_action[:120]}
    )
    subject = problem.category.name if problem.category is not None else problem.department.name
    values = {"ref": problem.reference(), "subject": subject, "what": what}
    if reminder.kind == ReminderKind.DUE:
        return _("Problem %(ref)s (%(subject)s): %(what)s — due now.") % values
    if reminder.kind == ReminderKind.ESCALATION:
        return _("Overdue, escalated to you: problem %(ref)s (%(subject)s) — %(what)s.") % values
    return _("Still overdue, second escalation: problem %(ref)s (%(subject)s) — %(what)s.") % values


# --- dispatching ------------------------------------------------------------------------------

# Rows claimed for the first time are delivered this many to a transaction (ADR 0021); a row claimed
# again (its delivery failed, or its worker was lost) is delivered alone, so a row that keeps failing
# cannot hold up the others.
DELIVERY_BATCH = 50


def claim_due(*, now: dt.datetime | None = None, batch: int = 500) -> list[int]:
    """Claim reminders that are due (or whose lease ran out) for delivery; safe with several dispatchers.

    PostgreSQL: one statement, UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING, so
    two dispatchers take disjoint rows without waiting. SQLite has one writer at a time: the claim's
    transaction (IMMEDIATE, see settings) is the lock.
    """
    now = now or timezone.now()
    if connections[Reminder.objects.db].vendor == "postgresql":
        return _claim_due_postgresql(now, batch)
    with transaction.atomic():
        due = (
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=ReminderStatus.PENDING, due_at__lte=now)
                | Q(status=ReminderStatus.CLAIMED, lease_until__lt=now)
            )
            .order_by("due_at")
            .values_list("pk", flat=True)[:batch]
        )
        ids = list(due)
        if ids:
            Reminder.objects.filter(pk__in=ids).update(
                status=ReminderStatus.CLAIMED,
                claimed_at=now,
                lease_until=now + LEASE,
                attempts=F("attempts") + 1,
            )
    return ids


_CLAIM_SQL = """
UPDATE {table} SET status = %(claimed)s, claimed_at = %(now)s, lease_until = %(lease)s,
    attempts = attempts + 1
WHERE id IN (
    SELECT id FROM {table}
    WHERE (status = %(pending)s AND due_at <= %(now)s) OR (status = %(claimed)s AND lease_until < %(now)s)
    ORDER BY due_at
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
)
RETURNING id, due_at
"""


def _claim_due_postgresql(now: dt.datetime, batch: int) -> list[int]:
    connection = connections[Reminder.objects.db]
    sql = _CLAIM_SQL.format(table=connection.ops.quote_name(Reminder._meta.db_table))
    params: dict[str, str | int | dt.datetime] = {
        "claimed": ReminderStatus.CLAIMED.value,
        "pending": ReminderStatus.PENDING.value,
        "now": now,
        "lease": now + LEASE,
        "batch": batch,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [pk for pk, _due in sorted(rows, key=lambda row: (row[1], row[0]))]


def delivery_batches(reminder_ids: list[int], *, size: int = DELIVERY_BATCH) -> list[list[int]]:
    """Split claimed rows into deliveries: first attempts `size` at a time, each retried row on its own."""
    retried = set(Reminder.objects.filter(pk__in=reminder_ids, attempts__gt=1).values_list("pk", flat=True))
    first = [pk for pk in reminder_ids if pk not in retried]
    batches = [first[n : n + size] for n in range(0, len(first), size)]
    return batches + [[pk] for pk in reminder_ids if pk in retried]


def _hotel_moment(prop: Property, value: dt.datetime) -> str:
    """`value` in the hotel's zone, day-first or ISO as the hotel writes dates, 24-hour (hotel_crm.dates)."""
    token = dates.activate(dates.DateSettings(style=prop.date_style))
    try:
        with timezone.override(prop.tzinfo):
            return dates.format_moment(value)
    finally:
        dates.deactivate(token)


def _text(reminder: Reminder) -> str:
    complaint = reminder.complaint
    assert complaint is not None  # a step's reminder; digests have their own text
    when = _hotel_moment(complaint.property, reminder.due_at)
    who = complaint.complainant()
    what = {
        "apologise": _("apologise to the guest"),
        "resolve": _("offer the guest a solution"),
        "follow_up": _("plan the follow-up, or ask the guest to verify"),
        "verify": _("check with the guest that they are now satisfied"),
    }.get(reminder.subject) or (
        reminder.action.description if reminder.action is not None else reminder.subject
    )
    if reminder.subject.startswith(ACK_PREFIX) and reminder.action is not None:
        department = reminder.action.department
        what = _("not acknowledged by %(department)s: %(what)s") % {
            "department": department.name if department is not None else "",
            "what": reminder.action.description,
        }
    if reminder.kind == ReminderKind.DUE:
        return _("%(ref)s (%(who)s): %(what)s — due %(when)s") % {
            "ref": complaint.reference,
            "who": who,
            "what": what,
            "when": when,
        }
    if reminder.kind == ReminderKind.ESCALATION:
        return _("Overdue, escalated to you: %(ref)s (%(who)s) — %(what)s.") % {
            "ref": complaint.reference,
            "who": who,
            "what": what,
        }
    return _("Still overdue, second escalation: %(ref)s (%(who)s) — %(what)s.") % {
        "ref": complaint.reference,
        "who": who,
        "what": what,
    }


def handover_text(handover: Handover) -> str:
    when = _hotel_moment(handover.property, handover.created_at)
    return _("Handover not acknowledged yet: %(shift)s shift, from %(who)s at %(when)s.") % {
        "shift": handover.shift_name(),
        "who": handover.from_user.get_full_name() or handover.from_user.get_username(),
        "when": when,
    }


@dataclass
class _Progress:
    """What a delivery did that cannot be undone by a rollback: the emails that went."""

    emailed: set[int] = field(default_factory=set)


@dataclass
class _Outgoing:
    reminder: Reminder
    text: str
    body: str
    url: str


def deliver(*, reminder_id: int, now: dt.datetime | None = None) -> bool:
    """Send one reminder (in-app notification + email) and mark it sent; a second call does nothing.

    Waits for the row if another transaction holds it. On a database error the row is released at once
    for a retry after a short backoff (not after its whole lease); if the email had already gone, the
    retry only records the delivery (no second email).
    """
    return deliver_batch(reminder_ids=[reminder_id], now=now, wait=True) == 1


def deliver_batch(*, reminder_ids: list[int], now: dt.datetime | None = None, wait: bool = False) -> int:
    """Send claimed reminders in one transaction; returns how many were sent now. Safe to run twice.

    Exactly once: each row is locked, delivered only if not sent (or cancelled) yet, its notification
    has the row's key, and the row is marked sent in the same transaction. Rows another transaction
    holds are skipped (`wait=False`) and then delivered one at a time, waiting for each, so a batch
    never waits while holding locks. A row whose text or email fails is released with a backoff and
    the others go; a database error releases the whole batch with a backoff (the emails that already
    went are recorded, not sent again), and each row is then retried alone.
    """
    progress = _Progress()
    try:
        sent, skipped = _deliver_batch(reminder_ids=reminder_ids, now=now, progress=progress, wait=wait)
    except DatabaseError:
        _after_database_error(reminder_ids=reminder_ids, emailed=progress.emailed)
        raise
    for reminder_id in skipped:
        try:
            sent += deliver(reminder_id=reminder_id, now=now)
        except DatabaseError:  # released for a retry by deliver(); the others still go
            log.warning("Reminder %s not delivered this time: database error", reminder_id, exc_info=True)
    return sent


def retry_backoff(attempts: int) -> dt.timedelta:
    """How long a delivery that failed on a database error waits: 5 s, 10 s, 20 s… up to the lease."""
    return min(RETRY_BACKOFF * 2 ** max(0, min(attempts - 1, 10)), LEASE)


def _release(rows: list[tuple[int, int, str]]) -> None:
    """Give (id, attempts, error) rows back for a retry after their backoff: claimed, not sent."""
    now = timezone.now()
    groups: dict[tuple[int, str], list[int]] = {}
    for pk, attempts, error in rows:
        groups.setdefault((attempts, error[:300]), []).append(pk)
    for (attempts, error), pks in groups.items():
        Reminder.objects.filter(pk__in=pks).update(
            status=ReminderStatus.CLAIMED,
            sent_at=None,
            lease_until=now + retry_backoff(attempts),
            last_error=error,
        )


def _after_database_error(*, reminder_ids: list[int], emailed: set[int]) -> None:
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()
        if conn.connection is not None and not conn.is_usable():
            conn.close()
    try:
        if emailed:
            # The mail server has them: record the deliveries, never send them again.
            _deliver_batch(
                reminder_ids=sorted(emailed), now=None, progress=_Progress(), wait=True, email=False
            )
            log.warning(
                "Reminders %s: database error after the email went; recorded without resending",
                sorted(emailed),
            )
        rest = [pk for pk in reminder_ids if pk not in emailed]
        claimed = list(
            Reminder.objects.filter(pk__in=rest, status=ReminderStatus.CLAIMED).values_list("pk", "attempts")
        )
        _release([(pk, attempts, "database error") for pk, attempts in claimed])
        for pk, attempts in claimed:
            log.warning(
                "Reminder %s: database error; released for a retry in %s", pk, retry_backoff(attempts)
            )
    except DatabaseError:
        log.warning("Reminders %s: the database is still failing; the lease brings them back", reminder_ids)


@transaction.atomic
def _deliver_batch(
    *, reminder_ids: list[int], now: dt.datetime | None, progress: _Progress, wait: bool, email: bool = True
) -> tuple[int, list[int]]:
    # Lock the reminder rows only (in id order, so two batches never deadlock): FOR UPDATE spans the
    # join, and locking the hotel or the recipient would hold up logging a case or making an offer
    # there for as long as the send takes. Everything the texts need comes in the same query.
    rows = list(
        Reminder.objects.select_for_update(of=("self",), skip_locked=not wait)
        .select_related(
            "recipient",
            "property",
            "complaint__property",
            "complaint__guest",
            "action__department",
            "problem__property",
            "problem__category",
            "problem__department",
            "handover__from_user",
            "handover__property",
        )
        .filter(pk__in=reminder_ids)
        .order_by("pk")
    )
    locked = {row.pk for row in rows}
    skipped = [] if wait else [pk for pk in reminder_ids if pk not in locked]
    rows = [row for row in rows if row.status not in (ReminderStatus.SENT, ReminderStatus.CANCELLED)]
    if not rows:
        return 0, skipped
    languages = dict(
        StaffProfile.objects.filter(user__in={row.recipient_id for row in rows}).values_list(
            "user", "language"
        )
    )
    outgoing: list[_Outgoing] = []
    cancelled: list[int] = []
    failed: list[tuple[Reminder, str]] = []
    for reminder in rows:
        if reminder.kind == ReminderKind.HANDOVER and (
            reminder.handover is None or reminder.handover.acknowledged_at is not None
        ):
            cancelled.append(reminder.pk)  # acknowledged after it was claimed: nothing to remind of
            continue
        try:
            with translation.override(languages.get(reminder.recipient_id) or settings.LANGUAGE_CODE):
                outgoing.append(_compose(reminder))
        except DatabaseError:
            raise  # the transaction is spoilt: the whole batch is released (deliver_batch)
        except Exception as error:  # one row's bad data must not stop the others
            log.exception("Reminder %s: could not write its text; released for a retry", reminder.pk)
            failed.append((reminder, repr(error)))
    if cancelled:
        Reminder.objects.filter(pk__in=cancelled).update(status=ReminderStatus.CANCELLED)
    if outgoing:
        Notification.objects.bulk_create(
            [
                Notification(
                    key=f"reminder:{out.reminder.pk}",
                    recipient_id=out.reminder.recipient_id,
                    property_id=out.reminder.property_id,
                    text=out.text[:300],
                    url=out.url,
                )
                for out in outgoing
            ],
            ignore_conflicts=True,  # delivered before (a retried batch): one notification per reminder
        )
        # The hotel's team chat too (ADR 0020): an outbox row in this transaction, posted after it.
        # (A problem's escalation has no case: it stays on the managers' bell and email.)
        for out in outgoing:
            reminder = out.reminder
            if (
                reminder.kind in (ReminderKind.ESCALATION, ReminderKind.ESCALATION_2)
                and reminder.complaint_id
            ):
                _team_chat_escalation(reminder, now)
            elif reminder.handover is not None:
                _team_chat_handover(reminder, reminder.handover, now)
        Reminder.objects.filter(pk__in=[out.reminder.pk for out in outgoing]).update(
            status=ReminderStatus.SENT, sent_at=now or timezone.now()
        )
        # Last, still inside the transaction: a worker killed while sending leaves the batch to be sent
        # again; only a failing commit after sent emails is left, and deliver_batch() records those.
        if email:
            failed += _send_emails([out for out in outgoing if out.reminder.recipient.email], progress)
    if failed:
        for reminder, why in failed:
            log.warning(
                "Reminder %s: released for a retry in %s (%s)",
                reminder.pk,
                retry_backoff(reminder.attempts),
                why,
            )
        _release([(reminder.pk, reminder.attempts, why) for reminder, why in failed])
    delivered = {out.reminder.pk for out in outgoing} - {reminder.pk for reminder, _error in failed}
    return len(delivered), skipped


def _compose(reminder: Reminder) -> _Outgoing:
    """The reminder's text, email body and link, in the active language."""
    if reminder.kind == ReminderKind.DIGEST:
        text, body, url = digest_text(reminder)
        return _Outgoing(reminder, text, body, url)
    if reminder.problem is not None:
        text = _problem_text(reminder)
        return _Outgoing(reminder, text, text, reminder.problem.get_absolute_url())
    if reminder.handover is not None:
        text = handover_text(reminder.handover)
        return _Outgoing(
            reminder, text, text, reverse("complaints:handover", kwargs={"pk": reminder.handover.pk})
        )
    assert reminder.complaint is not None  # only digests have no case
    text = _text(reminder)
    return _Outgoing(reminder, text, text, reminder.complaint.get_absolute_url())


def _send_emails(outgoing: list[_Outgoing], progress: _Progress) -> list[tuple[Reminder, str]]:
    """Email each reminder over one connection; returns those that failed (the others are recorded)."""
    if not outgoing:
        return []
    failed: list[tuple[Reminder, str]] = []
    try:
        mailer = mail.mailers.default
        mailer.open()
    except Exception as error:
        log.exception("Reminders: cannot reach the mail server; %d emails wait for a retry", len(outgoing))
        return [(out.reminder, repr(error)) for out in outgoing]
    try:
        for out in outgoing:
            reminder = out.reminder
            message = mail.EmailMessage(
                # One line: a line break typed into a name must not fail the send (or add a header).
                subject=" ".join(f"[{reminder.property.code}] {out.text[:120]}".split()),
                body=out.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[reminder.recipient.email],
            )
            try:
                mailer.send_messages([message])
            except Exception as error:  # one bad address must not stop the others
                log.exception("Reminder %s: the email failed", reminder.pk)
                failed.append((reminder, repr(error)))
            else:
                progress.emailed.add(reminder.pk)
    finally:
        with contextlib.suppress(Exception):
            mailer.close()
    return failed


def _team_chat_handover(reminder: Reminder, handover: Handover, now: dt.datetime | None) -> None:
    """An unacknowledged handover in the team chat, once per handover and due time (quiet hours apply)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = handover_text(handover)
    team_alert_send(
        prop=reminder.property,
        kind=TeamAlertKind.HANDOVER,
        text=text,
        key=f"handover:{handover.pk}:{int(reminder.due_at.timestamp())}",
        now=now,
    )


def _team_chat_escalation(reminder: Reminder, now: dt.datetime | None) -> None:
    """The escalation in the hotel's team chat too (once per case, step and level, however many managers).

    The chat is read on phones by the whole group: the text names the case and the step, not the guest.
    """
    complaint = reminder.complaint
    assert complaint is not None
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Escalation: case %(ref)s (%(severity)s) is overdue at the step “%(step)s”.") % {
            "ref": complaint.reference,
            "severity": complaint.get_severity_display(),
            "step": complaint.get_status_display(),
        }
    team_alert_send(
        prop=reminder.property,
        kind=TeamAlertKind.ESCALATION,
        text=text,
        key=f"escalation:{complaint.pk}:{reminder.kind}:{reminder.subject}:{int(reminder.due_at.timestamp())}",
        now=now,
    )


def lateness_percentiles(prop: Property, *, since: dt.datetime | None = None) -> dict:
    """p50 and p95 of how late the property's sent reminders went out (sent_at - due_at, in seconds)."""
    sent = Reminder.objects.filter(property=prop, status=ReminderStatus.SENT, sent_at__isnull=False)
    if since is not None:
        sent = sent.filter(due_at__gte=since)
    late = sorted(
        (sent_at - due_at).total_seconds()
        for due_at, sent_at in sent.values_list("due_at", "sent_at")
        if sent_at is not None  # filtered above; says so to the type checker
    )
    if len(late) < 2:
        value = late[0] if late else None
        return {"count": len(late), "p50": value, "p95": value}
    cuts = statistics.quantiles(late, n=100, method="inclusive")
    return {"count": len(late), "p50": cuts[49], "p95": cuts[94]}


# --- the daily digest --------------------------------------------------------------------------


def digest_schedule(*, now: dt.datetime | None = None) -> int:
    """Once a day, at each property's digest hour, queue a digest for each guest relations manager."""
    now = now or timezone.now()
    created = 0
    for prop in Property.objects.active():
        setting = DigestSetting.objects.filter(property=prop).first()
        hour, enabled = (setting.hour, setting.enabled) if setting else (8, True)
        local = timezone.localtime(now, prop.tzinfo)
        if not enabled or local.hour < hour:
            continue
        grms = (
            get_user_model()
            .objects.filter(
                is_active=True,
                memberships__property=prop,
                memberships__role__name=roles.GUEST_RELATIONS_MANAGER,
            )
            .distinct()
        )
        rows = [
            Reminder(
                property=prop,
                kind=ReminderKind.DIGEST,
                subject="digest",
                recipient=user,
                due_at=now,
                idempotency_key=f"digest:{prop.pk}:{local.date().isoformat()}:{user.pk}",
            )
            for user in grms
        ]
        # bulk_create(ignore_conflicts=True) returns every row given, created or not: count the new ones.
        queued = set(
            Reminder.objects.filter(idempotency_key__in=[r.idempotency_key for r in rows]).values_list(
                "idempotency_key", flat=True
            )
        )
        rows = [r for r in rows if r.idempotency_key not in queued]
        created += len(Reminder.objects.bulk_create(rows, ignore_conflicts=True))
    return created


def digest_content(prop: Property, now: dt.datetime, *, user=None) -> dict:
    """The digest: open and overdue cases, to verify before departures today, yesterday's verdicts.

    The open count covers every case; the lists name only cases `user` may see (when given).
    """
    today = prop.today(now)
    yesterday_start, yesterday_end = prop.day_bounds(today - dt.timedelta(days=1))
    every_case = Complaint.objects.for_property(prop)
    cases = (every_case if user is None else complaints_visible_to(user=user, property=prop)).select_related(
        "guest", "stay"
    )
    open_count = every_case.filter(status__in=[s.value for s in OPEN]).count()
    open_cases = cases.filter(status__in=[s.value for s in OPEN])
    overdue = open_cases.filter(
        Q(step_due_at__lt=now) | Q(actions__done_at__isnull=True, actions__due_at__lt=now)
    )
    departing = open_cases.filter(stay__departure_date=today, stay__status=StayStatus.IN_HOUSE)
    verified = cases.filter(verified_at__gte=yesterday_start, verified_at__lt=yesterday_end)
    return {
        "open": open_count,
        "overdue": list(overdue.distinct().order_by("step_due_at")[:50]),
        "departing": list(departing.order_by("reference")[:50]),
        "recovered": list(verified.filter(verdict=Verdict.VERY_SATISFIED)[:50]),
        "ok": list(verified.filter(verdict=Verdict.SATISFIED)[:50]),
    }


def digest_text(reminder: Reminder) -> tuple[str, str, str]:
    prop = reminder.property
    content = digest_content(prop, reminder.due_at, user=reminder.recipient)
    title = _(
        "Daily digest %(hotel)s: %(open)d open, %(overdue)d overdue, %(departing)d to verify before "
        "departure today, yesterday %(recovered)d recovered and %(ok)d only OK."
    ) % {
        "hotel": prop.code,
        "open": content["open"],
        "overdue": len(content["overdue"]),
        "departing": len(content["departing"]),
        "recovered": len(content["recovered"]),
        "ok": len(content["ok"]),
    }
    lines = [title, ""]
    for label, key in (
        (_("Overdue"), "overdue"),
        (_("Verify before the guest departs today"), "departing"),
        (_("Only OK yesterday (a flaw)"), "ok"),
        (_("Recovered yesterday"), "recovered"),
    ):
        lines.append(f"{label}:")
        lines += [f"  {c.reference} — {c.complainant()}" for c in content[key]] or ["  —"]
    return title, "\n".join(lines), "/complaints/?overdue=on"
