from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Stable pages however many rows arrive meanwhile; each view sets its own `ordering`."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
