"""`manage.py check --deploy` errors for settings that would make production unsafe (issue #18).

Django's own deploy checks only warn about a short SECRET_KEY (security.W009); a key that short signs
sessions, password-reset tokens and the guests' links, so here it is an error. A production without
GUEST_LINK_BASE_URL would e-mail guests links to localhost (beat has no request to take the host from).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


@register(Tags.security, deploy=True)
def secret_key_strong(app_configs, **kwargs) -> list[Error]:
    key = str(getattr(settings, "SECRET_KEY", "") or "")
    if len(key) >= SECRET_KEY_MIN_LENGTH and len(set(key)) >= SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return []
    return [
        Error(
            f"SECRET_KEY has {len(key)} characters; production needs at least {SECRET_KEY_MIN_LENGTH} "
            "random ones (it signs sessions and the guests' links).",
            hint="python -c 'import secrets; print(secrets.token_urlsafe(50))'",
            id="hotel_crm.E001",
        )
    ]


@register(Tags.security, deploy=True)
def guest_link_base_url_set(app_configs, **kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    url = urlsplit(settings.GUEST_LINK_BASE_URL or "")
    if url.scheme in ("http", "https") and url.netloc and url.hostname not in ("localhost", "127.0.0.1"):
        return []
    return [
        Error(
            "GUEST_LINK_BASE_URL is not set to the public address of the app: guests' e-mails would "
            "link to localhost.",
            hint="Set GUEST_LINK_BASE_URL=https://crm.your-hotel.example",
            id="hotel_crm.E002",
        )
    ]
