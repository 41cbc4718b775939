"""Sets the property the staff member is working in, its time zone and their role there."""

import contextlib

from django.conf import settings
from django.db import connections
from django.utils import timezone, translation

from hotel_crm import dates
from hotel_crm.auth_context import access_of

SESSION_KEY = "current_property_id"


class CurrentPropertyMiddleware:
    """Attach `request.property` and `request.property_access`; activate the property's time zone.

    The property comes from the session, else the one the user last worked in,
    else their first. Must run after AuthenticationMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.property = None
        request.property_access = None
        date_settings = dates.DateSettings()
        user = request.user
        if user.is_authenticated:
            access = access_of(user)
            request.property_access = access
            current = access.get(request.session.get(SESSION_KEY))
            if current is None and access.profile is not None:
                current = access.get(access.profile.last_property_id)
            if current is None:
                current = access.get(access.home_property_id)
            if current is None and access.properties:
                current = access.properties[0]
            if current is not None:
                if request.session.get(SESSION_KEY) != current.pk:
                    request.session[SESSION_KEY] = current.pk
                user.active_role_ids = access.role_ids_by_property.get(current.pk, ())
                user.active_property_id = current.pk
                timezone.activate(current.tzinfo)
                # The reader's own zone: their home hotel's, else the deployment's default.
                home = access.get(access.home_property_id)
                own_zone = home.time_zone if home is not None else settings.TIME_ZONE
                date_settings = dates.DateSettings(
                    style=current.date_style, show_zone=current.time_zone != own_zone
                )
            request.property = current
            if access.profile is not None and access.profile.language:
                translation.activate(access.profile.language)
                request.LANGUAGE_CODE = translation.get_language()
        token = dates.activate(date_settings)
        try:
            return self.get_response(request)
        finally:
            dates.deactivate(token)
            timezone.deactivate()


class QueryCountMiddleware:
    """Benchmark only (BENCH_QUERY_COUNT=1): the number of SQL queries a request ran, in X-Query-Count.

    Outermost, so it counts what every other middleware runs too (session, user, property).
    Off by default: production never sends the header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with contextlib.ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
