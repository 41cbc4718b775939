"""Writes of the API app: issuing and revoking tokens, and keeping the acting staff account in step."""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotel_crm.api.models import ApiToken, Scope
from hotel_crm.auth_context import auth_context_invalidate
from hotel_crm.models import Property, StaffMembership

TOKEN_PREFIX = "hcrm_"


class TokenError(Exception):
    """A token that cannot be issued as asked; the message is for the administrator."""


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_issue(
    *,
    name: str,
    prop: Property,
    role: Group,
    scopes: list[str],
    created_by: User | None,
    requests_per_minute: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and the staff account it acts as; return the token and the secret (shown once)."""
    name = name.strip()
    if not name:
        raise TokenError(_("Give the token a name (the system that will use it)."))
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise TokenError(_("Unknown scopes: %(scopes)s") % {"scopes": ", ".join(sorted(unknown))})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    # One account per token, so the timeline names the integration and its role sets its authority.
    user = get_user_model().objects.create_user(
        username=f"api:{prefix}", first_name="API", last_name=name[:150]
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    StaffMembership.objects.create(user=user, property=prop, role=role)
    token = ApiToken.objects.create(
        name=name,
        property=prop,
        scopes=[s for s in Scope.values if s in scopes],
        prefix=prefix,
        key_hash=token_hash(raw),
        user=user,
        created_by=created_by,
        requests_per_minute=requests_per_minute,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke for good: the key stops working at once and its account is disabled."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        get_user_model().objects.filter(pk=token.user_id).update(is_active=False)
        auth_context_invalidate(user_id=token.user_id)  # update() sends no signal
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Note the token was used; at most once a minute, so reads do not turn into a write each."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
