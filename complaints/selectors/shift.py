"""Reads for the shift: shift times, the duty log, handovers, arrival briefings and the "my shift" page.

Every read is scoped to one property and to the viewer: cases through `complaints_visible_to`, log
entries through `log_entries_visible_to` (the sensitive-case rule, ADR 0009). Query counts are fixed:
each list is one query, and a briefing for any number of stays takes four.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from complaints import shifts
from complaints.models import (
    OPEN_CONDITION,
    ApprovalRequest,
    Complaint,
    ComplaintEvent,
    DutyLogEntry,
    FollowUpAction,
    Handover,
    Offer,
    OfferStatus,
    Shift,
)
from complaints.selectors.access import SENSITIVE_PERMISSION, complaints_visible_to, has_perm_at
from complaints.selectors.approvals import pending_approvals, requests_visible_to
from complaints.selectors.courtesy import stays_not_yet_asked
from complaints.workflow import Verdict
from guests.models import Guest, GuestPreference, LoyaltyTier, Stay, StayStatus, VipLevel
from hotel_crm.models import Property

LIST_CAP = 50
# Each list on "my shift" shows this many, a staff member's default page size (issue #22): the page is
# a start page, not the whole backlog; a longer list says so ("25+") and links to where it all is.
SHIFT_CAP = 25
MANAGER_PERMISSION = "complaints.view_all_complaints"
SUMMARY_CAP = 100
# A handover written within this long of a shift's start is the handover of the shift that just ended.
HANDOVER_GRACE = dt.timedelta(minutes=60)


# --- shift times -----------------------------------------------------------------------------


def shift_specs(prop: Property) -> tuple[shifts.ShiftSpec, ...]:
    """The property's active shifts (one query), or the default 07–15, 15–23, 23–07."""
    rows = Shift.objects.for_property(prop).filter(is_active=True).order_by("starts_at")
    specs = tuple(shifts.ShiftSpec(r.code, r.name_en, r.name_zh, r.starts_at) for r in rows)
    return specs or shifts.DEFAULT_SHIFTS


@dataclass(frozen=True)
class ShiftNow:
    current: shifts.ShiftWindow
    next: shifts.ShiftWindow
    previous: shifts.ShiftWindow


def shift_now(prop: Property, now: dt.datetime | None = None) -> ShiftNow:
    """The shift in progress at `prop`, the next one and the one before (one query)."""
    specs = shift_specs(prop)
    current = shifts.shift_at(specs, prop.tzinfo, now or timezone.now())
    return ShiftNow(
        current=current,
        next=shifts.shift_after(specs, prop.tzinfo, current),
        previous=shifts.shift_before(specs, prop.tzinfo, current),
    )


def shift_to_hand_over(
    prop: Property, now: dt.datetime | None = None
) -> tuple[shifts.ShiftWindow, shifts.ShiftWindow]:
    """The shift a handover written now is for, and the shift that receives it.

    The shift in progress, unless it began less than HANDOVER_GRACE ago: a clerk who hands over a
    few minutes after their shift ended hands over the shift that just ended.
    """
    now = now or timezone.now()
    state = shift_now(prop, now)
    if now - state.current.start < HANDOVER_GRACE:
        return state.previous, state.current
    return state.current, state.next


# --- the duty log ----------------------------------------------------------------------------


def log_entries_visible_to(*, user: User | AnonymousUser, prop: Property) -> QuerySet[DutyLogEntry]:
    """The duty log entries of `prop` that `user` may read: the sensitive-case rule, applied to entries.

    An entry about a case is seen only by those who see the case. A sensitive entry (marked so,
    or about a case in a sensitive category) is seen by the roles that see sensitive cases (guest
    relations managers), its writer, and the staff involved in its sensitive case.
    """
    visible = complaints_visible_to(user=user, property=prop)
    entries = DutyLogEntry.objects.for_property(prop)
    about_visible_case = Q(complaint__isnull=True) | Q(complaint__in=visible.values("pk"))
    if has_perm_at(user, prop, SENSITIVE_PERMISSION):
        return entries.filter(about_visible_case)
    involved = visible.filter(category__is_sensitive=True).values("pk")
    return entries.filter(
        Q(is_sensitive=False) & about_visible_case
        | Q(is_sensitive=True) & (Q(author_id=user.pk) | Q(complaint__in=involved))
    )


@dataclass
class LogFilters:
    q: str = ""
    category: str = ""
    day: dt.date | None = None
    shift: str = ""
    mine: bool = False


def duty_log(
    *, user: User | AnonymousUser, prop: Property, filters: LogFilters | None = None
) -> QuerySet[DutyLogEntry]:
    """The log, newest first, with its filters: text, category, local day, shift of that day, own entries."""
    filters = filters or LogFilters()
    entries = log_entries_visible_to(user=user, prop=prop).select_related(
        "author", "complaint", "guest", "room", "stay__room", "corrects"
    )
    if filters.q:
        entries = entries.filter(text__icontains=filters.q)
    if filters.category:
        entries = entries.filter(category=filters.category)
    if filters.mine:
        entries = entries.filter(author_id=user.pk)
    if filters.day is not None:
        if filters.shift:
            spec = next((s for s in shift_specs(prop) if s.code == filters.shift), None)
            if spec is not None:
                start = dt.datetime.combine(filters.day, spec.starts, tzinfo=prop.tzinfo)
                window = shifts.shift_at(shift_specs(prop), prop.tzinfo, start)
                entries = entries.filter(at__gte=window.start, at__lt=window.end)
            else:
                entries = entries.none()
        else:
            start, end = prop.day_bounds(filters.day)
            entries = entries.filter(at__gte=start, at__lt=end)
    return entries.order_by("-at", "-pk")


# --- arrival briefings -----------------------------------------------------------------------


@dataclass
class PastCase:
    complaint: Complaint
    compensation: list[Offer] = field(default_factory=list)

    @property
    def compensation_total(self) -> Decimal:
        return sum((o.value for o in self.compensation), start=Decimal("0"))


@dataclass
class Briefing:
    """What the desk should know before greeting the guest (only from cases the viewer may see)."""

    guest: Guest
    stay: Stay | None
    past_cases: list[PastCase]
    preferences: list[GuestPreference]
    completed_stays: int

    @property
    def tier(self) -> LoyaltyTier:
        return LoyaltyTier.for_stays(self.completed_stays)

    @property
    def vip(self) -> bool:
        return self.guest.vip_level > VipLevel.NONE

    @property
    def returning_complainant(self) -> bool:
        return bool(self.past_cases)

    @property
    def last_verdict_case(self) -> Complaint | None:
        return next((p.complaint for p in self.past_cases if p.complaint.verdict), None)

    @property
    def recovered_last_time(self) -> bool:
        """The last case with a verdict ended "very satisfied": welcome them back warmly (75% return)."""
        last = self.last_verdict_case
        return last is not None and last.verdict == Verdict.VERY_SATISFIED

    @property
    def flagged(self) -> bool:
        return self.vip or self.returning_complainant

    @property
    def compensation_total(self) -> Decimal:
        return sum((p.compensation_total for p in self.past_cases), start=Decimal("0"))

    @property
    def avoid(self) -> list[str]:
        """Rooms and places the guest complained about (unless the case ended "very satisfied")."""
        seen: list[str] = []
        for past in self.past_cases:
            case = past.complaint
            if case.verdict == Verdict.VERY_SATISFIED:
                continue
            label = str(case.room.number) if case.room_id and case.room else str(case.get_area_display())
            if case.location_detail:
                label = f"{label} ({case.location_detail})"
            if label not in seen:
                seen.append(label)
        return seen


@dataclass
class _GuestFacts:
    cases: dict[int, list[PastCase]]
    preferences: dict[int, list[GuestPreference]]
    completed: dict[int, int]


def _guest_facts(*, user: User | AnonymousUser, prop: Property, guest_ids: set[int]) -> _GuestFacts:
    """Past cases (that `user` may see), compensation, preferences and completed stays: four queries."""
    cases = list(
        complaints_visible_to(user=user, property=prop)
        .filter(guest_id__in=guest_ids)
        .select_related("category", "department", "room")
        .order_by("-reported_at", "-pk")[:500]
    )
    offers: dict[int, list[Offer]] = defaultdict(list)
    accepted = Offer.objects.filter(complaint__in=[c.pk for c in cases], status=OfferStatus.ACCEPTED)
    for offer in accepted.order_by("pk"):
        offers[offer.complaint_id].append(offer)
    by_guest: dict[int, list[PastCase]] = defaultdict(list)
    for case in cases:
        assert case.guest_id is not None
        by_guest[case.guest_id].append(PastCase(case, offers.get(case.pk, [])))
    preferences: dict[int, list[GuestPreference]] = defaultdict(list)
    for pref in GuestPreference.objects.filter(guest_id__in=guest_ids):
        preferences[pref.guest_id].append(pref)
    completed = dict(
        Stay.objects.filter(guest_id__in=guest_ids, status=StayStatus.CHECKED_OUT)
        .values_list("guest")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _GuestFacts(by_guest, preferences, completed)


def briefings_for(*, user: User | AnonymousUser, prop: Property, stays: list[Stay]) -> dict[int, Briefing]:
    """A briefing per stay (by stay id), in four queries however many stays; cases the viewer may see only."""
    guest_ids = {stay.guest_id for stay in stays}
    if not guest_ids:
        return {}
    facts = _guest_facts(user=user, prop=prop, guest_ids=guest_ids)
    return {
        stay.pk: Briefing(
            guest=stay.guest,
            stay=stay,
            # Cases of this very stay are not "past".
            past_cases=[p for p in facts.cases.get(stay.guest_id, []) if p.complaint.stay_id != stay.pk],
            preferences=facts.preferences.get(stay.guest_id, []),
            completed_stays=facts.completed.get(stay.guest_id, 0),
        )
        for stay in stays
    }


def guest_briefing(*, user: User | AnonymousUser, prop: Property, guest: Guest) -> Briefing:
    """The briefing on the guest's profile: every earlier case here `user` may see (five queries)."""
    stay = (
        Stay.objects.for_property(prop)
        .filter(guest=guest, status__in=[StayStatus.IN_HOUSE, StayStatus.RESERVED])
        .select_related("room")
        .order_by("arrival_date", "pk")
        .first()
    )
    facts = _guest_facts(user=user, prop=prop, guest_ids={guest.pk})
    return Briefing(
        guest=guest,
        stay=stay,
        past_cases=[
            p for p in facts.cases.get(guest.pk, []) if stay is None or p.complaint.stay_id != stay.pk
        ],
        preferences=facts.preferences.get(guest.pk, []),
        completed_stays=facts.completed.get(guest.pk, 0),
    )


def arrivals_today(*, prop: Property, today: dt.date | None = None) -> QuerySet[Stay]:
    """Reservations arriving today (or late and still expected) not yet checked in, VIPs first."""
    today = today or prop.today()
    return (
        Stay.objects.for_property(prop)
        .filter(status=StayStatus.RESERVED, arrival_date__lte=today, departure_date__gt=today)
        .select_related("guest", "room")
        .order_by("-guest__vip_level", "room__number", "pk")
    )


def arrival_briefings(
    *, user: User | AnonymousUser, prop: Property, today: dt.date | None = None, flagged_only: bool = False
) -> list[Briefing]:
    """Today's arrivals with their briefing (flagged guests first), capped at LIST_CAP."""
    stays = list(arrivals_today(prop=prop, today=today)[: LIST_CAP * 4])
    briefings = briefings_for(user=user, prop=prop, stays=stays)
    result = [briefings[s.pk] for s in stays]
    if flagged_only:
        result = [b for b in result if b.flagged]
    result.sort(key=lambda b: not b.flagged)  # stable: VIP order kept within each group
    return result[:LIST_CAP]


# --- handovers -------------------------------------------------------------------------------


def handover_summary(
    *, prop: Property, window: shifts.ShiftWindow, incoming: shifts.ShiftWindow, now: dt.datetime
) -> dict[str, list[int]]:
    """What a handover names, as ids: every case of the hotel (pages filter by the reader's access)."""
    cases = Complaint.objects.for_property(prop)
    until = min(now, window.end)
    opened = list(
        cases.filter(created_at__gte=window.start, created_at__lt=until)
        .order_by("pk")
        .values_list("pk", flat=True)[:SUMMARY_CAP]
    )
    closed = list(
        cases.filter(closed_at__gte=window.start, closed_at__lt=until)
        .order_by("pk")
        .values_list("pk", flat=True)[:SUMMARY_CAP]
    )
    moved = list(
        ComplaintEvent.objects.filter(complaint__property=prop, at__gte=window.start, at__lt=until)
        .exclude(to_status="")
        .exclude(complaint__in=opened + closed)
        .order_by("complaint")
        .values_list("complaint", flat=True)
        .distinct()[:SUMMARY_CAP]
    )
    steps_due = list(
        cases.filter(OPEN_CONDITION, step_due_at__lt=incoming.end)
        .order_by("step_due_at", "pk")
        .values_list("pk", flat=True)[:SUMMARY_CAP]
    )
    actions_due = list(
        FollowUpAction.objects.filter(complaint__property=prop, done_at__isnull=True, due_at__lt=incoming.end)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:SUMMARY_CAP]
    )
    approvals = list(
        ApprovalRequest.objects.for_property(prop)
        .filter(state=ApprovalRequest.State.PENDING)
        .order_by("requested_at")
        .values_list("pk", flat=True)[:SUMMARY_CAP]
    )
    first_day, last_day = window.start.date(), incoming.end.astimezone(prop.tzinfo).date()
    stays = Stay.objects.for_property(prop).filter(
        Q(status=StayStatus.RESERVED, arrival_date__gte=first_day, arrival_date__lte=last_day)
        | Q(status=StayStatus.IN_HOUSE, departure_date__gte=first_day, departure_date__lte=last_day)
    )
    # Stays that may be flagged: a VIP, or a guest with any case at this hotel. The summary is one for
    # every reader, so it names sensitive cases' guests too; handover_view keeps only the stays whose
    # briefing is flagged for the reader (the cases they may see).
    flagged = stays.filter(
        Q(guest__vip_level__gt=VipLevel.NONE) | Q(guest__complaints__property=prop)
    ).distinct()
    stay_ids = list(flagged.order_by("pk").values_list("pk", flat=True)[:SUMMARY_CAP])
    entries = list(
        DutyLogEntry.objects.for_property(prop)
        .filter(at__gte=window.start, at__lt=max(until, now))
        .order_by("at", "pk")
        .values_list("pk", flat=True)[:SUMMARY_CAP]
    )
    return {
        "opened": opened,
        "moved": moved,
        "closed": closed,
        "steps_due": steps_due,
        "actions_due": actions_due,
        "approvals": approvals,
        "stays": stay_ids,
        "entries": entries,
    }


@dataclass
class HandoverView:
    """A handover as one reader sees it: only what the access rule lets them read."""

    handover: Handover
    opened: list[Complaint]
    moved: list[Complaint]
    closed: list[Complaint]
    steps_due: list[Complaint]
    actions_due: list[FollowUpAction]
    approvals: list[ApprovalRequest]
    arrivals: list[Briefing]
    departures: list[Briefing]
    entries: list[DutyLogEntry]


def handover_view(*, handover: Handover, user: User | AnonymousUser) -> HandoverView:
    """The handover's summary re-read through `user`'s access (fixed query count)."""
    prop = handover.property
    s = handover.summary or {}
    visible = complaints_visible_to(user=user, property=prop)
    case_ids = {*s.get("opened", []), *s.get("moved", []), *s.get("closed", []), *s.get("steps_due", [])}
    cases = {c.pk: c for c in visible.filter(pk__in=case_ids).select_related("guest", "room", "assignee")}
    actions = list(
        FollowUpAction.objects.filter(pk__in=s.get("actions_due", []), complaint__in=visible.values("pk"))
        .select_related("complaint__guest", "assignee", "department")
        .order_by("due_at", "pk")
    )
    # Offers on cases the reader sees, decisions on problems if they see problems (as on the approvals page).
    approvals = list(
        requests_visible_to(prop=prop, user=user)
        .filter(pk__in=s.get("approvals", []))
        .select_related("offer__complaint__guest", "problem", "requested_by")
        .order_by("requested_at")
    )
    stays = list(
        Stay.objects.for_property(prop)
        .filter(pk__in=s.get("stays", []))
        .select_related("guest", "room")
        .order_by("room__number", "pk")
    )
    briefings = briefings_for(user=user, prop=prop, stays=stays)
    flagged = [stay for stay in stays if briefings[stay.pk].flagged]
    entries = list(
        log_entries_visible_to(user=user, prop=prop)
        .filter(pk__in=s.get("entries", []))
        .select_related("author", "complaint", "guest", "room", "stay__room")
        .order_by("at", "pk")
    )

    def pick(key: str) -> list[Complaint]:
        return [cases[pk] for pk in s.get(key, []) if pk in cases]

    return HandoverView(
        handover=handover,
        opened=pick("opened"),
        moved=pick("moved"),
        closed=pick("closed"),
        steps_due=pick("steps_due"),
        actions_due=actions,
        approvals=approvals,
        arrivals=[briefings[x.pk] for x in flagged if x.status == StayStatus.RESERVED],
        departures=[briefings[x.pk] for x in flagged if x.status != StayStatus.RESERVED],
        entries=entries,
    )


def handovers(*, prop: Property) -> QuerySet[Handover]:
    return (
        Handover.objects.for_property(prop)
        .select_related("from_user", "to_user", "acknowledged_by")
        .order_by("-created_at", "-pk")
    )


def unread_handovers(*, user: User | AnonymousUser, prop: Property) -> QuerySet[Handover]:
    """Handovers not yet acknowledged that `user` should read (never their own).

    Managers of the hotel (duty managers, guest relations managers) see every one; others those
    addressed to them or to whoever comes on next.
    """
    waiting = handovers(prop=prop).filter(acknowledged_at__isnull=True).exclude(from_user_id=user.pk)
    if has_perm_at(user, prop, MANAGER_PERMISSION):
        return waiting
    return waiting.filter(Q(to_user__isnull=True) | Q(to_user_id=user.pk))


# --- the "my shift" page ---------------------------------------------------------------------


@dataclass
class MyShift:
    shift: ShiftNow
    due_cases: list[Complaint]
    due_actions: list[FollowUpAction]
    overdue_cases: list[Complaint]
    overdue_actions: list[FollowUpAction]
    approvals: list[ApprovalRequest]
    departures: list[Complaint]
    arrivals: list[Briefing]
    not_asked: list[Stay]
    last_handover: Handover | None
    unread_handovers: list[Handover]
    # The sections that had more than SHIFT_CAP rows ("due", "overdue", "departures", "not_asked",
    # "approvals", "arrivals"): their count reads "25+" and they link to the full list.
    more: set[str]
    cap: int = SHIFT_CAP


def my_shift(*, user: User, prop: Property, now: dt.datetime | None = None) -> MyShift:
    """Everything the shift must act on, the viewer's own first; a fixed number of queries."""
    now = now or timezone.now()
    state = shift_now(prop, now)
    today = prop.today(now)
    visible = complaints_visible_to(user=user, property=prop)
    open_cases = visible.filter(OPEN_CONDITION).select_related("guest", "room", "stay", "assignee")

    more: set[str] = set()

    def capped(section: str, *parts: Iterable[Any]) -> list[list[Any]]:
        """Each part (fetched with one row beyond the cap) cut to the cap; the section noted if longer."""
        rows = [list(part) for part in parts]
        if any(len(part) > SHIFT_CAP for part in rows):
            more.add(section)
        return [part[:SHIFT_CAP] for part in rows]

    # Due this shift: the viewer's own first, each part in due order. Sorted so in the query, before
    # the cap: with 26 of the team's due earlier, cutting first would leave the viewer's own out.
    own_first = Case(When(assignee_id=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField())

    fetch = SHIFT_CAP + 1
    actions = FollowUpAction.objects.filter(
        complaint__in=visible.filter(OPEN_CONDITION).values("pk"), done_at__isnull=True
    )

    def first_actions(
        rows: QuerySet[FollowUpAction], *, mine_first: bool = False
    ) -> QuerySet[FollowUpAction]:
        """The first actions by due time (the viewer's own first if asked), chosen on the narrow rows,
        then loaded with what they show.

        In one query, but the wide joins (case, guest, department, assignee) come after the LIMIT: at a
        million cases, thousands of overdue actions were joined first and sorted after (0.1 s).
        """
        order = ("own", "due_at", "pk") if mine_first else ("due_at", "pk")
        chosen = rows.annotate(own=own_first).order_by(*order).values("pk")[:fetch]
        return (
            FollowUpAction.objects.filter(pk__in=chosen)
            .annotate(own=own_first)
            .select_related("complaint__guest", "assignee", "department")
            .order_by(*order)
        )

    due_cases, due_actions = capped(
        "due",
        open_cases.filter(step_due_at__gte=now, step_due_at__lt=state.current.end)
        .annotate(own=own_first)
        .order_by("own", "step_due_at", "pk")[:fetch],
        first_actions(actions.filter(due_at__gte=now, due_at__lt=state.current.end), mine_first=True),
    )
    overdue_cases, overdue_actions = capped(
        "overdue",
        open_cases.filter(step_due_at__lt=now).order_by("step_due_at", "pk")[:fetch],
        first_actions(actions.filter(due_at__lt=now)),
    )
    approvals = (
        [a for a in pending_approvals(prop=prop, user=user) if a.can_decide]
        if has_perm_at(user, prop, "complaints.view_approvalrequest")
        else []
    )
    (departures,) = capped(
        "departures",
        open_cases.filter(stay__status=StayStatus.IN_HOUSE, stay__departure_date__lte=today).order_by(
            "stay__departure_date", "pk"
        )[:fetch],
    )
    (not_asked,) = capped("not_asked", stays_not_yet_asked(prop=prop)[:fetch])
    (approvals,) = capped("approvals", approvals)
    (arrivals,) = capped("arrivals", arrival_briefings(user=user, prop=prop, today=today))
    recent = list(handovers(prop=prop)[:1])
    return MyShift(
        shift=state,
        due_cases=due_cases,
        due_actions=due_actions,
        overdue_cases=overdue_cases,
        overdue_actions=overdue_actions,
        approvals=approvals,
        departures=departures,
        arrivals=arrivals,
        not_asked=not_asked,
        last_handover=recent[0] if recent else None,
        unread_handovers=list(unread_handovers(user=user, prop=prop)[:10]),
        more=more,
    )
