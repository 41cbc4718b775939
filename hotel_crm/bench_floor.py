"""Benchmark only: H0, the floor under the floor (docs/performance.md).

H1 (`/ping/`) is a signed-in page through every middleware. H0 is the same tiny
template served by a plain view with no middleware and no session: what Django,
gunicorn and the client cost on their own. H1/H0 is then what our middleware and
session cost per request. Served only when BENCH_FLOOR is set (the benchmark's
server); production never answers it.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

PATH = "/h0/"


class BareHandler(WSGIHandler):
    """Django's WSGI handler with no middleware at all: URL resolution, the view, the response."""

    def load_middleware(self, is_async: bool = False) -> None:
        # What BaseHandler.load_middleware builds for an empty MIDDLEWARE, without touching settings.
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        self._middleware_chain = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]


def h0(request: HttpRequest) -> HttpResponse:
    """The floor: the same 3-line template as /ping/, no user, no session, no middleware."""
    return HttpResponse(render_to_string("hotel_crm/ping.html", {"user": AnonymousUser()}))


def with_h0(application: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """Wrap the app so that PATH goes to the bare handler and everything else to the app."""
    bare = BareHandler()

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == PATH:
            return bare(environ, start_response)
        return application(environ, start_response)

    return dispatch
