"""The demo hotel group: the hotel from domain.md §4 and a smaller second property.

Loaded by `manage.py load_demo` (which `make run` calls), never by a migration.
Idempotent: it only creates what is missing and never resets what staff changed.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from hotel_crm import roles
from hotel_crm.mfa import mfa_required_for
from hotel_crm.models import Property, StaffMembership, StaffProfile, TOTPDevice
from rooms.models import BedConfiguration, Facility, FloorZone, Room, RoomStatus, RoomType, ZonePrivilege

DEMO_PASSWORD = "hotel-demo-2026"
# The demo staff who must use a second factor (MFA_REQUIRED_ROLES) share this published
# authenticator secret, so the demo can be tried without a phone: `manage.py demo_code`
# prints the current code. Like the demo password, it is for the demo hotel only.
DEMO_TOTP_SECRET = "HOTELCRMDEMOAUTHENTICATORSECRET2"

FACILITIES = [
    ("desk", "Large executive desk", "大型办公桌"),
    ("power-strip", "Power strip", "多功能插座"),
    ("minibar", "Stocked minibar", "小酒吧"),
    ("hair-dryer", "Hair dryer", "吹风机"),
    ("air-con", "Individually controlled air conditioning", "独立控制空调"),
    ("safe", "In-room safe", "保险箱"),
    ("idd-phone", "International direct-dial phone", "国际直拨电话"),
    ("music", "Music channel", "音乐频道"),
    ("bathroom-phone", "Private bathroom with extension phone", "独立浴室及分机电话"),
    ("tv", "Remote-control TV", "遥控电视"),
    ("satellite-tv", "Satellite TV", "卫星电视"),
    ("voicemail", "Electronic voice mailbox", "电子语音信箱"),
]

EXECUTIVE_PRIVILEGES = [
    ("Complimentary coffee and tea all day", "全天免费咖啡和茶"),
    ("Complimentary continental breakfast buffet", "免费欧陆式自助早餐"),
    ("Complimentary late-evening drinks", "免费晚间酒水"),
]


@dataclass(frozen=True)
class DemoType:
    code: str
    name_en: str
    name_zh: str
    beds: str
    occupancy: int = 2
    suite: bool = False


SHA_TYPES = [
    DemoType("DK", "Deluxe King", "单床豪华房", BedConfiguration.KING),
    DemoType("DT", "Deluxe Twin", "双床豪华房", BedConfiguration.TWIN),
    DemoType("STE", "Suite", "套间", BedConfiguration.KING, 3, True),
    DemoType("DSTE", "Deluxe Suite", "豪华套间", BedConfiguration.KING, 3, True),
    DemoType("PRES", "Presidential Suite", "总统套房", BedConfiguration.KING, 4, True),
    DemoType("XK", "Executive Deluxe King", "行政楼层单床豪华房", BedConfiguration.KING),
    DemoType("XT", "Executive Deluxe Twin", "行政楼层双床豪华房", BedConfiguration.TWIN),
]

HGH_TYPES = [
    DemoType("GK", "Garden King", "花园大床房", BedConfiguration.KING),
    DemoType("GT", "Garden Twin", "花园双床房", BedConfiguration.TWIN),
    DemoType("LVS", "Lake View Suite", "湖景套房", BedConfiguration.KING, 3, True),
]


def sha_room_plan() -> list[tuple[str, str]]:
    """The 227 rooms of domain.md §4 as (number, type code).

    Floors 21–30: 15 rooms each; 03, 08 and 13 are twins (30), 15 on floors 29
    and 30 is a suite, the rest kings (118). Floor 31: presidential suite,
    deluxe suite and six suites. Executive floors 32–35: 17, 17, 17 and 18 rooms,
    19 twins and 50 kings.
    """
    plan: list[tuple[str, str]] = []
    for floor in range(21, 31):
        for n in range(1, 16):
            if n in (3, 8, 13):
                code = "DT"
            elif n == 15 and floor in (29, 30):
                code = "STE"
            else:
                code = "DK"
            plan.append((f"{floor}{n:02d}", code))
    plan += [("3101", "PRES"), ("3102", "DSTE")] + [(f"31{n:02d}", "STE") for n in range(3, 9)]
    for floor, count, twins in (
        (32, 17, (3, 8, 13, 16, 17)),
        (33, 17, (3, 8, 13, 16, 17)),
        (34, 17, (3, 8, 13, 16, 17)),
        (35, 18, (3, 8, 13, 16)),
    ):
        plan += [(f"{floor}{n:02d}", "XT" if n in twins else "XK") for n in range(1, count + 1)]
    return plan


def hgh_room_plan() -> list[tuple[str, str]]:
    """30 rooms on floors 2–4 of the smaller garden hotel."""
    plan: list[tuple[str, str]] = []
    for floor in (2, 3, 4):
        for n in range(1, 11):
            code = "LVS" if (floor == 4 and n >= 9) else ("GT" if n % 3 == 0 else "GK")
            plan.append((f"{floor}{n:02d}", code))
    return plan


# A lived-in look: a few rooms waiting for housekeeping, two out of order.
SHA_STATUSES = {
    "2104": (RoomStatus.VACANT_DIRTY, ""),
    "2311": (RoomStatus.VACANT_DIRTY, ""),
    "2606": (RoomStatus.VACANT_DIRTY, ""),
    "3305": (RoomStatus.VACANT_DIRTY, ""),
    "2215": (RoomStatus.OUT_OF_ORDER, "Bathroom leak – engineering repairing the shower valve"),
    "3407": (RoomStatus.OUT_OF_ORDER, "Air conditioning fault – waiting for a spare part"),
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    description: str
    memberships: tuple[tuple[str, str], ...] = ()
    group_role: str | None = None
    is_staff: bool = False
    is_superuser: bool = False


DEMO_USERS = [
    DemoUser(
        "admin",
        "Ada",
        "Admin",
        "administrator (every property, admin site)",
        is_staff=True,
        is_superuser=True,
    ),
    DemoUser("frontdesk", "Li", "Na", "front desk at SHA", (("SHA", roles.FRONT_DESK),)),
    DemoUser(
        "grm",
        "Wang",
        "Fang",
        "guest relations manager at SHA, front desk at HGH",
        (("SHA", roles.GUEST_RELATIONS_MANAGER), ("HGH", roles.FRONT_DESK)),
    ),
    DemoUser("westlake", "Chen", "Jie", "front desk at HGH", (("HGH", roles.FRONT_DESK),)),
    DemoUser(
        "duty", "Sun", "Hao", "duty manager at SHA (approves up to 2,000)", (("SHA", roles.DUTY_MANAGER),)
    ),
    DemoUser(
        "roomsadmin",
        "Zhao",
        "Lei",
        "property administrator at SHA (admin site)",
        (("SHA", roles.PROPERTY_ADMINISTRATOR),),
        is_staff=True,
    ),
    DemoUser(
        "director",
        "Liu",
        "Yang",
        "group director, read-only in every property",
        group_role=roles.GROUP_DIRECTOR,
    ),
]


def _property(code: str, name_en: str, name_zh: str, address: str) -> Property:
    prop, _ = Property.objects.get_or_create(
        code=code, defaults={"name_en": name_en, "name_zh": name_zh, "address": address}
    )
    return prop


def _room_types(prop: Property, types: list[DemoType], facilities: list[Facility]) -> dict[str, RoomType]:
    result = {}
    for t in types:
        room_type, created = RoomType.objects.get_or_create(
            property=prop,
            code=t.code,
            defaults={
                "name_en": t.name_en,
                "name_zh": t.name_zh,
                "bed_configuration": t.beds,
                "max_occupancy": t.occupancy,
                "is_suite": t.suite,
            },
        )
        if created:
            room_type.facilities.set(facilities)
        result[t.code] = room_type
    return result


def _facilities(prop: Property) -> list[Facility]:
    return [
        Facility.objects.get_or_create(property=prop, code=code, defaults={"name_en": en, "name_zh": zh})[0]
        for code, en, zh in FACILITIES
    ]


def _rooms(prop: Property, plan: list[tuple[str, str]], types: dict[str, RoomType], statuses=None) -> int:
    statuses = statuses or {}
    existing = set(Room.objects.for_property(prop).values_list("number", flat=True))
    missing = [
        Room(
            property=prop,
            number=number,
            floor=int(number) // 100,
            room_type=types[code],
            status=statuses.get(number, (RoomStatus.VACANT_CLEAN, ""))[0],
            out_of_order_reason=statuses.get(number, (RoomStatus.VACANT_CLEAN, ""))[1],
        )
        for number, code in plan
        if number not in existing
    ]
    Room.objects.bulk_create(missing)
    return len(missing)


def _executive_floor(prop: Property) -> None:
    zone, created = FloorZone.objects.get_or_create(
        property=prop,
        code="executive",
        defaults={
            "name_en": "Swiss Executive Floor",
            "name_zh": "瑞士行政楼层",
            "first_floor": 32,
            "last_floor": 35,
            "is_executive": True,
        },
    )
    if created:
        ZonePrivilege.objects.bulk_create(
            ZonePrivilege(zone=zone, name_en=en, name_zh=zh, position=i)
            for i, (en, zh) in enumerate(EXECUTIVE_PRIVILEGES)
        )


def _users() -> None:
    User = get_user_model()
    properties = {p.code: p for p in Property.objects.all()}
    groups = {g.name: g for g in Group.objects.all()}
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "email": f"{demo.username}@grandplaza.example",
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "is_staff": demo.is_staff,
                "is_superuser": demo.is_superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            StaffProfile.objects.create(
                user=user, group_role=groups[demo.group_role] if demo.group_role else None
            )
            for code, role in demo.memberships:
                StaffMembership.objects.create(user=user, property=properties[code], role=groups[role])
        if mfa_required_for(user):
            TOTPDevice.objects.get_or_create(user=user, defaults={"secret": DEMO_TOTP_SECRET})


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create whatever of the demo group is missing; return how many rooms were added per property."""
    roles.sync_roles()
    sha = _property(
        "SHA", "Grand Plaza Hotel Shanghai", "上海君廷大酒店", "1 Century Avenue, Pudong, Shanghai"
    )
    hgh = _property("HGH", "West Lake Garden Hotel", "西湖花园酒店", "88 Beishan Road, Hangzhou")
    sha_types = _room_types(sha, SHA_TYPES, _facilities(sha))
    hgh_types = _room_types(hgh, HGH_TYPES, _facilities(hgh))
    _executive_floor(sha)
    added = {
        "SHA": _rooms(sha, sha_room_plan(), sha_types, SHA_STATUSES),
        "HGH": _rooms(hgh, hgh_room_plan(), hgh_types),
    }
    _users()
    from hotel_crm.demo_guests import load_demo_guests

    added["guests"] = load_demo_guests()
    from hotel_crm.demo_complaints import load_demo_complaints

    added["complaints"] = load_demo_complaints()
    return added
