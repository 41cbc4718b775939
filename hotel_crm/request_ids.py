"""A request id on every request: sent back in X-Request-ID and written on every log line of the request.

An unexpected error's answer carries the id (the API's JSON body, the 500 page), so what a caller
reports can be found in the log. An id sent by the caller or a proxy (X-Request-ID) is kept when it
looks like one, so one id follows the request through the proxy's log and ours.
"""

import contextvars
import logging
import re
import uuid

from django.http import HttpRequest

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str:
    """The id of the request being served on this thread ("-" outside a request)."""
    return _current.get()


def request_id_of(request: HttpRequest | None) -> str:
    return getattr(request, "request_id", None) or current_request_id()


class RequestIdMiddleware:
    """Give the request an id (`request.request_id`), answer it in X-Request-ID. Outermost but one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(HEADER, "")
        request_id = offered if _ACCEPTED.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Put the current request's id on every log record (`%(request_id)s` in the format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True
