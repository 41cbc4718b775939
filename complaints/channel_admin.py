"""Admin of the guests' channels (ADR 0020): superusers set up mailboxes, WeChat, review sites and robots.

No role is granted these models, so only superusers see them (they hold credentials).
"""

from django.contrib import admin

from complaints.models import (
    IncomingMessage,
    Mailbox,
    ReviewSource,
    TeamAlert,
    TeamChatHook,
    WeChatAccount,
)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("address", "property", "imap_host", "is_active", "last_polled_at", "last_error")
    readonly_fields = ("uid_validity", "last_uid", "last_polled_at", "last_error")


@admin.register(WeChatAccount)
class WeChatAccountAdmin(admin.ModelAdmin):
    list_display = ("app_id", "key", "property", "is_active")
    exclude = ("access_token", "access_token_expires_at")


@admin.register(ReviewSource)
class ReviewSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "property", "rating_scale", "low_rating")


@admin.register(TeamChatHook)
class TeamChatHookAdmin(admin.ModelAdmin):
    list_display = ("property", "kind", "quiet_from", "quiet_until", "is_active")


@admin.register(TeamAlert)
class TeamAlertAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "status", "attempts", "last_error")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in TeamAlert._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IncomingMessage)
class IncomingMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "property", "channel", "sender", "status")
    list_filter = ("channel", "status")
    readonly_fields = [f.name for f in IncomingMessage._meta.fields if f.name != "raw"]
    exclude = ("raw",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
