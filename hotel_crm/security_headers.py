"""The Permissions-Policy header: the browser features this app never uses are switched off.

Django's SecurityMiddleware sends HSTS, Referrer-Policy, Cross-Origin-Opener-Policy and
X-Content-Type-Options, XFrameOptionsMiddleware X-Frame-Options and ContentSecurityPolicyMiddleware
the CSP; Django has no setting for Permissions-Policy, hence this small middleware.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control

# Nothing in a front-desk CRM needs the camera, microphone, location, payment or USB.
DEFAULT_PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
    "interest-cohort": [],
}


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """Render {"camera": [], "fullscreen": ["self"]} as `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        policy = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)
        self.header = permissions_policy_header(policy)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response the app itself makes (issue #18).

    Pages, CSV exports and API answers carry guest data: on a shared desk terminal, Back after the
    idle logout must not show them from the browser's cache. Placed after WhiteNoise, so static
    assets (which WhiteNoise answers before this runs) keep their long cache headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        cache_control = response.get("Cache-Control", "")
        if "no-store" in cache_control:  # never_cache and the like already say it
            return response
        if "public" in cache_control or "max-age" in cache_control:
            # A view's own caching would contradict no-store: no-store wins.
            response["Cache-Control"] = "private, no-store"
        else:
            patch_cache_control(response, no_store=True, private=True)
        return response
