"""A rate limit per token (browser sessions are not limited here)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self) -> str:
        return f"{settings.API_TOKEN_RATE_PER_MINUTE}/min"

    def allow_request(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        if token.requests_per_minute:
            self.num_requests, self.duration = token.requests_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return f"throttle_api_token_{request.auth.prefix}"
