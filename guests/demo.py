"""Demo guests and stays: a few hundred realistic guests, some in house, some with history.

Deterministic (a fixed random seed) and dated relative to each property's
"today", so the demo always looks current. Loaded once: if demo stays exist,
nothing is added.
"""

import datetime as dt
import itertools
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from guests.models import Guest, Stay, StayStatus
from guests.phones import normalise_phone
from guests.services import GuestData, guest_create
from hotel_crm.models import Property
from rooms.models import Room, RoomStatus

DEMO_PREFIX = "DEMO"
GUESTS = 320

SURNAMES = (
    ["王"] * 9
    + ["李"] * 9
    + ["张"] * 8
    + ["刘"] * 6
    + ["陈"] * 6
    + ["杨"] * 4
    + ["黄"] * 3
    + ["赵"] * 3
    + [
        "吴",
        "周",
        "徐",
        "孙",
        "马",
        "朱",
        "胡",
        "郭",
        "何",
        "高",
        "林",
        "罗",
        "郑",
        "梁",
        "谢",
        "宋",
        "唐",
        "曾",
        "单",
    ]
    + ["欧阳", "司马", "诸葛"]
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "小明",
    "晓东",
    "建国",
    "志强",
    "雪",
    "婷",
    "浩然",
    "子涵",
    "雨桐",
    "一鸣",
]
LATIN = [
    ("Smith", "John", "GB", "en"),
    ("Johnson", "Emily", "US", "en"),
    ("Williams", "James", "US", "en"),
    ("Brown", "Olivia", "AU", "en"),
    ("Müller", "Thomas", "DE", "de"),
    ("Schmidt", "Anna", "DE", "de"),
    ("Dubois", "Camille", "FR", "fr"),
    ("Martin", "Lucas", "FR", "fr"),
    ("García", "María", "ES", "es"),
    ("Rossi", "Marco", "IT", "en"),
    ("Tanaka", "Hiroshi", "JP", "ja"),
    ("Sato", "Yuki", "JP", "ja"),
    ("Kim", "Min-jun", "KR", "ko"),
    ("Park", "Seo-yeon", "KR", "ko"),
    ("Ivanov", "Dmitri", "RU", "ru"),
    ("Nguyen", "Linh", "VN", "en"),
    ("O'Brien", "Sean", "IE", "en"),
    ("Tan", "Wei Ming", "SG", "en"),
    ("Smith", "Sarah", "US", "en"),
    ("Lee", "David", "CA", "en"),
]
COMPANIES = [
    "Huawei",
    "Alibaba Group",
    "Siemens China",
    "HSBC",
    "Bank of China",
    "Tencent",
    "Deloitte",
    "China Eastern Airlines",
    "BASF",
    "Ping An Insurance",
    "",
]
PREFERENCES = [
    ("pillow", "feather"),
    ("pillow", "buckwheat"),
    ("room", "high floor"),
    ("room", "away from lift"),
    ("allergy", "peanuts"),
    ("allergy", "shellfish"),
    ("newspaper", "China Daily"),
    ("newspaper", "Financial Times"),
    ("diet", "vegetarian"),
    ("bed", "extra pillows"),
    ("floor", "executive floor"),
]


def _chinese_mobile(rng: random.Random) -> str:
    return f"+86{rng.choice(['138', '139', '186', '135', '150', '177'])}{rng.randrange(10**8):08d}"


def _guest_data(rng: random.Random, index: int) -> GuestData:
    salutation = rng.choice(["mr", "ms", "mr", "ms", "mrs", "dr", ""])
    vip = rng.choices([0, 1, 2, 3], weights=[90, 6, 3, 1])[0]
    preferences = rng.sample(PREFERENCES, k=rng.choice([0, 0, 1, 2, 3]))
    if rng.random() < 0.7:
        family, given = rng.choice(SURNAMES), rng.choice(GIVEN)
        data = GuestData(
            family_name_cjk=family, given_name_cjk=given, nationality="CN", preferred_language="zh-hans"
        )
        data.phones = [_chinese_mobile(rng)]
    else:
        family, given, country, language = rng.choice(LATIN)
        data = GuestData(
            family_name_latin=family, given_name_latin=given, nationality=country, preferred_language=language
        )
        data.phones = (
            [f"+44 20 7{rng.randrange(10**6):06d} ".strip()]
            if country == "GB"
            else [
                f"+1 415 555 {rng.randrange(10**4):04d}" if country in ("US", "CA") else _chinese_mobile(rng)
            ]
        )
        data.phones = [normalise_phone(p) for p in data.phones]
        if rng.random() < 0.6:
            local = (
                f"{given}.{family}".lower()
                .replace("'", "")
                .replace(" ", "")
                .replace("ü", "ue")
                .replace("í", "i")
            )
            data.email = f"{local}{index}@example.com"
    data.salutation = salutation
    data.vip_level = vip
    data.company = rng.choice(COMPANIES)
    data.preferences = preferences
    data.marketing_consent = rng.random() < 0.4
    if vip >= 2:
        data.notes = "Greet by name at arrival; GM welcome letter."
    return data


def load_demo_guests() -> int:
    """Create demo guests with stays at every demo property; return how many guests were added."""
    if Stay.objects.filter(confirmation_number__startswith=DEMO_PREFIX).exists():
        return 0
    rng = random.Random(20261123)  # noqa: S311 — demo data, not security
    actor = get_user_model().objects.get(username="admin")
    guests = _profiles(rng, actor)
    numbers = itertools.count(1)
    stays: list[Stay] = []
    for prop in Property.objects.filter(code__in=["SHA", "HGH"]).order_by("code"):
        stays += _stays_at(prop, guests, rng, numbers)
    Stay.objects.bulk_create(stays, batch_size=500)
    return len(guests)


def _profiles(rng: random.Random, actor) -> list[Guest]:
    guests = [guest_create(data=_guest_data(rng, i), actor=actor) for i in range(GUESTS)]
    # A few duplicates, as real front desks create them: same person, second profile.
    for original in guests[:4]:
        copy = GuestData(
            family_name_cjk=original.family_name_cjk,
            given_name_cjk=original.given_name_cjk,
            family_name_latin=original.family_name_latin,
            given_name_latin=original.given_name_latin,
            salutation=original.salutation,
            nationality=original.nationality,
        )
        guests.append(guest_create(data=copy, actor=actor))
    return guests


def _stays_at(prop: Property, guests: list[Guest], rng: random.Random, numbers) -> list[Stay]:
    """In-house guests in most clean rooms, today's arrivals, and two years of history."""
    today = prop.today()
    rooms = list(Room.objects.for_property(prop).order_by("number"))
    free = [r for r in rooms if r.status == RoomStatus.VACANT_CLEAN]
    share = 0.62 if prop.code == "SHA" else 0.5
    occupied = rng.sample(free, k=int(len(free) * share))
    in_house_guests = rng.sample(guests, k=len(occupied))
    now = timezone.now()

    def number() -> str:
        return f"{DEMO_PREFIX}-{prop.code}-{next(numbers):05d}"

    stays = []
    for room, guest in zip(occupied, in_house_guests, strict=True):
        arrival = today - dt.timedelta(days=rng.choice([0, 1, 1, 2, 3, 5]))
        departure = today + dt.timedelta(days=rng.choice([0, 1, 1, 2, 3, 4]))
        if departure <= arrival:
            departure = arrival + dt.timedelta(days=1)
        stays.append(
            Stay(
                property=prop,
                guest=guest,
                room=room,
                arrival_date=arrival,
                departure_date=departure,
                confirmation_number=number(),
                status=StayStatus.IN_HOUSE,
                checked_in_at=now - dt.timedelta(days=(today - arrival).days),
                adults=rng.choice([1, 1, 2]),
            )
        )
    Room.objects.filter(pk__in=[r.pk for r in occupied]).update(status=RoomStatus.OCCUPIED)
    # Arrivals still to check in today.
    remaining = [r for r in free if r not in occupied]
    for room in rng.sample(remaining, k=min(8 if prop.code == "SHA" else 2, len(remaining))):
        stays.append(
            Stay(
                property=prop,
                guest=rng.choice(guests),
                room=room,
                arrival_date=today,
                departure_date=today + dt.timedelta(days=rng.choice([1, 2, 3])),
                confirmation_number=number(),
                status=StayStatus.RESERVED,
            )
        )
    return stays + _history(prop, today, guests, rooms, rng, number)


def _history(prop, today: dt.date, guests: list[Guest], rooms: list[Room], rng, number) -> list[Stay]:
    """Two years of past stays: most checked out, a few cancelled or no-shows."""
    stays = []
    for guest in guests:
        visits = rng.choices([0, 1, 2, 3, 5, 8], weights=[45, 25, 12, 9, 6, 3])[0]
        if prop.code == "HGH":
            visits = rng.choice([0, 0, 0, 1])
        for _ in range(visits):
            confirmation = number()
            arrival = today - dt.timedelta(days=rng.randrange(10, 730))
            departure = arrival + dt.timedelta(days=rng.choice([1, 2, 3, 4, 7]))
            status = rng.choices(
                [StayStatus.CHECKED_OUT, StayStatus.CANCELLED, StayStatus.NO_SHOW], weights=[90, 7, 3]
            )[0]
            checked_out = status == StayStatus.CHECKED_OUT
            stays.append(
                Stay(
                    property=prop,
                    guest=guest,
                    room=rng.choice(rooms),
                    arrival_date=arrival,
                    departure_date=departure,
                    confirmation_number=confirmation,
                    status=status,
                    checked_in_at=_at(prop, arrival, 15) if checked_out else None,
                    checked_out_at=_at(prop, departure, 11) if checked_out else None,
                )
            )
    return stays


def _at(prop: Property, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=prop.tzinfo)
