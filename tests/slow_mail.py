"""A slow mail server, for the reliability tests: each send takes `pause` seconds, then lands in
Django's test outbox (locmem). It holds a reminder's delivery open so a worker can be killed mid-send.
"""

import time

from django.core.mail.backends.locmem import EmailBackend


class SlowEmailBackend(EmailBackend):
    def __init__(self, *, pause: float = 0, **kwargs):
        super().__init__(**kwargs)
        self.pause = pause

    def send_messages(self, messages):
        time.sleep(self.pause)
        return super().send_messages(messages)


def slow_mailers(pause: float) -> dict:
    """A MAILERS setting whose default mailer takes `pause` seconds per send."""
    return {"default": {"BACKEND": "tests.slow_mail.SlowEmailBackend", "OPTIONS": {"pause": pause}}}
