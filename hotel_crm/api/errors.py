"""Every error as JSON: {"detail": message, "code": ..., "errors": {field: [messages]}}.

A rule of the cycle that refuses an action, or a version conflict, is a 409 with the service's
own message: the API and the UI refuse the same things with the same words.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hotel_crm.errors import DomainError, StaleRecord
from hotel_crm.request_ids import request_id_of

log = logging.getLogger("hotel_crm.api")


def server_error_body(request_id: str) -> dict:
    """The documented answer to an unexpected error: what the caller quotes to find it in the log."""
    return {
        "detail": _(
            "Something went wrong on our side. Nothing was changed; quote request %(request_id)s if "
            "you report it."
        )
        % {"request_id": request_id},
        "code": "server_error",
        "request_id": request_id,
    }


def _unexpected(exc, context) -> Response:
    """Log an error no rule expected, undo what the request wrote, and answer the documented JSON."""
    request = context.get("request")
    request_id = request_id_of(request._request if request is not None else None)
    log.error(
        "Unexpected API error on %s (request %s)", getattr(request, "path", "?"), request_id, exc_info=exc
    )
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            transaction.set_rollback(True, using=connection.alias)
    return Response(server_error_body(request_id), status=status.HTTP_500_INTERNAL_SERVER_ERROR)


def api_server_error(request) -> JsonResponse:
    """handler500 for an error outside the API's views (a middleware): the same JSON."""
    return JsonResponse(server_error_body(request_id_of(request)), status=500)


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: [str(m) for m in value] if isinstance(value, list) else _field_errors(value)
            for key, value in detail.items()
        }
    return {"non_field_errors": [str(m) for m in detail]} if isinstance(detail, list) else {}


def exception_handler(exc, context):
    if isinstance(exc, StaleRecord):
        return Response({"detail": str(exc), "code": "version_conflict"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc), "code": "not_allowed_now"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or _("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return _unexpected(exc, context)
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": _("Some fields are not valid."),
            "code": "invalid",
            "errors": _field_errors(exc.detail),
        }
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        response.data = {
            "detail": str(detail),
            "code": getattr(detail, "code", None) or exc.default_code,
        }
    return response


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
