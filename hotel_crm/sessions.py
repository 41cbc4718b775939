"""Sessions cached in the shared cache and written through to the database (ADR 0019).

Django's cached_db store, made to survive a cache outage: when Redis cannot be
reached the session is read from and written to the database alone, so signing in
and working go on. A cached copy lives at most AUTH_CONTEXT_MAX_AGE seconds, so a
session deleted (signed out, revoked) while the cache was unreachable cannot come
back from it for long once the cache returns.
"""

import logging

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache.backends.base import BaseCache

from hotel_crm.auth_context import CACHE_ERRORS

logger = logging.getLogger(__name__)


class SessionStore(CachedDBStore):
    # Set by the parent's __init__; the stubs know neither it nor the two below (a subclass's API).
    _cache: BaseCache

    def _cache_get(self, key: str):
        try:
            return self._cache.get(key)
        except CACHE_ERRORS:
            logger.warning("Shared cache unreachable: session read from the database", exc_info=True)
            return None

    def _cache_set(self, key: str, data: dict, age: int) -> None:
        try:
            self._cache.set(key, data, min(age, settings.AUTH_CONTEXT_MAX_AGE))
        except CACHE_ERRORS:
            logger.warning("Shared cache unreachable: session kept in the database only", exc_info=True)

    def load(self):
        data = self._cache_get(self.cache_key)
        if data is not None:
            return data
        session = self._get_session_from_db()  # type: ignore[attr-defined]
        if not session:
            return {}
        data = self.decode(session.session_data)
        self._cache_set(self.cache_key, data, self.get_expiry_age(expiry=session.expire_date))
        return data

    def exists(self, session_key):
        if session_key and self._cache_get(self.cache_key_prefix + session_key) is not None:
            return True
        return super(CachedDBStore, self).exists(session_key)

    def save(self, must_create=False):
        super(CachedDBStore, self).save(must_create)  # the database first: it is the record
        self._cache_set(self.cache_key, self._session, self.get_expiry_age())  # type: ignore[attr-defined]

    def delete(self, session_key=None):
        super(CachedDBStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except CACHE_ERRORS:
            logger.error(
                "Shared cache unreachable: a deleted session's cached copy expires within %s s",
                settings.AUTH_CONTEXT_MAX_AGE,
                exc_info=True,
            )
