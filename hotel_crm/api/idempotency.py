"""Idempotency-Key on POST: a repeat of the same request returns the first response, not a second effect.

The key is stored with the response in the same transaction as the change, so a request either
happened with its key recorded or did not happen at all. Keys are per caller (each token has its
own account) and kept for KEEP; the same key with another body is refused with 422.
"""

import datetime as dt
import hashlib
import json
from functools import wraps

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from hotel_crm.api.errors import Unprocessable
from hotel_crm.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP = dt.timedelta(hours=24)
MAX_LENGTH = 255


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(stored: IdempotencyKey, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise Unprocessable(
            _(
                "This Idempotency-Key was already used for a different request. "
                "Use a new key for a new request."
            )
        )
    response = Response(stored.response_body, status=stored.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def idempotent(handler):
    """Decorate a view's `post`: honour the Idempotency-Key header when one is sent."""

    @wraps(handler)
    def wrapped(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_LENGTH:
            raise Unprocessable(_("The Idempotency-Key is longer than 255 characters."), code="invalid")
        if not key.isprintable():
            raise Unprocessable(
                _("The Idempotency-Key may contain printable characters only."), code="invalid"
            )
        fingerprint = _fingerprint(request)
        now = timezone.now()
        IdempotencyKey.objects.filter(user=request.user, key=key, expires_at__lte=now).delete()
        stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if stored is not None:
            return _replay(stored, fingerprint)
        try:
            with transaction.atomic():
                try:
                    response = handler(view, request, *args, **kwargs)
                except Exception as exc:
                    # A refusal (409, 400…) is kept and replayed like a success; anything the handler
                    # does not turn into a response is re-raised by handle_exception (500, not kept).
                    response = view.handle_exception(exc)
                if response.status_code >= 500:
                    return response
                # PostgreSQL's jsonb refuses a NUL character: stored without it (the parser refuses
                # NUL in bodies; this guards text that reached the database some other way).
                body = _without_nul(json.loads(json.dumps(response.data, cls=DjangoJSONEncoder)))
                IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    fingerprint=fingerprint,
                    response_status=response.status_code,
                    response_body=body,
                    expires_at=now + KEEP,
                )
        except IntegrityError:
            # The same key arrived twice at once; the other request won and its effect stands.
            stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if stored is None:
                raise
            return _replay(stored, fingerprint)
        return response

    return wrapped


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the keys past KEEP; return how many."""
    return IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()[0]
