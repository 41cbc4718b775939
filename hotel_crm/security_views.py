"""Logging in, the second factor, and the staff member's own security page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hotel_crm import mfa, staff_sessions
from hotel_crm.audit import Action, audit_record
from hotel_crm.forms import CodeForm, ThrottledAuthenticationForm, VerifyForm
from hotel_crm.models import TOTPDevice

PENDING_SECRET = "security.pending_totp_secret"
MFA_FAILURES = "security.mfa_failures"
MFA_FAILURE_LIMIT = 5


class StaffLoginView(LoginView):
    """Django's login view with the throttled form and the reason a session ended."""

    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reason = self.request.GET.get("reason")
        if reason == "idle":
            minutes = settings.SESSION_IDLE_SECONDS // 60
            context["ended_message"] = ngettext(
                "You were logged out after %(minutes)d minute of inactivity. Log in to continue.",
                "You were logged out after %(minutes)d minutes of inactivity. Log in to continue.",
                minutes,
            ) % {"minutes": minutes}
        elif reason == "expired":
            hours = round(settings.SESSION_ABSOLUTE_SECONDS / 3600)
            context["ended_message"] = ngettext(
                "Your session reached its limit of %(hours)d hour. Log in again to continue.",
                "Your session reached its limit of %(hours)d hours. Log in again to continue.",
                hours,
            ) % {"hours": hours}
        elif reason == "mfa":
            context["ended_message"] = _("Too many wrong codes. Log in again.")
        return context


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _second_factor_passed(request) -> None:
    """Mark the session as fully authenticated, under a new key (its privileges just grew)."""
    old_key = request.session.session_key
    request.session.cycle_key()
    staff_sessions.staff_session_rekey(old_key=old_key, new_key=request.session.session_key)
    request.session[staff_sessions.MFA_STATE] = mfa.MFA_OK
    request.session.pop(PENDING_SECRET, None)
    request.session.pop(MFA_FAILURES, None)


@never_cache
def mfa_enrol(request):
    """Show a new authenticator secret (QR code and text) and confirm it with a code from the app."""
    if TOTPDevice.objects.filter(user=request.user).exists():
        messages.info(request, _("You already have an authenticator."))
        return redirect("account_security")
    secret = request.session.get(PENDING_SECRET)
    if not secret:
        secret = request.session[PENDING_SECRET] = mfa.totp_new_secret()
    # Bound on every POST, even an empty one, so its errors are the answer (never a 500).
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        codes = (
            mfa.totp_enrol(user=request.user, secret=secret, code=form.cleaned_data["code"])
            if form.is_valid()
            else None
        )
        if codes is not None:
            _second_factor_passed(request)
            audit_record(Action.MFA_ENROLLED, actor=request.user)
            return render(
                request, "hotel_crm/recovery_codes.html", {"codes": codes, "next": _safe_next(request)}
            )
        audit_record(Action.MFA_FAILED, actor=request.user, details={"step": "enrol"})
        if form.is_valid():
            form.add_error(
                "code", _("That code does not match. Check the phone's clock and try the newest code.")
            )
        status = 400
    context = {
        "form": form,
        "secret": secret,
        # Our own SVG from the qrcode library: nothing in it comes from user input but QR modules.
        "qr_svg": mark_safe(mfa.totp_provisioning_svg(secret=secret, username=request.user.get_username())),  # noqa: S308
        "required": request.session.get(staff_sessions.MFA_STATE) == mfa.MFA_ENROL,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "hotel_crm/mfa_enrol.html", context, status=status)


@never_cache
def mfa_verify(request):
    """Ask for the code of the user's authenticator (or a recovery code) after the password."""
    if request.session.get(staff_sessions.MFA_STATE) != mfa.MFA_VERIFY:
        return HttpResponseRedirect(_safe_next(request))
    form = VerifyForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        result = mfa.second_factor_check(user=request.user, code=form.cleaned_data["code"])
        if result.ok and not result.recovery_used:
            _second_factor_passed(request)
            audit_record(Action.MFA_VERIFIED, actor=request.user)
            return HttpResponseRedirect(_safe_next(request))
        if result.ok:
            _second_factor_passed(request)
            audit_record(
                Action.MFA_RECOVERY_USED,
                actor=request.user,
                details={"left": mfa.recovery_codes_left(request.user)},
            )
            messages.warning(
                request,
                _(
                    "You used a recovery code. Each works only once: "
                    "make new ones on your security page if few are left."
                ),
            )
            return HttpResponseRedirect(_safe_next(request))
        # Every refused attempt counts towards ending this login; the persistent count of wrong codes
        # (delays, lock) is the device's, across logins (second_factor_check).
        failures = request.session.get(MFA_FAILURES, 0) + 1
        request.session[MFA_FAILURES] = failures
        audit_record(
            Action.MFA_FAILED,
            actor=request.user,
            details={
                "step": "verify",
                "failures": failures,
                "wrong_codes_in_a_row": result.failures,
                "refused_early": result.refused_early,
                "locked": result.locked,
            },
        )
        if failures >= MFA_FAILURE_LIMIT:
            request._logout_reason = "mfa"
            logout(request)
            return HttpResponseRedirect(reverse(settings.LOGIN_URL) + "?reason=mfa")
        form.add_error("code", _second_factor_refusal(result))
    if request.method == "POST":
        status = 400
    return render(
        request,
        "hotel_crm/mfa_verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
        status=status,
    )


def _second_factor_refusal(result: mfa.CodeCheck) -> str:
    if result.locked:
        return _(
            "Your second factor is locked after too many wrong codes. Type one of your recovery codes, "
            "or ask a guest relations manager or administrator of your hotel to unlock it."
        )
    if result.refused_early:
        return ngettext(
            "Too many wrong codes: wait %(seconds)d second before trying again.",
            "Too many wrong codes: wait %(seconds)d seconds before trying again.",
            result.wait_seconds,
        ) % {"seconds": result.wait_seconds}
    return _("That code is not right, or was already used. Try the newest code.")


@never_cache
def mfa_locks(request):
    """The locked second factors of staff at this hotel, for a GRM or administrator to unlock."""
    devices = mfa.second_factor_locked_devices(actor=request.user, prop=request.property)
    if not devices and not mfa.second_factor_may_unlock_here(actor=request.user, prop=request.property):
        raise PermissionDenied
    return render(request, "hotel_crm/mfa_locks.html", {"devices": devices})


@require_POST
def mfa_unlock(request, user_id: int):
    """Lift the lock on a colleague's second factor (they typed too many wrong codes)."""
    user = get_object_or_404(User, pk=user_id)
    try:
        mfa.second_factor_unlock(actor=request.user, user=user)
    except mfa.CannotUnlock as exc:
        raise Http404(str(exc)) from exc
    messages.success(
        request, _("The second factor of %(username)s is unlocked.") % {"username": user.get_username()}
    )
    return redirect("mfa_locks")


@never_cache
def account_security(request):
    """The staff member's sessions and second factor."""
    device = TOTPDevice.objects.filter(user=request.user).first()
    context = {
        "sessions": staff_sessions.staff_sessions_active(request.user),
        "current_key": request.session.session_key,
        "device": device,
        "recovery_left": mfa.recovery_codes_left(request.user) if device else 0,
        "mfa_required": mfa.mfa_required_for(request.user),
        "may_unlock": mfa.second_factor_may_unlock_here(actor=request.user, prop=request.property),
        "idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
        "form": CodeForm(),
    }
    return render(request, "hotel_crm/account_security.html", context)


@require_POST
def account_sessions_end_others(request):
    """Log out every other session of this staff member (a terminal left logged in elsewhere)."""
    ended = staff_sessions.staff_sessions_end(user=request.user, keep_session_key=request.session.session_key)
    audit_record(Action.SESSIONS_ENDED, actor=request.user, target=request.user, details={"sessions": ended})
    messages.success(
        request,
        ngettext(
            "%(count)d other session was logged out.", "%(count)d other sessions were logged out.", ended
        )
        % {"count": ended},
    )
    return redirect("account_security")


@require_POST
@never_cache
def account_recovery_codes_renew(request):
    """Replace the recovery codes, after a code from the authenticator proves the phone is at hand."""
    form = CodeForm(request.POST)
    if not form.is_valid() or not mfa.totp_verify(user=request.user, code=form.cleaned_data["code"]):
        audit_record(Action.MFA_FAILED, actor=request.user, details={"step": "recovery_codes"})
        messages.error(request, _("That code is not right, or was already used. Try the newest code."))
        return redirect("account_security")
    codes = mfa.recovery_codes_renew(user=request.user)
    audit_record(Action.MFA_RECOVERY_RENEWED, actor=request.user)
    return render(
        request, "hotel_crm/recovery_codes.html", {"codes": codes, "next": reverse("account_security")}
    )
