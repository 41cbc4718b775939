"""Rate-limit buckets for the public guest pages."""

from django.db import models


class RateLimitBucket(models.Model):
    """Hits on a public page per key (an IP, a link) in one time window: shared by every web process."""

    key = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_limit_bucket_unique")
        ]
        indexes = [models.Index(fields=["window_start"], name="rate_limit_window_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%H:%M}: {self.hits}"
