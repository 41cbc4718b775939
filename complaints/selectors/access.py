"""Who sees which case: the one access rule (ADR 0009), and the staff of a hotel."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.db.models import Exists, OuterRef, Q, QuerySet

from complaints.models import (
    Complaint,
    FollowUpAction,
)
from hotel_crm.models import Property, StaffMembership, StaffProfile

VIEW_PERMISSION = "complaints.view_complaint"


SENSITIVE_PERMISSION = "complaints.view_sensitive_complaints"


def has_perm_at(user: User | AnonymousUser | None, prop: Property, perm: str) -> bool:
    """Whether `user`'s role at `prop` (or group-level role) grants `perm`; works outside a request too."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if getattr(user, "active_property_id", None) == prop.pk:
        return user.has_perm(perm)  # roles already resolved (and cached) by CurrentPropertyMiddleware

    app_label, codename = perm.split(".")
    roles = Q(group__in=StaffMembership.objects.filter(user=user, property=prop).values("role")) | Q(
        group__in=StaffProfile.objects.filter(user=user, group_role__isnull=False).values("group_role")
    )
    return Permission.objects.filter(roles, content_type__app_label=app_label, codename=codename).exists()


def _involved(user: User | AnonymousUser) -> Q:
    """Cases `user` takes part in: logged it, is its assignee, or owns one of its follow-up actions."""
    return (
        Q(owner_id=user.pk)
        | Q(assignee_id=user.pk)
        | Q(Exists(FollowUpAction.objects.filter(complaint=OuterRef("pk"), assignee_id=user.pk)))
    )


def sensitive_rule(*, user: User | AnonymousUser, may_see_sensitive: bool) -> Q:
    """The filter for sensitive categories alone: all cases, or the non-sensitive ones plus the user's own."""
    if may_see_sensitive:
        return Q()
    return Q(category__isnull=True) | Q(category__is_sensitive=False) | _involved(user)


def complaints_visible_to(*, user: User | AnonymousUser, property: Property | None) -> QuerySet[Complaint]:
    """Every case of `property` that `user` may see: the one rule for lists, detail, exports and links.

    A staff member whose role there grants complaints.view_complaint sees the property's cases, except
    cases in a sensitive category (Category.is_sensitive), which only roles with
    complaints.view_sensitive_complaints (guest relations managers; superusers) and the staff involved
    in the case (who logged it, its assignee, an assignee of one of its follow-up actions) see.
    """
    if property is None or not has_perm_at(user, property, VIEW_PERMISSION):
        return Complaint.objects.none()
    may_see = has_perm_at(user, property, SENSITIVE_PERMISSION)
    return Complaint.objects.for_property(property).filter(
        sensitive_rule(user=user, may_see_sensitive=may_see)
    )


def complaint_visible(*, user: User | AnonymousUser, complaint: Complaint) -> bool:
    """Whether `user` may open this case (the same rule as complaints_visible_to)."""
    return complaints_visible_to(user=user, property=complaint.property).filter(pk=complaint.pk).exists()


def staff_who_may_see(*, complaint: Complaint, candidates: Iterable[User]) -> list[User]:
    """The subset of `candidates` (users) who may see the case: for notifications and escalations."""
    if complaint.category is None or not complaint.category.is_sensitive:
        return list(candidates)
    return [user for user in candidates if complaint_visible(user=user, complaint=complaint)]


def staff_of_property(*, prop: Property) -> QuerySet[User]:
    """Active staff who hold a role at this property."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Exists(StaffMembership.objects.filter(user=OuterRef("pk"), property=prop)))
        .order_by("first_name", "last_name", "username")
    )
