"""A large, realistic data set for benchmarks and plan tests: guests, stays and cases, loaded by COPY.

`manage.py generate_data` calls `generate()`. PostgreSQL only. It adds to the demo
hotel group (loaded first if missing) and never changes what is there. Rows are
written in one transaction: the secondary indexes of the filled tables are
dropped first and recreated from their exact definitions at the end (faster
than maintaining them row by row); a failure rolls all of it back, indexes included.

Search tokens, romanised names and phone tokens come from the app's own
functions (guests.services.guest_search_tokens), with the pinyin lookups cached
per distinct name part.
"""

import bisect
import contextlib
import datetime as dt
import functools
import itertools
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import IO, cast

from django.db import connection, transaction

from complaints.demo import load_demo
from complaints.models import Category, Department, Remedy
from guests import names
from guests.models import Guest, Stay, StayStatus
from guests.services import guest_search_tokens
from hotel_crm.models import Property, StaffMembership
from rooms.models import Room

# Surnames by how common they are (most common first); weights fall off like Zipf's law.
CHINESE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
CHINESE_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕鹏辉斌宇浩凯健俊帆帅旭宁龙林欣怡"
    "佳琪梓涵子轩浩然雨萱一诺梦瑶晨思博文嘉宏志建国海波丹云飞雪梅春晓东亮成金鑫婷慧颖琳倩晶淑珍翠"
)
LATIN_SURNAMES = [
    "Smith",
    "Müller",
    "García",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Dubois",
    "Bernard",
    "Rossi",
    "Russo",
    "Ferrari",
    "Tanaka",
    "Suzuki",
    "Sato",
    "Kim",
    "Park",
    "Nguyen",
    "Ivanov",
    "Petrov",
    "Silva",
    "Santos",
    "O'Brien",
    "Kowalski",
    "Novák",
    "Andersson",
    "Johansson",
    "Dupont",
    "Lefèvre",
    "Moreau",
    "Costa",
    "Fernández",
    "Pérez",
    "Sánchez",
    "Romano",
    "Colombo",
    "Hoffmann",
]
LATIN_GIVEN = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Daniel",
    "Karen",
    "Anna",
    "Lukas",
    "Sophie",
    "Jonas",
    "Emma",
    "Léa",
    "Hugo",
    "Chloé",
    "Lucas",
    "Marie",
    "José",
    "Lucía",
    "Sofía",
    "Mateo",
    "Giulia",
    "Marco",
    "Yuki",
    "Haruto",
    "Min-jun",
    "Seo-yeon",
    "Olga",
    "Dmitri",
    "Ingrid",
    "Lars",
    "Piotr",
    "Zofia",
    "Ahmed",
    "Fatima",
    "Raj",
    "Priya",
]
RARE_SYLLABLES = ["ka", "ro", "vel", "min", "dor", "tas", "ib", "or", "ul", "zen", "bra", "quo", "fen", "wik"]
NATIONALITIES = ["US", "GB", "DE", "FR", "ES", "IT", "JP", "KR", "AU", "CA", "RU", "SG", "NL", "SE"]
GUEST_WORDS = [
    "空调不制冷,房间太热,晚上睡不着。",
    "房间里有烟味,我订的是无烟房。",
    "早餐的咖啡是凉的,服务员态度冷淡。",
    "淋浴水温忽冷忽热。",
    "隔壁房间太吵,凌晨两点还有人大声说话。",
    "入住等了四十分钟,前台只有一个人。",
    "账单上多收了一晚房费。",
    "The air conditioning rattles all night and the room is too warm.",
    "Housekeeping did not come today although I asked for the room to be made up.",
    "The bathroom drain is blocked and water is on the floor.",
    "I was charged for the minibar but did not take anything.",
    "The wifi keeps dropping; I have a video call for work tonight.",
    "My room was not ready at 3 pm and nobody told me when it would be.",
    "The restaurant forgot my allergy although it is on my profile.",
]
WEIGHTED_SEVERITIES = [("low", 30), ("medium", 45), ("high", 20), ("critical", 5)]
KINDS = ["", "sincere", "emotional", "opportunistic", "procedural"]
MOODS = ["", "impatient", "angry", "tired", "happy", "timid"]
GUEST_TYPES = ["", "demanding", "confused", "agitated"]
CHANNELS = ["in_person", "phone", "email", "review_site", "survey"]
PUBLIC_AREAS = ["lobby", "front_desk", "restaurant", "bar", "spa", "gym_pool", "car_park", "lifts_corridors"]
OPEN_STEPS = ["listening", "apologising", "resolving", "following_up", "verifying"]
# Events recorded on the way to each step: (kind, from, to).
PATH = [
    ("restated", "listening", "apologising"),
    ("apologised", "apologising", "resolving"),
    ("offer_accepted", "resolving", "following_up"),
    ("verification", "following_up", "verifying"),
    ("verified", "verifying", "closed"),
]

HOUR = 3600
DAY = 24 * HOUR


def _zipf(count: int, exponent: float = 0.9) -> list[float]:
    weights = [1 / (rank**exponent) for rank in range(1, count + 1)]
    total = 0.0
    cumulative = []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


def _ts(epoch: float) -> str:
    """A UTC timestamp for COPY, to the second (cheaper to format than isoformat())."""
    return "{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}+00".format(*time.gmtime(epoch)[:6])


def _text(value: str) -> str:
    """A value for COPY's text format (our generated text has no tabs or newlines; escape anyway)."""
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def timed(self, step: str, log: Callable[[str], None]):
        started = time.monotonic()
        yield
        self.seconds[step] = round(time.monotonic() - started, 1)
        log(f"  {step}: {self.seconds[step]} s")


@contextlib.contextmanager
def cached_pinyin() -> Iterator[None]:
    """Cache the pinyin lookups of guests.names per distinct name part while generating."""
    saved = names.romanise, names.pinyin_syllables
    names.romanise = functools.lru_cache(maxsize=None)(saved[0])
    names.pinyin_syllables = functools.lru_cache(maxsize=None)(saved[1])
    try:
        yield
    finally:
        names.romanise, names.pinyin_syllables = saved


class Copier:
    """Writes rows in COPY text format to a scratch file, then sends the file to one table.

    One connection runs one COPY at a time, so the rows of several tables, produced
    together, are spooled to files and loaded one table after the other.
    """

    file: IO[str]  # the scratch file, open between __enter__ and __exit__

    def __init__(self, cursor, table: str, columns: list[str]):
        self.cursor, self.table, self.columns = cursor, table, columns
        self.rows = 0

    def __enter__(self):
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")
        return self

    def row(self, values) -> None:
        self.file.write("\t".join(values))
        self.file.write("\n")
        self.rows += 1

    def __exit__(self, *exc):
        try:
            if not exc[0]:
                self.file.seek(0)
                with self.cursor.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
                    while chunk := self.file.read(1 << 20):
                        copy.write(chunk)
        finally:
            self.file.close()


def _next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (a name from BIG_TABLES)
    return cursor.fetchone()[0] + 1


def _advance_sequence(cursor, table: str) -> None:
    sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(MAX(id), 1)) FROM {table}"  # noqa: S608
    cursor.execute(sql)


BIG_TABLES = [
    "guests_guest",
    "guests_guestphone",
    "guests_stay",
    "complaints_complaint",
    "complaints_complaintevent",
    "complaints_offer",
    "complaints_followupaction",
    "complaints_reminder",
]


def _foreign_keys(cursor, tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, name, exact definition) of the foreign keys on `tables`."""
    cursor.execute(
        """
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
          FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
         WHERE c.contype = 'f' AND t.relname = ANY(%s)
         ORDER BY t.relname, c.conname
        """,
        [tables],
    )
    return cursor.fetchall()


def _secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(name, exact CREATE INDEX statement) of indexes that back no constraint."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(x.indexrelid)
          FROM pg_index x
          JOIN pg_class i ON i.oid = x.indexrelid
          JOIN pg_class t ON t.oid = x.indrelid
         WHERE t.relname = ANY(%s)
           AND NOT x.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
         ORDER BY t.relname, i.relname
        """,
        [tables],
    )
    return cursor.fetchall()


@dataclass
class PropertyData:
    prop: Property
    rooms: list[int]
    staff: list[int]
    categories: list[tuple[int, int]]  # (department, category)
    departments: list[int]
    remedies: list[tuple[int, str, str]]  # (id, kind, default value)
    stays_by_room: dict[int, list[tuple[float, float, int, int]]] = field(default_factory=dict)
    # room -> sorted [(arrival epoch, departure epoch, stay id, guest id)]


def _reference_numbers(cursor) -> dict[tuple[int, int], int]:
    """The highest reference number already used per (property, year)."""
    numbers: dict[tuple[int, int], int] = {}
    cursor.execute(
        "SELECT property_id, reference FROM complaints_complaint"
        " WHERE reference ~ '^[A-Z0-9]+-[0-9]{4}-[0-9]+$'"
    )
    for prop_id, reference in cursor.fetchall():
        _code, year, number = reference.rsplit("-", 2)
        key = (prop_id, int(year))
        numbers[key] = max(numbers.get(key, 0), int(number))
    return numbers


def _property_data(prop: Property) -> PropertyData:
    return PropertyData(
        prop=prop,
        rooms=list(Room.objects.filter(property=prop).order_by("pk").values_list("pk", flat=True)),
        staff=sorted(set(StaffMembership.objects.filter(property=prop).values_list("user_id", flat=True))),
        categories=list(
            Category.objects.filter(department__property=prop)
            .values_list("department_id", "pk")
            .order_by("pk")
        ),
        departments=list(
            Department.objects.filter(property=prop).values_list("pk", flat=True).order_by("pk")
        ),
        remedies=[
            (pk, kind, str(value))
            for pk, kind, value in Remedy.objects.filter(property=prop)
            .values_list("pk", "kind", "default_value")
            .order_by("pk")
        ],
    )


COMPLAINT_COLUMNS = [
    "id",
    "property_id",
    "reference",
    "guest_id",
    "stay_id",
    "complainant_name",
    "area",
    "room_id",
    "location_detail",
    "occurred_at",
    "reported_at",
    "people_involved",
    "department_id",
    "category_id",
    "severity",
    "kind",
    "mood",
    "guest_type",
    "guest_words",
    "channel",
    "owner_id",
    "assignee_id",
    "status",
    "restated_confirmed",
    "apologised_by_id",
    "apologised_via",
    "apologised_at",
    "verdict",
    "verdict_source",
    "verified_at",
    "is_repeat",
    "repeat_notice",
    "root_cause",
    "preventive_action",
    "withdrawn_reason",
    "step_due_at",
    "closed_at",
    "submission_key",
    "created_at",
    "updated_at",
    "version",
]
EVENT_COLUMNS = [
    "id",
    "complaint_id",
    "kind",
    "actor_id",
    "at",
    "from_status",
    "to_status",
    "note",
    "data",
]
OFFER_COLUMNS = [
    "id",
    "complaint_id",
    "remedy_type",
    "remedy_id",
    "description",
    "value",
    "currency",
    "status",
    "offered_by_id",
    "authorised_by_id",
    "business_day",
    "offered_at",
    "decided_at",
    "guest_response",
]
ACTION_COLUMNS = [
    "id",
    "complaint_id",
    "description",
    "department_id",
    "assignee_id",
    "due_at",
    "created_by_id",
    "created_at",
    "done_at",
    "done_by_id",
    "done_note",
]
REMINDER_COLUMNS = [
    "id",
    "property_id",
    "complaint_id",
    "action_id",
    "kind",
    "subject",
    "recipient_id",
    "due_at",
    "status",
    "attempts",
    "idempotency_key",
    "claimed_at",
    "lease_until",
    "sent_at",
    "last_error",
    "created_at",
]


N = "\\N"  # NULL in COPY's text format
# The repeat notice of a generated repeat case, as stored system text (hotel_crm.system_text).
REPEAT_NOTICE = (
    '{"key": "complaints.repeat", "params": {"count": 3, "category": {"en": "Noise", "zh": "噪音"}, '
    '"where": {"key": "complaints.area.room", "params": {}}, "days": 30}}'
)
SEVERITY_DRAWS = [s for s, w in WEIGHTED_SEVERITIES for _ in range(w)]
# The reminder a case in an open step has pending, by step.
REMINDER_SUBJECTS = {
    "listening": "apologise",
    "apologising": "apologise",
    "resolving": "resolve",
    "following_up": "follow_up",
    "verifying": "verify",
}


@dataclass
class _Case:
    """One generated case on its way to the COPY files ("\\N" is NULL)."""

    data: PropertyData
    id: int
    reference: str
    reported: float
    age: float
    status: str
    guest: str = N
    stay: str = N
    room: str = N
    complainant: str = ""
    area: str = ""
    department: int = 0
    category: int = 0
    owner: int = 0
    assignee: int = 0
    severity: str = ""
    words: str = ""
    reached: int | None = None
    events: list[tuple] = field(default_factory=list)
    offers: list[tuple] = field(default_factory=list)
    actions: list[tuple] = field(default_factory=list)
    apologised_by: str = N
    apologised_at: str = N
    apologised_via: str = ""
    verified_at: str = N
    closed_at: str = N
    step_due: str = N
    verdict: str = ""
    withdrawn_reason: str = ""
    last_change: float = 0.0
    repeat: bool = False


GUEST_COLUMNS = [
    "id",
    "family_name_cjk",
    "given_name_cjk",
    "family_name_latin",
    "given_name_latin",
    "romanised_name",
    "salutation",
    "nationality",
    "preferred_language",
    "email",
    "company",
    "vip_level",
    "preference_notes",
    "notes",
    "marketing_consent",
    "search_tokens",
    "created_at",
    "updated_at",
    "version",
]


STAY_COLUMNS = [
    "id",
    "property_id",
    "guest_id",
    "room_id",
    "arrival_date",
    "departure_date",
    "confirmation_number",
    "status",
    "checked_in_at",
    "checked_out_at",
    "adults",
    "notes",
    "created_at",
    "version",
]


class Generator:
    def __init__(self, *, guests: int, complaints: int, seed: int, years: int, log: Callable[[str], None]):
        self.n_guests, self.n_complaints, self.years = guests, complaints, years
        self.random = random.Random(seed)  # noqa: S311 (test data, reproducible from the seed)
        self.log = log
        self.report = Report()
        self.now = time.time()
        self.start = self.now - years * 365 * DAY

    # --- guests ---------------------------------------------------------------------------

    def _name(self) -> tuple[str, str, str, str, bool]:
        """(family cjk, given cjk, family latin, given latin, is Chinese)."""
        r = self.random
        if r.random() < 0.6:
            family = CHINESE_SURNAMES[bisect.bisect(self._cn_weights, r.random() * self._cn_weights[-1])]
            given = "".join(r.choice(CHINESE_GIVEN) for _ in range(1 if r.random() < 0.3 else 2))
            return family, given, "", "", True
        if r.random() < 0.25:  # a rare surname: made of syllables, few guests share it
            family = "".join(r.choice(RARE_SYLLABLES) for _ in range(3)).capitalize()
        else:
            family = LATIN_SURNAMES[bisect.bisect(self._latin_weights, r.random() * self._latin_weights[-1])]
        return "", "", family, r.choice(LATIN_GIVEN), False

    def _phone(self, chinese: bool) -> str:
        r = self.random
        if chinese or r.random() < 0.2:
            return f"+861{r.choice('3456789')}{r.randrange(10**9):09d}"
        return r.choice(
            [
                f"+1{r.randrange(201, 990)}{r.randrange(200, 999)}{r.randrange(10**4):04d}",
                f"+4915{r.randrange(10**9):09d}",
                f"+447{r.randrange(10**9):09d}",
            ]
        )

    def write_guests(self, cursor) -> None:
        self._cn_weights = _zipf(len(CHINESE_SURNAMES))
        self._latin_weights = _zipf(len(LATIN_SURNAMES))
        first_guest, first_phone = _next_id(cursor, "guests_guest"), _next_id(cursor, "guests_guestphone")
        self.guest_ids = range(first_guest, first_guest + self.n_guests)
        self.vip: set[int] = set()
        recent: list[tuple[str, str, str, str, bool]] = []
        phone_id = first_phone
        # Files are loaded as their `with` closes, innermost first: parents before children.
        with (
            cached_pinyin(),
            Copier(cursor, "guests_guestphone", ["id", "guest_id", "number", "label"]) as phones,
            Copier(cursor, "guests_guest", GUEST_COLUMNS) as guests,
        ):
            for index, guest_id in enumerate(self.guest_ids):
                row, numbers = self._guest_row(guest_id, self._guest_name(recent, index))
                guests.row(row)
                for number in numbers:
                    phones.row((str(phone_id), str(guest_id), number, "mobile"))
                    phone_id += 1
        self.report.counts["guests"] = self.n_guests
        self.report.counts["phones"] = phone_id - first_phone

    def _guest_name(self, recent: list, index: int) -> tuple[str, str, str, str, bool]:
        """~5% share the full name of an earlier guest (the duplicate check has work to do)."""
        r = self.random
        if recent and r.random() < 0.05:
            return r.choice(recent)
        name = self._name()
        if len(recent) < 5000:
            recent.append(name)
        else:
            recent[index % 5000] = name
        return name

    def _guest_row(self, guest_id: int, name: tuple) -> tuple[tuple, list[str]]:
        """The guest's COPY row and phone numbers."""
        r = self.random
        family_cjk, given_cjk, family_latin, given_latin, chinese = name
        numbers = [self._phone(chinese)] if r.random() < 0.92 else []
        if numbers and r.random() < 0.1:
            numbers.append(self._phone(chinese))
        romanised = names.romanised_name(family_cjk=family_cjk, given_cjk=given_cjk) if chinese else ""
        email = ""
        if r.random() < 0.7:
            local = (romanised or f"{given_latin} {family_latin}").lower()
            email = "".join(names.latin_words(local)) + f"{guest_id}@example.com"
        shape = SimpleNamespace(
            family_name_cjk=family_cjk,
            given_name_cjk=given_cjk,
            family_name_latin=family_latin,
            given_name_latin=given_latin,
            email=email,
        )
        # Only the five fields guest_search_tokens reads; a real Guest costs ~36 µs each, per row.
        tokens = guest_search_tokens(cast(Guest, shape), numbers)
        vip = 0
        roll = r.random()
        if roll < 0.042:
            vip = 1 if roll < 0.03 else (2 if roll < 0.04 else 3)
            self.vip.add(guest_id)
        created = _ts(self.start - r.random() * 3 * 365 * DAY)
        salutation = r.choice(["mr", "ms", ""])
        nationality = "CN" if chinese else r.choice(NATIONALITIES)
        row = (
            *(str(guest_id), family_cjk, given_cjk, _text(family_latin), given_latin, romanised),
            *(salutation, nationality, "zh-hans" if chinese else "en", email, "", str(vip), "", "", "f"),
            *(tokens, created, created, "1"),
        )
        return row, numbers

    # --- stays ----------------------------------------------------------------------------

    def write_stays(self, cursor, properties: list[PropertyData]) -> None:
        """Two years of stays in every room, back to back, never overlapping a stay already there."""
        r = self.random
        self._today = dt.date.today()
        first = _next_id(cursor, "guests_stay")
        ids = itertools.count(first)
        regulars = [r.choice(self.guest_ids) for _ in range(max(1, self.n_guests // 200))]
        with Copier(cursor, "guests_stay", STAY_COLUMNS) as out:
            for data in properties:
                taken: dict[int, list[tuple[dt.date, dt.date]]] = {}
                for room, arrival, departure in (
                    Stay.objects.filter(property=data.prop)
                    .exclude(status__in=[StayStatus.CANCELLED, StayStatus.NO_SHOW])
                    .values_list("room_id", "arrival_date", "departure_date")
                ):
                    taken.setdefault(room, []).append((arrival, departure))
                for room in data.rooms:
                    self._room_stays(out, data, room, taken.get(room, []), regulars, ids)
        self.report.counts["stays"] = next(ids) - first

    def _room_stays(self, out, data: PropertyData, room: int, taken: list, regulars: list, ids) -> None:
        """One room's stays, back to back from `years` ago to a month ahead, around those already there."""
        r = self.random
        today = self._today
        day = today - dt.timedelta(days=self.years * 365)
        stays = data.stays_by_room.setdefault(room, [])
        while day < today + dt.timedelta(days=30):
            arrival = day + dt.timedelta(days=r.choice([0, 0, 0, 1, 2]))
            departure = arrival + dt.timedelta(days=r.choice([1, 1, 2, 2, 3, 4, 7]))
            day = departure
            if any(a < departure and arrival < d for a, d in taken):
                continue
            guest = r.choice(regulars) if r.random() < 0.3 else r.choice(self.guest_ids)
            if departure <= today:
                status = StayStatus.CHECKED_OUT if r.random() < 0.95 else StayStatus.NO_SHOW
            elif arrival <= today:
                status = StayStatus.IN_HOUSE
            else:
                status = StayStatus.RESERVED
            arrive_at = dt.datetime.combine(arrival, dt.time(14), tzinfo=data.prop.tzinfo)
            leave_at = dt.datetime.combine(departure, dt.time(11), tzinfo=data.prop.tzinfo)
            checked_in = (
                arrive_at.isoformat() if status in (StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT) else N
            )
            checked_out = leave_at.isoformat() if status == StayStatus.CHECKED_OUT else N
            stay_id = next(ids)
            out.row(
                (
                    *(str(stay_id), str(data.prop.pk), str(guest), str(room)),
                    *(arrival.isoformat(), departure.isoformat(), f"G{stay_id:09d}", status),
                    *(checked_in, checked_out, str(r.choice([1, 1, 2])), ""),
                    *((arrive_at - dt.timedelta(days=20)).isoformat(), "1"),
                )
            )
            if status != StayStatus.NO_SHOW:
                stays.append((arrive_at.timestamp(), leave_at.timestamp(), stay_id, guest))

    # --- complaints -------------------------------------------------------------------------

    def write_complaints(self, cursor, properties: list[PropertyData]) -> None:
        r = self.random
        ids = {t: _next_id(cursor, t) for t in BIG_TABLES if t.startswith("complaints_")}
        firsts = dict(ids)
        # Reported times, oldest first: ids and per-year reference numbers then grow with time,
        # as when clerks log them (complaints.services.intake relies on that for its next reference number).
        shares = [0.92, 0.08] if len(properties) > 1 else [1.0]
        times = sorted(
            self.start + r.random() * (self.now - self.start - 60) for _ in range(self.n_complaints)
        )
        numbers = _reference_numbers(cursor)
        steps_seen = dict.fromkeys([*OPEN_STEPS, "closed", "withdrawn"], 0)
        with (
            Copier(cursor, "complaints_reminder", REMINDER_COLUMNS) as reminders,
            Copier(cursor, "complaints_followupaction", ACTION_COLUMNS) as actions,
            Copier(cursor, "complaints_offer", OFFER_COLUMNS) as offers,
            Copier(cursor, "complaints_complaintevent", EVENT_COLUMNS) as events,
            Copier(cursor, "complaints_complaint", COMPLAINT_COLUMNS) as complaints,
        ):
            out = SimpleNamespace(
                complaints=complaints, events=events, offers=offers, actions=actions, reminders=reminders
            )
            for reported in times:
                data = properties[0] if r.random() < shares[0] else properties[-1]
                case = self._case(data, reported, numbers, ids)
                steps_seen[case.status] += 1
                self._write_case(out, case, ids)
        for table, first in firsts.items():
            self.report.counts[table.removeprefix("complaints_")] = ids[table] - first
        self.report.counts.update({f"status {k}": v for k, v in steps_seen.items()})

    def _case(self, data: PropertyData, reported: float, numbers: dict, ids: dict[str, int]) -> "_Case":
        """One case's who, where and what, and how far along the cycle it got."""
        r = self.random
        prop = data.prop
        year = dt.datetime.fromtimestamp(reported, prop.tzinfo).year
        numbers[(prop.pk, year)] = numbers.get((prop.pk, year), 0) + 1
        complaint_id = ids["complaints_complaint"]
        ids["complaints_complaint"] += 1
        age = self.now - reported
        case = _Case(
            data=data,
            id=complaint_id,
            reference=f"{prop.code}-{year}-{numbers[(prop.pk, year)]:05d}",
            reported=reported,
            age=age,
            status=self._status(age),
        )
        self._who_and_where(case)
        department, case.category = r.choice(data.categories)
        case.department = department
        case.owner = r.choice(data.staff)
        case.assignee = case.owner if r.random() < 0.8 else r.choice(data.staff)
        case.severity = r.choice(SEVERITY_DRAWS)
        case.words = r.choice(GUEST_WORDS)
        self._walk(case)
        return case

    def _who_and_where(self, case: "_Case") -> None:
        """A room case during a stay belongs to the guest in that room; else a guest or a walk-in."""
        r = self.random
        if r.random() < 0.6:
            case.area = "room"
            room_id = r.choice(case.data.rooms)
            case.room = str(room_id)
            found = self._stay_at(case.data, room_id, case.reported)
            if found:
                case.stay, case.guest = str(found[2]), str(found[3])
        else:
            case.area = r.choice(PUBLIC_AREAS)
        if case.guest == N:
            if r.random() < 0.9:
                case.guest = str(r.choice(self.guest_ids))
            else:
                case.complainant = r.choice(["Walk-in guest", "Mr Chen (restaurant guest)", "Ms Taylor"])

    def _walk(self, case: "_Case") -> None:
        """The events of the steps the case went through, with its offers and follow-up actions."""
        r = self.random
        status = case.status
        reached = OPEN_STEPS.index(status) if status in OPEN_STEPS else None
        # how far the case got: closed cases went all the way; withdrawn ones stopped early.
        if status == "closed":
            reached = 5
        elif status == "withdrawn":
            reached = r.choice([0, 1, 2])
        case.reached = reached
        at = case.reported
        case.events = [("logged", case.owner, at, "", "listening", case.words)]
        has_action = r.random() < 0.5
        for index, (kind, source, target) in enumerate(PATH[:reached]):
            at += r.uniform(0.05, 6) * HOUR if index < 2 else r.uniform(1, 30) * HOUR
            at = min(at, self.now - 30)
            self._step(case, kind, at, has_action)
            case.events.append((kind, case.owner, at, source, target, ""))
        if status == "resolving" and r.random() < 0.7:
            case.offers.append((min(at + 300, self.now - 20), None, "proposed"))
        if status == "withdrawn":
            at += r.uniform(1, 48) * HOUR
            at = min(at, self.now - 30)
            case.withdrawn_reason = "The guest withdrew the complaint."
            case.closed_at = _ts(at)
            assert reached is not None  # set above: a withdrawn case stopped after one of the first steps
            case.events.append(
                ("withdrawn", case.owner, at, OPEN_STEPS[reached], "withdrawn", case.withdrawn_reason)
            )
        if status in OPEN_STEPS:
            # Recent cases are mostly on time; stale ones are long overdue.
            case.step_due = _ts(
                at + r.uniform(-4, 8) * HOUR if case.age < 3 * DAY else at + r.uniform(1, 48) * HOUR
            )
        case.last_change = at
        case.repeat = r.random() < 0.03

    def _step(self, case: "_Case", kind: str, at: float, has_action: bool) -> None:
        """What one step of the path leaves on the case besides its event."""
        r = self.random
        if kind == "apologised":
            case.apologised_by, case.apologised_at = str(case.owner), _ts(at)
            case.apologised_via = r.choice(["in_person", "phone", "letter"])
        if kind == "offer_accepted":
            case.offers.append((at - 600, at, "accepted"))
            if has_action:
                case.actions.append((at + 60, at + r.uniform(2, 24) * HOUR))
                case.events.append(("action_added", case.owner, at + 60, "", "", ""))
        if kind == "verification":
            case.events += [("action_done", case.owner, at - 60, "", "", "") for _a in case.actions]
        if kind == "verified":
            case.verdict = r.choices(["very_satisfied", "satisfied", "dissatisfied"], [70, 20, 10])[0]
            case.verified_at = case.closed_at = _ts(at)

    def _write_case(self, out: SimpleNamespace, case: "_Case", ids: dict[str, int]) -> None:
        out.complaints.row(self._complaint_row(case))
        for kind, actor, when, source, target, note in case.events:
            out.events.row(
                (
                    str(ids["complaints_complaintevent"]),
                    str(case.id),
                    kind,
                    str(actor),
                    _ts(when),
                    source,
                    target,
                    _text(note),
                    "{}",
                )
            )
            ids["complaints_complaintevent"] += 1
        for offer in case.offers:
            out.offers.row(self._offer_row(case, offer, ids["complaints_offer"]))
            ids["complaints_offer"] += 1
        for action in case.actions:
            out.actions.row(self._action_row(case, action, ids["complaints_followupaction"]))
            ids["complaints_followupaction"] += 1
        out.reminders.row(self._reminder_row(case, ids["complaints_reminder"]))
        ids["complaints_reminder"] += 1

    def _complaint_row(self, case: "_Case") -> tuple:
        r = self.random
        closed_repeat = case.repeat and case.status == "closed"
        return (
            str(case.id),
            str(case.data.prop.pk),
            case.reference,
            case.guest,
            case.stay,
            case.complainant,
            case.area,
            case.room,
            "",
            _ts(case.reported - r.uniform(0, 2) * HOUR),
            _ts(case.reported),
            "",
            str(case.department),
            str(case.category),
            case.severity,
            r.choice(KINDS),
            r.choice(MOODS),
            r.choice(GUEST_TYPES),
            _text(case.words),
            r.choice(CHANNELS),
            str(case.owner),
            str(case.assignee),
            case.status,
            "t" if (case.reached or 0) > 0 else "f",
            case.apologised_by,
            case.apologised_via,
            case.apologised_at,
            case.verdict,
            "staff" if case.verdict else "",
            case.verified_at,
            "t" if case.repeat else "f",
            REPEAT_NOTICE if case.repeat else "{}",
            "Ageing compressor." if closed_repeat else "",
            "Service every unit on the floor." if closed_repeat else "",
            case.withdrawn_reason,
            case.step_due,
            case.closed_at,
            "",
            _ts(case.reported),
            _ts(case.last_change),
            str(len(case.events)),
        )

    def _offer_row(self, case: "_Case", offer: tuple, offer_id: int) -> tuple:
        offered, decided, offer_status = offer
        prop = case.data.prop
        remedy, remedy_kind, value = self.random.choice(case.data.remedies)
        return (
            str(offer_id),
            str(case.id),
            remedy_kind,
            str(remedy),
            "As agreed with the guest",
            value,
            prop.currency,
            offer_status,
            str(case.owner),
            str(case.owner) if offer_status == "accepted" else N,
            dt.datetime.fromtimestamp(offered, prop.tzinfo).date().isoformat(),
            _ts(offered),
            _ts(decided) if decided else N,
            "",
        )

    def _action_row(self, case: "_Case", action: tuple, action_id: int) -> tuple:
        created, due = action
        done = case.status in ("verifying", "closed")
        return (
            str(action_id),
            str(case.id),
            "Repair and test the unit",
            str(self.random.choice(case.data.departments)),
            N,
            _ts(due),
            str(case.owner),
            _ts(created),
            _ts(min(due, self.now - 30)) if done else N,
            str(case.owner) if done else N,
            "Done and checked" if done else "",
        )

    def _reminder_row(self, case: "_Case", reminder_id: int) -> tuple:
        """The first step's reminder: cancelled in time (goal met) or sent (missed); pending if still open."""
        kind = "due"
        if case.status in OPEN_STEPS:
            subject, due, reminder_status, sent = REMINDER_SUBJECTS[case.status], case.step_due, "pending", N
        else:
            missed = self.random.random() < 0.12
            subject, due = "apologise", _ts(case.reported + 2 * HOUR)
            reminder_status, sent = ("sent", due) if missed else ("cancelled", N)
        return (
            str(reminder_id),
            str(case.data.prop.pk),
            str(case.id),
            N,
            kind,
            subject,
            str(case.assignee),
            due,
            reminder_status,
            "1" if sent != N else "0",
            f"gen:c{case.id}:{subject}:{kind}",
            N,
            N,
            sent,
            "",
            _ts(case.reported),
        )

    def _status(self, age: float) -> str:
        """Old cases are closed (or withdrawn), recent ones still moving; a few old ones were forgotten."""
        r = self.random
        open_share = 0.8 if age < DAY else 0.5 if age < 3 * DAY else 0.2 if age < 14 * DAY else 0.015
        if r.random() < open_share:
            return r.choices(OPEN_STEPS, [15, 15, 30, 25, 15])[0]
        return "withdrawn" if r.random() < 0.05 else "closed"

    @staticmethod
    def _stay_at(data: PropertyData, room: int, moment: float):
        stays = data.stays_by_room.get(room) or []
        index = bisect.bisect(stays, (moment, float("inf"))) - 1
        if index >= 0 and stays[index][0] <= moment < stays[index][1]:
            return stays[index]
        return None


# From this many rows on, indexes and foreign keys are dropped and rebuilt rather than maintained.
REBUILD_FROM = 200_000


def generate(
    *, guests: int, complaints: int, seed: int = 1, years: int = 2, log: Callable[[str], None] = print
) -> Report:
    """Add `guests` guests, two years of stays and `complaints` cases to the demo group, by COPY.

    A rebuilt index is not used by sessions whose snapshot is older than the rebuild when the table
    held recently dead rows (pg_index.indcheckxmin): small runs (tests) keep the indexes instead.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("generate_data needs PostgreSQL (set DATABASE_URL=postgres://...).")
    generator = Generator(guests=guests, complaints=complaints, seed=seed, years=years, log=log)
    report = generator.report
    started = time.monotonic()
    with report.timed("demo group", log):
        load_demo()
    properties = [
        _property_data(p) for p in Property.objects.filter(code__in=["SHA", "HGH"]).order_by("-code")
    ]
    properties.sort(key=lambda d: d.prop.code != "SHA")  # the large hotel first
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Check the foreign keys at the end of each COPY, not at commit: a deferred check queues an
        # event per row (memory) and blocks CREATE INDEX on the table.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"LOCK TABLE {', '.join(BIG_TABLES)} IN SHARE ROW EXCLUSIVE MODE")
        # Checked row by row, foreign keys cost more than the rows; added back below, each is
        # checked once for the whole table.
        indexes, foreign_keys = [], []
        if guests + complaints >= REBUILD_FROM:
            indexes, foreign_keys = _secondary_indexes(cursor, BIG_TABLES), _foreign_keys(cursor, BIG_TABLES)
        with report.timed("drop secondary indexes and foreign keys", log):
            for table, name, _definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        with report.timed(f"guests ({guests:,})", log):
            generator.write_guests(cursor)
        with report.timed("stays", log):
            generator.write_stays(cursor, properties)
        with report.timed(f"complaints ({complaints:,})", log):
            generator.write_complaints(cursor, properties)
        with report.timed(f"recreate {len(indexes)} indexes", log):
            for _name, definition in indexes:
                cursor.execute(definition)
        with report.timed(f"restore and check {len(foreign_keys)} foreign keys", log):
            for table, name, definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table in BIG_TABLES:
            _advance_sequence(cursor, table)
    # VACUUM too: it sets the visibility map, without which no index-only scan skips the heap.
    with report.timed("vacuum and analyze", log), connection.cursor() as cursor:
        for table in BIG_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    report.seconds["total"] = round(time.monotonic() - started, 1)
    return report
