"""The signed-in user and where they may work, kept in the shared cache between requests (ADR 0019).

Every signed-in request needs the user row (for the session's password hash and
`is_active`) and their PropertyAccess (profile, memberships, roles): three or
four queries. With a cache shared by every web process (Redis, AUTH_CONTEXT_CACHE)
they are read in one round trip instead, and never served stale:

- the cached entry carries the *generation* tokens it was computed under: one per
  user and one for everyone (properties and roles). A change to the user, their
  profile or a membership (per user), or to a property or role (everyone), sets a
  new token, both at once and again after the commit (`auth_context_invalidate`),
  so an entry computed from the old rows never matches again;
- a missing token (a fresh cache, an eviction) means "read the database".

Without a shared cache (a per-process cache cannot see another process's change)
this is off and every request reads the database, as before.

When the cache cannot be reached (Redis down or partitioned), every request reads
the database and a token that could not be renewed is logged: signing in and
working go on. So that a renewal lost in an outage cannot leave a stale entry for
long once the cache is back, an entry lives at most AUTH_CONTEXT_MAX_AGE seconds.
"""

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

from hotel_crm.selectors import PropertyAccess, property_access_for

logger = logging.getLogger(__name__)

# What a shared cache that cannot be reached raises (redis-py's errors; sockets for the rest).
CACHE_ERRORS = (RedisError, OSError)


def _scope() -> str:
    # Two databases behind one cache (a benchmark and a smoke database, staging and production) have
    # the same user ids: a key names its database.
    return f"authctx:{settings.DATABASES['default']['NAME']}"


def _everyone_key() -> str:
    return f"{_scope()}:gen:*"


def _gen_key(user_id: int | str) -> str:
    return f"{_scope()}:gen:{user_id}"


def _entry_key(user_id: int | str) -> str:
    return f"{_scope()}:user:{user_id}"


def auth_context_enabled() -> bool:
    return bool(settings.AUTH_CONTEXT_CACHE)


def user_with_access(user_id: int | str, load_user: Callable[[int | str], User | None]) -> User | None:
    """The user (via `load_user` on a miss) with `property_access` attached, from the cache when fresh."""
    if not auth_context_enabled():
        return load_user(user_id)
    try:
        return _cached_user_with_access(user_id, load_user)
    except CACHE_ERRORS:
        logger.warning("Shared cache unreachable: signed-in user read from the database", exc_info=True)
    user = load_user(user_id)
    if user is not None:
        user.property_access = property_access_for(user)  # type: ignore[attr-defined]
    return user


def _cached_user_with_access(
    user_id: int | str, load_user: Callable[[int | str], User | None]
) -> User | None:
    found = cache.get_many([_everyone_key(), _gen_key(user_id), _entry_key(user_id)])
    tokens = (found.get(_everyone_key()), found.get(_gen_key(user_id)))
    entry = found.get(_entry_key(user_id))
    if entry is not None and None not in tokens and entry[0] == tokens:
        user, access = entry[1], entry[2]
        user.property_access = access
        return user
    if tokens[0] is None:
        cache.add(_everyone_key(), uuid.uuid4().hex, timeout=None)
    if tokens[1] is None:
        cache.add(_gen_key(user_id), uuid.uuid4().hex, timeout=None)
    # Read the tokens before the rows: a change committed after this read sets a new token.
    current = cache.get_many([_everyone_key(), _gen_key(user_id)])
    tokens = (current.get(_everyone_key()), current.get(_gen_key(user_id)))
    user = load_user(user_id)
    if user is None:
        return None
    access = property_access_for(user)
    if None not in tokens:
        cache.set(_entry_key(user_id), (tokens, user, access), timeout=settings.AUTH_CONTEXT_MAX_AGE)
    user.property_access = access  # type: ignore[attr-defined]
    return user


def access_of(user: User) -> PropertyAccess:
    """The user's PropertyAccess: the one loaded with them, else from the database."""
    access = getattr(user, "property_access", None)
    return access if isinstance(access, PropertyAccess) else property_access_for(user)


def _new_tokens(user_id: int | None) -> None:
    try:
        cache.set(_everyone_key() if user_id is None else _gen_key(user_id), uuid.uuid4().hex, timeout=None)
    except CACHE_ERRORS:
        # The change itself is saved; a cached entry computed before it expires within AUTH_CONTEXT_MAX_AGE.
        logger.error(
            "Shared cache unreachable: cached sign-in context of %s not renewed",
            "everyone" if user_id is None else f"user {user_id}",
            exc_info=True,
        )


def auth_context_invalidate(*, user_id: int | None = None) -> None:
    """Make cached contexts stale: one user's, or everyone's (user_id None). Now and after the commit."""
    if not auth_context_enabled():
        return
    _new_tokens(user_id)
    transaction.on_commit(lambda: _new_tokens(user_id))
