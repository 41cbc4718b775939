"""Demo departments, categories and complaint cases in every step of the cycle; and the whole demo.

Cases go through the real services, so every timeline is what the app itself
would have written. Loaded once: skipped if the demo hotel already has cases.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from complaints import services
from complaints.channels.demo import load_demo_channels
from complaints.models import (
    AuthorityLimit,
    Category,
    Complaint,
    CourtesyCheck,
    CourtesyOutcome,
    Department,
    Handover,
    LogCategory,
    PreventionRule,
    ProblemGrouping,
    ProblemScope,
    ProblemTrigger,
    Remedy,
    Shift,
)
from complaints.selectors import shift_now
from complaints.services import ComplaintInput
from complaints.workflow import Verdict
from guests.demo import load_demo_guests
from guests.models import Stay, StayStatus
from hotel_crm.demo import load_demo_properties, load_demo_staff
from hotel_crm.models import Property
from rooms.demo import load_demo_rooms
from rooms.models import Room

DEPARTMENTS = [
    (
        "front-office",
        "Front Office",
        "前厅",
        [
            ("Slow check-in or check-out", "入住或退房慢"),
            ("Reservation error", "预订错误"),
            ("Room not ready", "房间未准备好"),
            ("Staff attitude", "员工态度"),
        ],
    ),
    (
        "housekeeping",
        "Housekeeping",
        "客房",
        [
            ("Room not clean", "房间不干净"),
            ("Missing amenities", "客用品缺少"),
            ("Linen and towels", "布草毛巾"),
            ("Minibar not restocked", "小酒吧未补充"),
        ],
    ),
    (
        "fnb",
        "Food & Beverage",
        "餐饮",
        [
            ("Food quality", "食品质量"),
            ("Slow service", "服务慢"),
            ("Wrong order", "上错菜"),
            ("Room service delay", "送餐服务延误"),
        ],
    ),
    (
        "engineering",
        "Engineering",
        "工程",
        [
            ("Air conditioning", "空调"),
            ("Plumbing or leak", "水管漏水"),
            ("TV or Wi-Fi", "电视或网络"),
            ("Lighting", "照明"),
        ],
    ),
    (
        "security",
        "Security",
        "保安",
        [
            ("Noise from other guests", "其他客人噪音"),
            ("Lost property", "失物"),
            ("Safety concern", "安全问题"),
            ("Harassment", "骚扰"),
            ("Security incident", "安全事件"),
        ],
    ),
    (
        "concierge",
        "Concierge",
        "礼宾",
        [("Transport", "交通"), ("Luggage", "行李"), ("Wrong information", "信息错误")],
    ),
    (
        "recreation",
        "Recreation / Spa",
        "康乐",
        [
            ("Treatment quality", "理疗质量"),
            ("Pool or gym cleanliness", "泳池健身房卫生"),
            ("Booking problem", "预约问题"),
        ],
    ),
    (
        "finance",
        "Finance / Billing",
        "财务",
        [("Wrong charge", "收费错误"), ("Deposit or refund", "押金或退款"), ("Invoice (fapiao)", "发票")],
    ),
]


# Seen only by guest relations managers and the staff involved in the case (ADR 0009).
SENSITIVE_CATEGORIES = {"Safety concern", "Harassment", "Security incident"}

LIMITS = [  # role, per case, per business day (CNY)
    ("Front Desk", "500", "2000"),
    ("Duty Manager", "2000", "8000"),
    ("Guest Relations Manager", "5000", "20000"),
]
REMEDIES = [
    ("amenity", "Fruit basket", "水果篮", "150"),
    ("amenity", "Handwritten card and chocolates", "手写卡片和巧克力", "80"),
    ("fb_credit", "F&B credit", "餐饮抵用", "200"),
    ("upgrade", "Room upgrade", "房间升级", "800"),
    ("room_move", "Room move", "换房", "0"),
    ("rate_discount", "20% off the room rate", "房价八折", "300"),
    ("refund", "One night refunded", "退一晚房费", "1200"),
    ("amenity", "Spa voucher", "水疗券", "500"),
    ("apology_letter", "Apology letter from the GM", "总经理致歉信", "0"),
    ("repair", "Immediate repair", "立即维修", "0"),
]


def load_authority(prop: Property) -> None:
    for role, per_case, per_day in LIMITS:
        group = Group.objects.get(name=role)
        AuthorityLimit.objects.get_or_create(
            property=prop,
            role=group,
            user=None,
            defaults={"per_case": Decimal(per_case), "per_day": Decimal(per_day)},
        )
    for kind, en, zh, value in REMEDIES:
        Remedy.objects.get_or_create(
            property=prop, name_en=en, defaults={"kind": kind, "name_zh": zh, "default_value": Decimal(value)}
        )


def load_departments(prop: Property) -> None:
    for code, en, zh, categories in DEPARTMENTS:
        department, _ = Department.objects.get_or_create(
            property=prop, code=code, defaults={"name_en": en, "name_zh": zh}
        )
        for cat_en, cat_zh in categories:
            Category.objects.update_or_create(
                department=department,
                name_en=cat_en,
                defaults={"is_sensitive": cat_en in SENSITIVE_CATEGORIES},
                create_defaults={"name_zh": cat_zh, "is_sensitive": cat_en in SENSITIVE_CATEGORIES},
            )
    PreventionRule.objects.get_or_create(property=prop, defaults={"threshold": 3, "window_days": 30})


def _category(prop, department_code, name):
    return Category.objects.get(department__property=prop, department__code=department_code, name_en=name)


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Load the demo group layer by layer; return what was added (rooms per property, guests, cases)."""
    load_demo_properties()
    added = load_demo_rooms()
    load_demo_staff()
    added["guests"] = load_demo_guests()
    added["complaints"] = load_demo_complaints()
    load_demo_shift()
    load_demo_channels()  # the intake queue's demo messages (ADR 0020)
    return added


def load_demo_complaints() -> int:
    """Departments for every demo property, and a dozen cases at the demo hotel in every step."""
    for prop in Property.objects.filter(code__in=["SHA", "HGH"]):
        load_departments(prop)
        load_authority(prop)
    sha = Property.objects.get(code="SHA")
    if Complaint.objects.for_property(sha).exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["frontdesk", "grm"])}
    desk = _DemoDesk(
        sha=sha,
        clerk=users["frontdesk"],
        grm=users["grm"],
        departments={d.code: d for d in Department.objects.for_property(sha)},
        now=timezone.now(),
    )
    stays = list(
        Stay.objects.for_property(sha)
        .filter(status=StayStatus.IN_HOUSE)
        .select_related("guest", "room")
        .order_by("-guest__vip_level", "room__number")[:12]
    )
    for cases in (
        _early_cases,
        _cases_in_progress,
        _closed_cases,
        _recovered_case,
        _repeat_leak,
        _other_cases,
        _prevention,
    ):
        cases(desk, stays)
    return Complaint.objects.for_property(sha).count()


@dataclass
class _DemoDesk:
    """The demo hotel's desk at one moment: logs cases and takes their steps through the services."""

    sha: Property
    clerk: User
    grm: User
    departments: dict[str, Department]
    now: dt.datetime

    def log(
        self,
        stay,
        dept,
        category,
        words,
        *,
        severity="medium",
        mood="",
        guest_type="",
        kind="sincere",
        hours_ago=2,
        restated=True,
        actor=None,
        area="room",
        room=None,
        name="",
    ) -> Complaint:
        data = ComplaintInput(
            guest_words=words,
            department=self.departments[dept],
            category=_category(self.sha, dept, category),
            severity=severity,
            guest=stay.guest if stay else None,
            stay=stay,
            complainant_name=name,
            area=area,
            room=room,
            occurred_at=self.now - dt.timedelta(hours=hours_ago + 1),
            reported_at=self.now - dt.timedelta(hours=hours_ago),
            mood=mood,
            guest_type=guest_type,
            kind=kind,
            restated_confirmed=restated,
        )
        return services.complaint_log(prop=self.sha, actor=actor or self.clerk, data=data, now=self.now)

    def step(self, case, fn, **kwargs):
        case.refresh_from_db()
        return fn(
            complaint=case, actor=kwargs.pop("actor", self.clerk), expected_version=case.version, **kwargs
        )

    def resolve(self, case, remedy, text, value="0", *, accept=True, actor=None) -> None:
        offer = self.step(
            case,
            services.offer_make,
            remedy_type=remedy,
            description=text,
            value=Decimal(value),
            actor=actor or self.clerk,
        )
        self.step(
            case,
            services.offer_answer,
            offer_id=offer.pk,
            accepted=accept,
            response="" if accept else "Not enough, I was kept awake all night.",
        )


def _early_cases(desk: _DemoDesk, stays: list[Stay]) -> None:
    """Listening, apologising, and resolving with a declined first offer."""
    # 1 · Listening: an angry guest, just reported.
    desk.log(
        stays[0],
        "security",
        "Noise from other guests",
        "The party next door went on until 3 a.m. I have a board meeting this morning and I did not sleep.",
        severity="high",
        mood="angry",
        guest_type="agitated",
        kind="emotional",
        restated=False,
        hours_ago=0,
    )
    # 2 · Apologising.
    desk.log(
        stays[1],
        "housekeeping",
        "Room not clean",
        "There was hair in the bathtub when I arrived.",
        mood="tired",
        guest_type="demanding",
    )
    # 3 · Resolving: the first offer was declined; keep offering.
    case = desk.log(
        stays[2],
        "fnb",
        "Room service delay",
        "I ordered dinner at 8 and it arrived at 9:20, cold.",
        mood="impatient",
        guest_type="demanding",
        hours_ago=5,
    )
    desk.step(case, services.complaint_apologise, method="phone")
    desk.resolve(case, "fb_credit", "Dinner taken off the bill", "180", accept=False)
    # Beyond the clerk's 500 limit: waits for the duty manager or the GRM.
    desk.step(
        case,
        services.offer_make,
        remedy_type="refund",
        description="One night refunded",
        value=Decimal("1200"),
        reason="VIP guest, second problem this stay",
    )


def _cases_in_progress(desk: _DemoDesk, stays: list[Stay]) -> None:
    """Following up (overdue) and verifying."""
    # 4 · Following up: room move accepted; engineering must fix the AC (overdue).
    case = desk.log(
        stays[3],
        "engineering",
        "Air conditioning",
        "The air conditioning makes a loud rattling noise.",
        mood="tired",
        hours_ago=26,
    )
    desk.step(case, services.complaint_apologise, method="in_person")
    desk.resolve(case, "room_move", "Moved to a quiet room on the same floor")
    desk.step(
        case,
        services.action_add,
        description="Engineering to replace the fan motor in the original room",
        department=desk.departments["engineering"],
        due_at=desk.now + dt.timedelta(minutes=10),
    )
    # 5 · Verifying.
    case = desk.log(
        stays[4],
        "front-office",
        "Slow check-in or check-out",
        "I waited 25 minutes at the desk to check in.",
        mood="impatient",
        hours_ago=30,
    )
    desk.step(case, services.complaint_apologise, method="in_person")
    desk.resolve(case, "amenity", "Welcome fruit basket and executive lounge access for the stay")
    desk.step(case, services.complaint_request_verification)


def _closed_cases(desk: _DemoDesk, stays: list[Stay]) -> None:
    """Closed: very satisfied with a delight gesture, and a satisfied one with a flaw."""
    # 6 · Closed, very satisfied, with a delight gesture.
    case = desk.log(
        stays[5], "housekeeping", "Missing amenities", "No slippers and only one bathrobe.", hours_ago=40
    )
    desk.step(case, services.complaint_apologise, method="phone")
    desk.resolve(case, "amenity", "Slippers and second bathrobe delivered within 10 minutes")
    desk.step(case, services.complaint_request_verification)
    desk.step(case, services.complaint_verify, verdict=Verdict.VERY_SATISFIED, note="Thanked us twice.")
    services.complaint_record_delight(
        complaint=case, actor=desk.clerk, note="Handwritten card and chocolates sent up."
    )
    # 7 · Closed "OK": a flaw, kept visible.
    case = desk.log(stays[6], "fnb", "Food quality", "The breakfast eggs were overcooked.", hours_ago=50)
    desk.step(case, services.complaint_apologise, method="in_person")
    desk.resolve(case, "fb_credit", "Breakfast for two on the house")
    desk.step(case, services.complaint_request_verification)
    desk.step(case, services.complaint_verify, verdict=Verdict.SATISFIED, note="“It's fine.”")


def _recovered_case(desk: _DemoDesk, stays: list[Stay]) -> None:
    """Dissatisfied at first, then recovered by the guest relations manager."""
    # 8 · Dissatisfied, then recovered.
    case = desk.log(
        stays[7],
        "engineering",
        "TV or Wi-Fi",
        "Wi-Fi drops every few minutes; I cannot work.",
        severity="high",
        mood="angry",
        guest_type="agitated",
        hours_ago=60,
    )
    desk.step(case, services.complaint_apologise, method="in_person")
    desk.resolve(case, "repair", "Router on the floor restarted")
    desk.step(case, services.complaint_request_verification)
    desk.step(
        case, services.complaint_verify, verdict=Verdict.DISSATISFIED, note="Still dropping an hour later."
    )
    desk.resolve(
        case, "upgrade", "Upgrade to an executive-floor room with wired internet", "600", actor=desk.grm
    )
    desk.step(
        case,
        services.action_add,
        description="IT to check the floor's access point",
        department=desk.departments["engineering"],
        due_at=desk.now + dt.timedelta(hours=4),
    )
    case.refresh_from_db()
    services.action_complete(
        complaint=case,
        action_id=case.actions.get().pk,
        actor=desk.clerk,
        expected_version=case.version,
        note="Access point replaced; tested in the room.",
    )
    desk.step(case, services.complaint_request_verification)
    desk.step(
        case,
        services.complaint_verify,
        verdict=Verdict.VERY_SATISFIED,
        actor=desk.grm,
        note="Very happy with the new room.",
    )


def _repeat_leak(desk: _DemoDesk, stays: list[Stay]) -> None:
    """The same leak three times in one room: the third is a repeat."""
    # 9 · The same fault three times in room 2215: the third is a repeat and needs a diagnosis.
    leak_room = Room.objects.get(property=desk.sha, number="2215")
    for hours, words in (
        (400, "Water on the bathroom floor."),
        (200, "The shower is leaking again."),
        (3, "Still a puddle under the shower, third time."),
    ):
        case = desk.log(
            None,
            "engineering",
            "Plumbing or leak",
            words,
            area="room",
            room=leak_room,
            name="Guest of room 2215 (walk-in report)",
            hours_ago=hours,
        )
    desk.step(case, services.complaint_apologise, method="in_person")


def _other_cases(desk: _DemoDesk, stays: list[Stay]) -> None:
    """Withdrawn, a non-resident's, and a sensitive case the front desk does not see."""
    # 10 · Withdrawn.
    case = desk.log(
        stays[8], "concierge", "Transport", "The airport car was late.", restated=False, hours_ago=8
    )
    desk.step(
        case,
        services.complaint_withdraw,
        reason="The guest called back: the driver had waited at the other exit.",
    )
    # 11 · A non-resident in the restaurant.
    desk.log(
        None,
        "fnb",
        "Slow service",
        "We waited 40 minutes for our main course at the Chinese restaurant.",
        area="restaurant",
        name="Mr Zhou (restaurant guest, table 12)",
        mood="impatient",
        hours_ago=1,
    )
    # 12 · A sensitive category, logged by the guest relations manager: the front desk does not see it.
    desk.log(
        stays[10],
        "security",
        "Harassment",
        "A man followed me from the lift to my door twice last night.",
        severity="high",
        mood="timid",
        area="room",
        actor=desk.grm,
        hours_ago=5,
    )


def _prevention(desk: _DemoDesk, stays: list[Stay]) -> None:
    """Issue #20: air conditioning failing across rooms raises a problem; unacknowledged engineering
    work; some in-house guests asked how their stay is going (not all of them), and a compliment."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["engineer", "duty"])}
    engineering = desk.departments["engineering"]
    engineering.acknowledge_minutes = 15
    engineering.save(update_fields=["acknowledge_minutes"])
    if "engineer" in users:
        engineering.supervisors.add(users["engineer"])
        desk.departments["housekeeping"].supervisors.add(users["engineer"])
    # 13 · Five rooms within two weeks complain of the air conditioning (case 4 is one): one problem.
    ProblemTrigger.objects.get_or_create(
        property=desk.sha,
        scope=ProblemScope.ROOMS,
        group_by=ProblemGrouping.CATEGORY,
        defaults={"threshold": 5, "window_days": 14, "verification_days": 14},
    )
    for number, hours, words in (
        ("2306", 220, "The room is too warm at night; the air conditioning barely cools."),
        ("2411", 150, "Air conditioning blows warm air."),
        ("2512", 90, "It is 27 degrees in the room whatever I set."),
        ("2610", 20, "The air conditioning does not cool the room."),
    ):
        desk.log(
            None,
            "engineering",
            "Air conditioning",
            words,
            area="room",
            room=Room.objects.get(property=desk.sha, number=number),
            name=f"Guest of room {number}",
            mood="tired",
            hours_ago=hours,
        )
    problem = desk.sha.problems.order_by("pk").first()
    if problem is not None:
        services.problem_set_owner(
            problem=problem, actor=desk.grm, expected_version=problem.version, owner=desk.grm
        )
        problem.refresh_from_db()
        services.problem_record_root_cause(
            problem=problem,
            actor=desk.grm,
            expected_version=problem.version,
            root_cause=(
                "The chillers were switched to the autumn setting on 1 October while nights are still warm."
            ),
        )
        services.problem_request_decision(
            problem=problem,
            actor=desk.grm,
            question="Run the chillers on the summer setting two weeks longer",
            reason="Five rooms in two weeks; the energy cost is about 6,000 CNY.",
        )
    # 14 · Courtesy checks ("how is your stay?") with some in-house guests, not all: coverage below 100%.
    in_house = list(
        Stay.objects.for_property(desk.sha)
        .filter(status=StayStatus.IN_HOUSE)
        .select_related("guest")
        .order_by("pk")
    )
    for n, stay in enumerate(in_house[: max(1, len(in_house) * 2 // 3)]):
        outcome = CourtesyOutcome.MINOR if n % 5 == 0 else CourtesyOutcome.ALL_GOOD
        check = services.courtesy_check_log(
            prop=desk.sha,
            stay=stay,
            actor=desk.grm if n % 2 else desk.clerk,
            outcome=outcome,
            note="Asked for extra pillows; sent up."
            if outcome == CourtesyOutcome.MINOR
            else "Very comfortable.",
        )
        day = max(stay.arrival_date, desk.sha.today(desk.now) - dt.timedelta(days=n % 3))
        at = dt.datetime.combine(day, dt.time(15, 0), tzinfo=desk.sha.tzinfo)
        CourtesyCheck.objects.filter(pk=check.pk).update(checked_at=min(at, desk.now))
    if in_house:
        services.compliment_record(
            prop=desk.sha,
            actor=desk.clerk,
            praised=desk.clerk,
            words="Li Na remembered my name and my pillow from last year.",
            stay=in_house[0],
        )


# --- the shift (issue #19) ----------------------------------------------------------------------

DEMO_SHIFTS = [
    ("morning", "Morning", "早班", dt.time(7, 0)),
    ("evening", "Evening", "中班", dt.time(15, 0)),
    ("night", "Night", "夜班", dt.time(23, 0)),
]


def load_demo_shift() -> int:
    """Shift times for the demo hotels; at SHA a shift in progress with log entries, a handover
    waiting to be acknowledged, and two of today's arrivals who complained on an earlier stay
    (one recovered, one not). Loaded once: skipped if SHA already has a handover."""
    for prop in Property.objects.filter(code__in=["SHA", "HGH"]):
        for code, name_en, name_zh, starts in DEMO_SHIFTS:
            Shift.objects.get_or_create(
                property=prop,
                code=code,
                defaults={"name_en": name_en, "name_zh": name_zh, "starts_at": starts},
            )
    sha = Property.objects.get(code="SHA")
    if Handover.objects.for_property(sha).exists():
        return 0
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["frontdesk", "grm", "duty"])
    }
    desk = _DemoDesk(
        sha=sha,
        clerk=users["frontdesk"],
        grm=users["grm"],
        departments={d.code: d for d in Department.objects.for_property(sha)},
        now=timezone.now(),
    )
    arrivals = list(
        Stay.objects.for_property(sha)
        .filter(status=StayStatus.RESERVED, arrival_date=sha.today())
        .exclude(guest__complaints__isnull=False)
        .select_related("guest", "room")
        .order_by("room__number")[:2]
    )
    if len(arrivals) == 2:
        _returning_complainants(desk, arrivals)
    state = shift_now(sha, desk.now)
    in_progress = state.current.start + (desk.now - state.current.start) / 2
    before = state.current.start - dt.timedelta(minutes=40)
    case = Complaint.objects.for_property(sha).filter(category__is_sensitive=False).order_by("pk").first()
    # The previous shift's log, then the duty manager's handover of it, not yet acknowledged.
    services.duty_log_write(
        prop=sha,
        author=users["duty"],
        category=LogCategory.SECURITY,
        text="Fire door on floor 27 found propped open at 22:10; closed it and told Security.",
        now=before - dt.timedelta(hours=2),
    )
    services.duty_log_write(
        prop=sha,
        author=users["duty"],
        category=LogCategory.GUEST,
        text="Promised the guest a quiet room tomorrow; housekeeping to prepare it before noon.",
        complaint=case,
        now=before - dt.timedelta(hours=1),
    )
    services.handover_create(
        prop=sha,
        actor=users["duty"],
        notes="Two returning guests arrive today: see the briefing. Floor 27 fire door: watch it.",
        now=before + dt.timedelta(minutes=35),
    )
    # The shift in progress: what the desk has written so far.
    services.duty_log_write(
        prop=sha,
        author=users["frontdesk"],
        category=LogCategory.MAINTENANCE,
        text="Ice machine on floor 24 out of order; engineering informed.",
        now=in_progress,
    )
    services.duty_log_write(
        prop=sha,
        author=users["frontdesk"],
        category=LogCategory.HANDOVER,
        text="Airport car booked for tomorrow 06:00 for the guest in 3201.",
        now=in_progress + dt.timedelta(minutes=5),
    )
    return Handover.objects.for_property(sha).count()


def _returning_complainants(desk: _DemoDesk, arrivals: list[Stay]) -> None:
    """Give two of today's arrivals an earlier stay with a case: one recovered, one left unhappy."""
    rooms = list(Room.objects.for_property(desk.sha).order_by("number")[:2])
    plans = [
        (
            "engineering",
            "Air conditioning",
            "The air conditioning rattled all night; I could not sleep.",
            Verdict.VERY_SATISFIED,
            ("room_move", "Moved to a quiet corner room", "0"),
        ),
        (
            "housekeeping",
            "Room not clean",
            "Hair in the bathroom and the bin was not emptied.",
            Verdict.DISSATISFIED,
            ("fb_credit", "Dinner credit", "200"),
        ),
    ]
    for n, (arrival, room, plan) in enumerate(zip(arrivals, rooms, plans, strict=True)):
        dept, category, words, verdict, (remedy, text, value) = plan
        days = 45 + 30 * n
        earlier = Stay.objects.create(
            property=desk.sha,
            guest=arrival.guest,
            room=room,
            arrival_date=desk.sha.today() - dt.timedelta(days=days),
            departure_date=desk.sha.today() - dt.timedelta(days=days - 2),
            confirmation_number=f"SHA-RET{n + 1:03d}",
            status=StayStatus.CHECKED_OUT,
            checked_in_at=desk.now - dt.timedelta(days=days),
            checked_out_at=desk.now - dt.timedelta(days=days - 2),
        )
        case = desk.log(earlier, dept, category, words, hours_ago=24 * (days - 1), room=room)
        desk.step(case, services.complaint_apologise, method="in_person")
        desk.resolve(case, remedy, text, value)
        desk.step(case, services.complaint_request_verification)
        desk.step(case, services.complaint_verify, verdict=verdict, note="")
