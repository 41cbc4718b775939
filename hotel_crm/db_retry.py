"""A GET whose database connection dropped mid-request is served again once, on a new connection.

A restarted or failed-over PostgreSQL, or a connection cut by a proxy, ends the connections the web
processes hold (CONN_MAX_AGE keeps them open): the next request on each used to answer 500. A GET
(or HEAD) changes nothing, so it is safe to run again; a POST is not retried. Only a connection that
is really gone counts (a failing query on a live connection is a bug, answered as such).
"""

import logging

from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD")


def _dropped_connections() -> list:
    dropped = []
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            return []  # a transaction was under way: nothing can be replayed inside it
        if connection.connection is not None and not connection.is_usable():
            dropped.append(connection)
    return dropped


class RetryDroppedConnectionMiddleware:
    """Last in MIDDLEWARE: its process_exception sees the view's database error first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.method not in SAFE_METHODS or getattr(request, "_db_retried", False):
            return None
        if not isinstance(exception, DatabaseError):
            return None
        dropped = _dropped_connections()
        if not dropped:
            return None
        for connection in dropped:
            connection.close()
        request._db_retried = True
        log.warning("Database connection lost during GET %s; serving it again once", request.path)
        match = request.resolver_match
        response = match.func(request, *match.args, **match.kwargs)
        render = getattr(response, "render", None)
        if callable(render) and not getattr(response, "is_rendered", True):
            response = render()
        return response
