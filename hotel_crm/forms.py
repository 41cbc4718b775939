"""Input cleaning for logging in and the second factor."""

import math

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hotel_crm import login_throttle
from hotel_crm.audit import Action, audit_record, client_ip
from hotel_crm.models import LoginLock


def _locked_message(lock: LoginLock) -> str:
    minutes = max(1, math.ceil((lock.until - timezone.now()).total_seconds() / 60))
    if lock.scope == LoginLock.Scope.USER_AT_IP:
        # The same words whether or not the username exists.
        return ngettext(
            "Too many failed logins for this username at this terminal. Try again in %(minutes)d minute, "
            "or ask an administrator to lift the lock.",
            "Too many failed logins for this username at this terminal. Try again in %(minutes)d minutes, "
            "or ask an administrator to lift the lock.",
            minutes,
        ) % {"minutes": minutes}
    return ngettext(
        "Too many failed logins. Try again in %(minutes)d minute.",
        "Too many failed logins. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing attempts while the username is locked at this IP (ADR 0008)."""

    request: HttpRequest  # the login view always passes it

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()
        ip = client_ip(self.request)
        lock = login_throttle.login_lock_for(username=username, ip=ip)
        if lock is not None:
            audit_record(
                Action.LOGIN_REFUSED,
                actor_label=username,
                request=self.request,
                details={"username": username[:150], "lock": lock.scope},
            )
            raise ValidationError(_locked_message(lock), code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            new_lock = login_throttle.login_failure_record(username=username, ip=ip)
            if new_lock is not None:
                audit_record(
                    Action.LOCKOUT,
                    actor_label=username,
                    request=self.request,
                    details={"username": username[:150], "until": new_lock.until.isoformat()},
                )
                raise ValidationError(_locked_message(new_lock), code="locked") from None
            raise
        login_throttle.login_success_record(username=username, ip=ip)
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )
