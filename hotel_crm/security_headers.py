"""The Permissions-Policy header: the browser features this app never uses are switched off.

Django's SecurityMiddleware sends HSTS, Referrer-Policy, Cross-Origin-Opener-Policy and
X-Content-Type-Options, XFrameOptionsMiddleware X-Frame-Options and ContentSecurityPolicyMiddleware
the CSP; Django has no setting for Permissions-Policy, hence this small middleware.
"""

from django.conf import settings

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
