"""Idle and absolute session timeouts, and the second-factor gate, for every request."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from hotel_crm import mfa, staff_sessions
from hotel_crm.audit import Action, audit_record

# Reached while the second factor is still owed (besides the MFA pages themselves).
_OPEN_WHILE_MFA_PENDING = ("logout", "set_language", "healthz")


class StaffSessionMiddleware:
    """End sessions idle for SESSION_IDLE_SECONDS or older than SESSION_ABSOLUTE_SECONDS; hold a
    session that still owes a second factor on the code (or enrolment) page.

    Place it after AuthenticationMiddleware and AuditContextMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = timezone.now()
        stamp = now.timestamp()
        if session.get(staff_sessions.AUTH_AT) is None:
            # A session from before this middleware existed: untracked, so end it once.
            return self._end(request, "expired")
        if stamp - session[staff_sessions.SEEN_AT] > settings.SESSION_IDLE_SECONDS:
            return self._end(request, "idle")
        if stamp - session[staff_sessions.AUTH_AT] > settings.SESSION_ABSOLUTE_SECONDS:
            return self._end(request, "expired")

        state = session.get(staff_sessions.MFA_STATE)
        if state is None:
            state = session[staff_sessions.MFA_STATE] = mfa.mfa_state_for(request.user)
        if state != mfa.MFA_OK:
            if not self._open_while_pending(request):
                target = "mfa_enrol" if state == mfa.MFA_ENROL else "mfa_verify"
                return self._redirect(request, reverse(target), {"next": request.get_full_path()})
            # The pages show no navigation: nothing else opens yet.
            request.mfa_pending = True

        if stamp - session[staff_sessions.SEEN_AT] >= staff_sessions.SEEN_RESOLUTION_SECONDS:
            staff_sessions.staff_session_touch(request, now)
        return self.get_response(request)

    @staticmethod
    def _open_while_pending(request) -> bool:
        # Static files never get here: whitenoise serves them earlier.
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.url_name in (*_OPEN_WHILE_MFA_PENDING, "mfa_enrol", "mfa_verify")

    def _end(self, request, reason: str):
        audit_record(
            Action.SESSION_EXPIRED,
            actor=request.user,
            details={
                "reason": reason,
                "idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
                "lifetime_hours": round(settings.SESSION_ABSOLUTE_SECONDS / 3600, 1),
            },
        )
        request._logout_reason = reason
        logout(request)
        query = {"reason": reason}
        if request.method == "GET":
            query["next"] = request.get_full_path()
        return self._redirect(request, reverse(settings.LOGIN_URL), query)

    @staticmethod
    def _redirect(request, path: str, query: dict[str, str]):
        url = f"{path}?{urlencode(query)}"
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into a panel; ask it to load the whole page instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
