"""Permissions that depend on the property a staff member is working in.

Django's ModelBackend grants a user the permissions of every group they are
in, everywhere. Here a role is held per property, so a user's group
permissions are those of their role in the *current* property plus their
group-level role. CurrentPropertyMiddleware sets `user.active_role_ids`
before any view runs; without it (e.g. a shell) no group permission applies.
Direct per-user permissions are ignored on purpose: they would bypass the
property boundary.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from hotel_crm.auth_context import user_with_access


class PropertyRoleBackend(ModelBackend):
    def _get_user_permissions(self, user_obj):
        return Permission.objects.none()

    def _get_group_permissions(self, user_obj):
        role_ids = getattr(user_obj, "active_role_ids", ())
        return Permission.objects.filter(group__id__in=list(role_ids))

    def get_user(self, user_id):
        # The session's user, with where they may work, from the shared cache when it is fresh.
        return user_with_access(user_id, super().get_user)
