"""In-app notifications (the bell)."""

import builtins

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotel_crm import system_text
from hotel_crm.models import Property


class Notification(models.Model):
    """An in-app message to one staff member (the bell)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    # System text (hotel_crm.system_text) rendered in the reader's language; `text` keeps the English.
    message = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the notification comes from a reminder: delivering it twice cannot make two.
    key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text

    @builtins.property  # `property` is a field name in this class
    def display_text(self) -> str:
        return system_text.render(self.message) if self.message else self.text
