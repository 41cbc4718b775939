"""The audit trail of staff actions: `audit_record(...)` from services, views and signals.

Who and where from come from the request being served (AuditContextMiddleware
keeps it in a context variable), so a service that has no request, or a signal
fired by the admin, still records the actor, their IP and device.
"""

import contextvars
import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.http import HttpRequest

from hotel_crm.models import AuditEvent, Property

Action = AuditEvent.Action

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_request", default=None
)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the trusted proxy's header when CLIENT_IP_HEADER says so.

    Only set CLIENT_IP_HEADER when every request comes through your own proxy: the
    header is then read from the right, skipping TRUSTED_PROXY_HOPS - 1 further
    proxies, so a client cannot forge its address by sending the header itself.
    """
    header = settings.CLIENT_IP_HEADER
    if header:
        hops = [h.strip() for h in request.META.get(header, "").split(",") if h.strip()]
        if len(hops) >= settings.TRUSTED_PROXY_HOPS:
            candidate = hops[-settings.TRUSTED_PROXY_HOPS]
            if _is_ip(candidate):
                return candidate
    remote = request.META.get("REMOTE_ADDR", "")
    return remote if _is_ip(remote) else "0.0.0.0"  # noqa: S104 -- a placeholder, never bound


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class AuditContextMiddleware:
    """Make the request being served known to audit_record. Place it after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def audit_record(
    action: str,
    *,
    actor: User | None = None,
    actor_label: str = "",
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_label: str = "",
    prop: Property | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event; actor, property, IP and device default to those of the current request."""
    request = request or _current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if prop is None and request is not None:
        prop = getattr(request, "property", None)
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
        target_label = target_label or str(target)
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=(actor_label or (actor.get_username() if actor is not None else ""))[:150],
        target_type=target_type[:60],
        target_id=str(target_id)[:60],
        target_label=str(target_label)[:200],
        property=prop,
        ip=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        details=details or {},
    )
