"""The demo hotels' rooms: room types, facilities, the executive floor and every room of domain.md §4.

Idempotent: it only creates what is missing and never resets what staff changed.
"""

from dataclasses import dataclass

from hotel_crm.models import Property
from rooms.models import BedConfiguration, Facility, FloorZone, Room, RoomStatus, RoomType, ZonePrivilege

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


def load_demo_rooms() -> dict[str, int]:
    """Create whatever rooms of the two demo hotels are missing; return how many were added per property."""
    sha, hgh = Property.objects.get(code="SHA"), Property.objects.get(code="HGH")
    sha_types = _room_types(sha, SHA_TYPES, _facilities(sha))
    hgh_types = _room_types(hgh, HGH_TYPES, _facilities(hgh))
    _executive_floor(sha)
    return {
        "SHA": _rooms(sha, sha_room_plan(), sha_types, SHA_STATUSES),
        "HGH": _rooms(hgh, hgh_room_plan(), hgh_types),
    }
