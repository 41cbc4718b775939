"""Receivers that audit logins and permission changes, and end a deactivated user's sessions.

Connected in HotelCrmConfig.ready(). Permission changes are caught here, at the
model level, so a change made in the admin, a shell or a service is recorded alike.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save

from hotel_crm import mfa, staff_sessions
from hotel_crm.audit import Action, audit_record
from hotel_crm.auth_context import auth_context_invalidate
from hotel_crm.models import Property, StaffMembership, StaffProfile, TOTPDevice

_WATCHED_USER_FLAGS = ("is_active", "is_staff", "is_superuser")


def on_logged_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    staff_sessions.staff_session_start(request=request, user=user, mfa_state=mfa.mfa_state_for(user))
    audit_record(Action.LOGIN, actor=user, request=request)


def on_logged_out(sender, request, user, **kwargs):
    if request is None:
        return
    staff_sessions.staff_session_forget(request.session.session_key)
    if user is not None:
        reason = getattr(request, "_logout_reason", "")
        audit_record(
            Action.LOGOUT, actor=user, request=request, details={"reason": reason} if reason else None
        )


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(Action.LOGIN_FAILED, actor_label=username, request=request, details={"username": username})


def remember_user_flags(sender, instance, **kwargs):
    # Read __dict__, not the attributes: a deferred field (.only()) would cost a query per user.
    instance._audit_flags = {
        name: instance.__dict__[name] for name in _WATCHED_USER_FLAGS if name in instance.__dict__
    }


def on_user_saved(sender, instance, created, update_fields=None, **kwargs):
    before = getattr(instance, "_audit_flags", {})
    if created:
        # A new account matters here only if it opens the admin or bypasses roles.
        changed = {name: [None, True] for name in ("is_staff", "is_superuser") if getattr(instance, name)}
    else:
        changed = {
            name: [before.get(name), getattr(instance, name)]
            for name in _WATCHED_USER_FLAGS
            if name in before and before[name] != getattr(instance, name)
        }
    remember_user_flags(sender, instance)
    if changed:
        audit_record(Action.PERMISSION_CHANGED, target=instance, details={"user": changed})
    # Whatever the flag was before (it may not have been loaded), an inactive user keeps no session;
    # a flag never loaded (a deferred field) was not changed here.
    if not created and instance.__dict__.get("is_active") is False:
        ended = staff_sessions.staff_sessions_end(user=instance)
        if ended:
            audit_record(
                Action.SESSIONS_ENDED, target=instance, details={"deactivated": True, "sessions": ended}
            )


def on_membership_saved(sender, instance, created, **kwargs):
    audit_record(
        Action.PERMISSION_CHANGED,
        target=instance.user,
        prop=instance.property,
        details={"membership": "added" if created else "changed", "role": instance.role.name},
    )


def on_membership_deleted(sender, instance, **kwargs):
    audit_record(
        Action.PERMISSION_CHANGED,
        target_type="auth.user",
        target_id=instance.user_id,
        target_label=str(instance.user) if instance.user_id else "",
        prop=instance.property if instance.property_id else None,
        details={"membership": "removed", "role": instance.role.name},
    )


def on_m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    relation = {
        get_user_model().groups.through: "groups",
        get_user_model().user_permissions.through: "user_permissions",
        Group.permissions.through: "group_permissions",
    }[sender]
    if model is Permission:
        names = sorted(
            f"{app}.{codename}"
            for app, codename in Permission.objects.filter(pk__in=pk_set or ()).values_list(
                "content_type__app_label", "codename"
            )
        )
    else:
        names = sorted(str(obj) for obj in model.objects.filter(pk__in=pk_set or ()))
    audit_record(
        Action.PERMISSION_CHANGED,
        target=instance,
        details={
            "relation": relation,
            "change": action.removeprefix("post_"),
            "reverse": reverse,
            "items": names,
        },
    )


def on_device_deleted(sender, instance, **kwargs):
    audit_record(
        Action.PERMISSION_CHANGED,
        target_type="auth.user",
        target_id=instance.user_id,
        details={"authenticator": "removed"},
    )


def on_access_changed(sender, instance, **kwargs):
    """A user, profile or membership changed: that user's cached context is stale (ADR 0019)."""
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # each login writes it; no page reads it from the signed-in user (the admin reads the row)
    user_id = instance.pk if isinstance(instance, get_user_model()) else instance.user_id
    if user_id is not None:
        auth_context_invalidate(user_id=user_id)


def on_everyones_access_changed(sender, **kwargs):
    """A property or role changed: every cached context is stale (ADR 0019)."""
    auth_context_invalidate()


def connect() -> None:
    user_model = get_user_model()
    user_logged_in.connect(on_logged_in, dispatch_uid="hotel_crm.audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="hotel_crm.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="hotel_crm.audit.login_failed")
    post_init.connect(remember_user_flags, sender=user_model, dispatch_uid="hotel_crm.audit.user_init")
    post_save.connect(on_user_saved, sender=user_model, dispatch_uid="hotel_crm.audit.user_saved")
    post_save.connect(on_membership_saved, sender=StaffMembership, dispatch_uid="hotel_crm.audit.membership")
    post_delete.connect(
        on_membership_deleted, sender=StaffMembership, dispatch_uid="hotel_crm.audit.membership_deleted"
    )
    post_delete.connect(on_device_deleted, sender=TOTPDevice, dispatch_uid="hotel_crm.audit.device_deleted")
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(
            on_m2m_changed, sender=through, dispatch_uid=f"hotel_crm.audit.m2m.{through.__name__}"
        )
    for model in (user_model, StaffProfile, StaffMembership):
        for signal in (post_save, post_delete):
            signal.connect(
                on_access_changed, sender=model, dispatch_uid=f"hotel_crm.authctx.{model.__name__}"
            )
    for shared in (Property, Group):
        for signal in (post_save, post_delete):
            signal.connect(
                on_everyones_access_changed,
                sender=shared,
                dispatch_uid=f"hotel_crm.authctx.{shared.__name__}",
            )
    m2m_changed.connect(
        on_everyones_access_changed,
        sender=user_model.groups.through,
        dispatch_uid="hotel_crm.authctx.user_groups",
    )
