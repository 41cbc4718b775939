"""Reads about the hotel group: which properties a staff member may work in."""

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from hotel_crm.models import Property, StaffMembership, StaffProfile


@dataclass(frozen=True)
class PropertyAccess:
    """The properties a user may work in, and the role ids that apply in each."""

    properties: list[Property]
    role_ids_by_property: dict[int, tuple[int, ...]] = field(default_factory=dict)
    role_names_by_property: dict[int, tuple[str, ...]] = field(default_factory=dict)
    profile: StaffProfile | None = None

    home_property_id: int | None = None

    def get(self, property_id: int | None) -> Property | None:
        return next((p for p in self.properties if p.pk == property_id), None)


def property_access_for(user: User) -> PropertyAccess:
    """Return where `user` may work: memberships, or every property for a group-level role (3 queries)."""
    profile = StaffProfile.objects.filter(user=user).select_related("group_role").first()
    group_role = profile.group_role if profile else None
    memberships = list(
        StaffMembership.objects.filter(user=user, property__is_active=True)
        .select_related("property", "role")
        .order_by("pk")
    )
    roles: dict[int, list[int]] = {m.property_id: [m.role_id] for m in memberships}
    names: dict[int, list[str]] = {m.property_id: [m.role.name] for m in memberships}
    if user.is_superuser or group_role:
        properties = list(Property.objects.active())
    else:
        properties = sorted((m.property for m in memberships), key=lambda p: p.code)
    if group_role:
        for prop in properties:
            roles.setdefault(prop.pk, []).append(group_role.pk)
            names.setdefault(prop.pk, []).append(group_role.name)
    return PropertyAccess(
        properties=properties,
        role_ids_by_property={pk: tuple(ids) for pk, ids in roles.items()},
        role_names_by_property={pk: tuple(n) for pk, n in names.items()},
        profile=profile,
        # The first hotel someone was given a role in is taken as their home hotel.
        home_property_id=memberships[0].property_id if memberships else None,
    )
