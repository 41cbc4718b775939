"""Public endpoints of the guests' channels (ADR 0020): WeChat's callback and the mail services' webhooks.

No session and no CSRF token: each request is authenticated by its signature (WeChat) or HTTP basic auth
(django-anymail's WEBHOOK_SECRET).
"""

from anymail import urls as anymail_urls
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, path

from complaints.views import channels

app_name = "channels"
urlpatterns = [
    path("wechat/<slug:key>/", channels.wechat_callback, name="wechat"),
    # django-anymail's inbound webhooks (`/channels/<service>/inbound/`) of ANYMAIL_INBOUND_SERVICES,
    # outside the staff login.
    *(
        URLPattern(
            pattern,
            login_not_required(channels.inbound_webhook(view)),
            name=f"anymail_{name}",
        )
        for pattern, view, name in (
            (p.pattern, p.callback, p.name)
            for p in anymail_urls.urlpatterns
            if isinstance(p, URLPattern)
            and p.name
            and p.name.removesuffix("_inbound_webhook") in settings.ANYMAIL_INBOUND_SERVICES
        )
    ),
]
