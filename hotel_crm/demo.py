"""The demo hotel group's ground floor: the two properties, the roles and the demo staff.

The rooms, guests and cases of the demo live with their apps (rooms/demo.py, guests/demo.py,
complaints/demo.py); `manage.py load_demo` (complaints) loads every layer in order.
Idempotent: it only creates what is missing and never resets what staff changed.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from hotel_crm import roles
from hotel_crm.mfa import mfa_required_for
from hotel_crm.models import Property, StaffMembership, StaffProfile, TOTPDevice

DEMO_PASSWORD = "hotel-demo-2026"
# The demo staff who must use a second factor (MFA_REQUIRED_ROLES) share this published
# authenticator secret, so the demo can be tried without a phone: `manage.py demo_code`
# prints the current code. Like the demo password, it is for the demo hotel only.
DEMO_TOTP_SECRET = "HOTELCRMDEMOAUTHENTICATORSECRET2"


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
        "engineer",
        "Zhou",
        "Qiang",
        "engineering supervisor at SHA: acknowledges the department's work on a phone",
        (("SHA", roles.FRONT_DESK),),
    ),
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


def load_demo_properties() -> None:
    """Create the roles and the two demo properties if they are missing."""
    roles.sync_roles()
    _property("SHA", "Grand Plaza Hotel Shanghai", "上海君廷大酒店", "1 Century Avenue, Pudong, Shanghai")
    _property("HGH", "West Lake Garden Hotel", "西湖花园酒店", "88 Beishan Road, Hangzhou")


def load_demo_staff() -> None:
    """Create the demo staff and their memberships if they are missing."""
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
