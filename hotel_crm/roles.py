"""The staff roles, as data: each is a Django group with the permissions listed here.

A role applies per property (StaffMembership.role) or group-wide
(StaffProfile.group_role); see hotel_crm.auth_backends for how that is enforced.
`sync_roles` runs after every migrate so the groups always match this table;
administrators may add further groups in the admin.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_noop

# Group names are stored in English; templates translate them with {% translate %}.
FRONT_DESK = gettext_noop("Front Desk")
GUEST_RELATIONS_MANAGER = gettext_noop("Guest Relations Manager")
DUTY_MANAGER = gettext_noop("Duty Manager")
PROPERTY_ADMINISTRATOR = gettext_noop("Property Administrator")
GROUP_DIRECTOR = gettext_noop("Group Director")

_FRONT_DESK_PERMS = [
    "rooms.view_room",
    "rooms.view_roomtype",
    "rooms.view_floorzone",
    "rooms.change_room_status",
    "rooms.view_room_board",
    "guests.view_guest",
    "guests.add_guest",
    "guests.change_guest",
    "guests.view_stay",
    "guests.add_stay",
    "guests.check_in_out",
    "complaints.view_complaint",
    "complaints.add_complaint",
    "complaints.change_complaint",
    "complaints.add_courtesycheck",
    "complaints.view_courtesycheck",
    "complaints.view_notification",
    "complaints.view_dutylogentry",
    "complaints.add_dutylogentry",
    "complaints.view_handover",
    "complaints.add_handover",
    "complaints.add_compliment",
]
# Problems across rooms and what the hotel learns from its guests (ADR 0017).
_PREVENTION_PERMS = [
    "complaints.view_problem",
    "complaints.change_problem",
    "complaints.decide_problem",
    "complaints.view_compliment",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    FRONT_DESK: _FRONT_DESK_PERMS,
    DUTY_MANAGER: [
        *_FRONT_DESK_PERMS,
        *_PREVENTION_PERMS,
        "complaints.view_all_complaints",
        "complaints.view_approvalrequest",
    ],
    GUEST_RELATIONS_MANAGER: [
        *_FRONT_DESK_PERMS,
        "guests.export_guest",
        "guests.erase_guest",
        "guests.merge_guest",
        "guests.view_profileaccess",
        "complaints.reopen_complaint",
        "complaints.view_all_complaints",
        "complaints.view_sensitive_complaints",
        "complaints.view_approvalrequest",
        *_PREVENTION_PERMS,
    ],
    PROPERTY_ADMINISTRATOR: [
        *_FRONT_DESK_PERMS,
        "rooms.add_room",
        "rooms.change_room",
        "rooms.delete_room",
        "rooms.add_roomtype",
        "rooms.change_roomtype",
        "rooms.add_floorzone",
        "rooms.change_floorzone",
        "rooms.add_facility",
        "rooms.change_facility",
        "rooms.view_facility",
        "rooms.add_zoneprivilege",
        "rooms.change_zoneprivilege",
        "rooms.delete_zoneprivilege",
        "rooms.view_zoneprivilege",
        "complaints.add_department",
        "complaints.change_department",
        "complaints.view_department",
        "complaints.add_category",
        "complaints.change_category",
        "complaints.view_category",
        "complaints.add_remedy",
        "complaints.change_remedy",
        "complaints.view_remedy",
        "complaints.add_authoritylimit",
        "complaints.change_authoritylimit",
        "complaints.delete_authoritylimit",
        "complaints.view_authoritylimit",
        "complaints.add_servicelevelrule",
        "complaints.change_servicelevelrule",
        "complaints.delete_servicelevelrule",
        "complaints.view_servicelevelrule",
        "complaints.add_digestsetting",
        "complaints.change_digestsetting",
        "complaints.view_digestsetting",
        "complaints.view_reminder",
        "complaints.add_preventionrule",
        "complaints.change_preventionrule",
        "complaints.view_preventionrule",
        "complaints.add_problemtrigger",
        "complaints.change_problemtrigger",
        "complaints.delete_problemtrigger",
        "complaints.view_problemtrigger",
        "complaints.add_shift",
        "complaints.change_shift",
        "complaints.delete_shift",
        "complaints.view_shift",
        "complaints.add_shiftsetting",
        "complaints.change_shiftsetting",
        "complaints.view_shiftsetting",
        "hotel_crm.view_auditevent",
    ],
    # Read-only across the group by default.
    GROUP_DIRECTOR: [
        "rooms.view_room",
        "rooms.view_roomtype",
        "rooms.view_floorzone",
        "rooms.view_room_board",
        "guests.view_guest",
        "guests.view_stay",
        "complaints.view_complaint",
        "complaints.view_all_complaints",
        "complaints.view_problem",
        "complaints.view_compliment",
    ],
}


def _permissions(names: list[str]) -> list[Permission]:
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query))
    if len(found) != len(set(names)):
        missing = set(names) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
        raise LookupError(f"Role permissions missing from the database: {sorted(missing)}")
    return found


def sync_roles() -> None:
    """Create the built-in role groups and give each exactly the permissions in ROLE_PERMISSIONS."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions(names))


def sync_roles_after_migrate(sender, app_config=None, **kwargs) -> None:
    # post_migrate fires once per app with models, in INSTALLED_APPS order, each
    # time after that app's permissions are created: act on the last one.
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if app_config is not None and app_config.label == last.label:
        sync_roles()
