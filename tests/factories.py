"""Small factories for test data: real rows in the real test database."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from complaints.models import Category, Complaint, Department
from complaints.services import ComplaintInput, complaint_log
from guests.models import Guest
from guests.services import GuestData, guest_create
from hotel_crm import roles
from hotel_crm.models import Property, StaffMembership, StaffProfile
from rooms.models import BedConfiguration, Room, RoomType

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def make_property(code: str | None = None, *, time_zone: str = "Asia/Shanghai", **fields) -> Property:
    n = next(_seq)
    return Property.objects.create(
        code=code or f"P{n}",
        name_en=fields.pop("name_en", f"Hotel {n}"),
        name_zh=fields.pop("name_zh", f"酒店{n}"),
        time_zone=time_zone,
        **fields,
    )


def make_room_type(prop: Property, code: str = "DK", **fields) -> RoomType:
    return RoomType.objects.create(
        property=prop,
        code=code,
        name_en=fields.pop("name_en", f"Type {code}"),
        bed_configuration=fields.pop("bed_configuration", BedConfiguration.KING),
        **fields,
    )


def make_room(
    prop: Property, number: str | None = None, *, room_type: RoomType | None = None, **fields
) -> Room:
    room_type = room_type or RoomType.objects.filter(property=prop).first() or make_room_type(prop)
    number = number or str(100 + next(_seq))
    return Room.objects.create(
        property=prop,
        number=number,
        floor=fields.pop("floor", int(number) // 100),
        room_type=room_type,
        **fields,
    )


def make_staff(
    username: str | None = None,
    *,
    roles_at: dict[Property, str] | None = None,
    group_role: str | None = None,
    **fields,
):
    """A staff member with a role at each given property (role names from hotel_crm.roles)."""
    user = get_user_model().objects.create_user(
        username=username or f"staff{next(_seq)}", password=PASSWORD, **fields
    )
    StaffProfile.objects.create(
        user=user, group_role=Group.objects.get(name=group_role) if group_role else None
    )
    for prop, role in (roles_at or {}).items():
        StaffMembership.objects.create(user=user, property=prop, role=Group.objects.get(name=role))
    return user


def front_desk_at(*props: Property, **fields):
    return make_staff(roles_at=dict.fromkeys(props, roles.FRONT_DESK), **fields)


def make_guest(
    family_name_cjk: str = "",
    given_name_cjk: str = "",
    *,
    family_name_latin: str = "",
    given_name_latin: str = "",
    actor=None,
    **fields,
) -> Guest:
    """A guest created through guests.services.guest_create, so search tokens are built.

    With no name given, a unique Latin name is made up; `fields` are other GuestData fields
    (email, phones as E.164, preferences, vip_level...).
    """
    if not any((family_name_cjk, given_name_cjk, family_name_latin, given_name_latin)):
        n = next(_seq)
        family_name_latin, given_name_latin = f"Guest{n}", "Test"
    data = GuestData(
        family_name_cjk=family_name_cjk,
        given_name_cjk=given_name_cjk,
        family_name_latin=family_name_latin,
        given_name_latin=given_name_latin,
        **fields,
    )
    return guest_create(data=data, actor=actor or make_staff())


def make_department(
    prop: Property, code: str = "housekeeping", *, categories: list[str] | None = None, **fields
) -> Department:
    """A department of `prop` with the given categories (one "Room not clean" unless told)."""
    department = Department.objects.create(
        property=prop, code=code, name_en=fields.pop("name_en", code.replace("-", " ").title()), **fields
    )
    for name in ["Room not clean"] if categories is None else categories:
        Category.objects.create(department=department, name_en=name)
    return department


def log_case(prop: Property, actor, *, submission_key: str = "", now=None, **overrides) -> Complaint:
    """A case logged through complaints.services.complaint_log; `overrides` are ComplaintInput fields.

    Without a department, the property's first one is used (made if there is none) with its first
    category; without a guest or stay, the complainant is a named walk-in.
    """
    department = (
        overrides.pop("department", None)
        or Department.objects.filter(property=prop).order_by("pk").first()
        or make_department(prop)
    )
    if "category" not in overrides:
        overrides["category"] = department.categories.order_by("pk").first()
    if not overrides.get("guest") and not overrides.get("stay"):
        overrides.setdefault("complainant_name", "Walk-in guest")
    data = ComplaintInput(
        guest_words=overrides.pop("guest_words", "The bathroom was not cleaned."),
        department=department,
        **overrides,
    )
    return complaint_log(prop=prop, actor=actor, data=data, submission_key=submission_key, now=now)
