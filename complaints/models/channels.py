"""Guests' own channels (issue #23): what arrives by email, WeChat or a review site, and the team-chat alerts.

Every channel produces an IncomingMessage; staff turn it into a case or attach it to one (ADR 0020).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from complaints.models.case import Channel, Complaint
from guests.models import Guest
from hotel_crm.models import Property
from hotel_crm.scoping import PropertyScopedQuerySet


class IncomingStatus(models.TextChoices):
    NEW = "new", _("Waiting")
    CASE_CREATED = "case_created", _("New case logged")
    ATTACHED = "attached", _("Attached to a case")
    DISMISSED = "dismissed", _("Dismissed")


class IncomingMessage(models.Model):
    """One message from a guest's own channel, kept as it arrived, waiting in the intake queue."""

    property = models.ForeignKey(
        Property, on_delete=models.PROTECT, related_name="+", verbose_name=_("hotel")
    )
    channel = models.CharField(_("channel"), max_length=15, choices=Channel.choices)
    # The channel's own id (Message-ID, WeChat MsgId, the review's id): a second delivery is ignored.
    external_id = models.CharField(_("message id"), max_length=255)
    sender = models.CharField(_("from"), max_length=254)
    sender_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("message"), blank=True)
    # The message exactly as it arrived (MIME bytes, the decrypted XML, the review's row), up to a limit.
    raw = models.BinaryField(_("original message"), editable=False)
    raw_truncated = models.BooleanField(default=False, editable=False)
    language = models.CharField(_("language"), max_length=16, blank=True)
    received_at = models.DateTimeField(_("received at"))
    # Email threading: the Message-IDs this message answers (In-Reply-To and References).
    reply_to_ids = models.TextField(blank=True, editable=False)
    status = models.CharField(
        _("state"), max_length=15, choices=IncomingStatus.choices, default=IncomingStatus.NEW, editable=False
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_messages",
        verbose_name=_("case"),
    )
    guest = models.ForeignKey(
        Guest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("guest")
    )
    guest_confirmed = models.BooleanField(default=False, editable=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["property", "channel", "external_id"], name="incoming_message_once_per_channel"
            ),
        ]
        indexes = [
            models.Index(
                "property", "status", F("received_at").desc(), F("id").desc(), name="incoming_queue_idx"
            ),
            models.Index(fields=["complaint"], name="incoming_complaint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.sender}"


# Why an attachment was not kept: the code stored, the words shown.
REFUSALS = {
    "too large": _("larger than the limit"),
    "type not accepted": _("a type that is not accepted"),
    "content is not of its type": _("its content is not what its type says"),
    "too many attachments": _("too many attachments"),
}


class IncomingAttachment(models.Model):
    """A file that came with a message; stored only within the size and type limits, never shown inline."""

    message = models.ForeignKey(IncomingMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    data = models.BinaryField(editable=False)
    # Why it was not kept (too large, a type not accepted); `data` is then empty.
    refused = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename

    def refused_label(self) -> str:
        return str(REFUSALS.get(self.refused, self.refused))


class ChannelIdentity(models.Model):
    """A guest's id on a channel the profile has no field for (a WeChat OpenID), confirmed by staff."""

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=15, choices=Channel.choices)
    identifier = models.CharField(max_length=254)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("channel identity")
        verbose_name_plural = _("channel identities")
        constraints = [
            models.UniqueConstraint(fields=["channel", "identifier"], name="channel_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.identifier}"


class Mailbox(models.Model):
    """A hotel mailbox: its address (for webhooks and replies) and, optionally, IMAP to poll it."""

    property = models.ForeignKey(
        Property, on_delete=models.PROTECT, related_name="+", verbose_name=_("hotel")
    )
    address = models.EmailField(_("address"), unique=True)
    imap_host = models.CharField(_("IMAP server"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_username = models.CharField(_("IMAP user"), max_length=200, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=200, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=100, default="INBOX")
    is_active = models.BooleanField(_("active"), default=True)
    # Where polling got to: the UIDs seen are only valid while the folder's UIDVALIDITY is the same.
    uid_validity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hotel mailbox")
        verbose_name_plural = _("hotel mailboxes")

    def __str__(self) -> str:
        return self.address


class WeChatAccount(models.Model):
    """A WeChat Official Account whose customer-service messages come to this hotel."""

    property = models.ForeignKey(
        Property, on_delete=models.PROTECT, related_name="+", verbose_name=_("hotel")
    )
    key = models.SlugField(_("key in the callback URL"), max_length=40, unique=True)
    app_id = models.CharField(_("AppID"), max_length=64)
    app_secret = models.CharField(_("AppSecret"), max_length=128, blank=True)
    token = models.CharField(_("token"), max_length=64)
    encoding_aes_key = models.CharField(
        _("EncodingAESKey"), max_length=43, blank=True, help_text=_("Needed for the encrypted (safe) mode.")
    )
    api_base_url = models.URLField(_("API address"), default="https://api.weixin.qq.com")
    access_token = models.CharField(max_length=600, blank=True, editable=False)
    access_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("WeChat account")
        verbose_name_plural = _("WeChat accounts")

    def __str__(self) -> str:
        return self.app_id


class OutgoingReplyStatus(models.TextChoices):
    PENDING = "pending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutgoingReply(models.Model):
    """A staff reply to the guest on the channel the case came from (threaded by Message-ID for email)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="outgoing_replies")
    incoming = models.ForeignKey(IncomingMessage, on_delete=models.SET_NULL, null=True, related_name="+")
    channel = models.CharField(max_length=15, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(max_length=4000)
    message_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=10, choices=OutgoingReplyStatus.choices, default=OutgoingReplyStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The reply form's one-time key: the same form sent twice (a double click, a resend after a
    # timeout) is one reply to the guest, not two.
    submission_key = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("reply to the guest")
        verbose_name_plural = _("replies to guests")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"], condition=~Q(message_id=""), name="outgoing_reply_message_id_unique"
            ),
            models.UniqueConstraint(
                fields=["complaint", "submission_key"],
                condition=~Q(submission_key=""),
                name="outgoing_reply_submission_once",
            ),
        ]
        indexes = [
            # The replies due (replies_due): only the pending ones, a few among all ever sent.
            models.Index(
                fields=["next_attempt_at"], name="outgoing_reply_due_idx", condition=Q(status="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}"


class ReviewSource(models.Model):
    """A review site the hotel exports reviews from, with how its export's columns map to ours."""

    FIELDS = ("external_id", "author", "rating", "title", "text", "posted_at")

    property = models.ForeignKey(
        Property, on_delete=models.PROTECT, related_name="+", verbose_name=_("hotel")
    )
    name = models.CharField(_("review site"), max_length=60)
    # Our field -> the export's column (or JSON key), e.g. {"rating": "Score", "text": "Review"}.
    mapping = models.JSONField(_("column mapping"), default=dict)
    rating_scale = models.PositiveSmallIntegerField(_("best rating"), default=5)
    low_rating = models.DecimalField(
        _("low rating"),
        max_digits=4,
        decimal_places=1,
        default=3,
        help_text=_("A review rated this or lower becomes an intake item."),
    )
    # Moves on with every mapping save: a mapping form opened before another manager saved is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PropertyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("review source")
        verbose_name_plural = _("review sources")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["property", "name"], name="review_source_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportedReview(models.Model):
    """One review from an export; a low-rated or complaint-worded one also became an intake item."""

    source = models.ForeignKey(ReviewSource, on_delete=models.CASCADE, related_name="reviews")
    external_id = models.CharField(max_length=255)
    author = models.CharField(max_length=200, blank=True)
    rating = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    incoming = models.OneToOneField(
        IncomingMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="review"
    )
    public_reply = models.TextField(_("public reply"), max_length=4000, blank=True)
    public_reply_at = models.DateTimeField(null=True, blank=True)
    public_reply_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("imported review")
        verbose_name_plural = _("imported reviews")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="imported_review_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.external_id}"


class TeamChatKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot (signed)")


class TeamAlertKind(models.TextChoices):
    ESCALATION = "escalation", _("Escalation")
    VIP_ARRIVAL = "vip_arrival", _("VIP arrival with past complaints")
    HANDOVER = "handover", _("Unacknowledged handover")
    OTHER = "other", _("Other")


class TeamChatHook(models.Model):
    """A property's team-chat group robot: alerts reach phones; quiet hours kept, escalations excepted."""

    property = models.OneToOneField(
        Property, on_delete=models.CASCADE, related_name="+", verbose_name=_("hotel")
    )
    kind = models.CharField(
        _("service"), max_length=10, choices=TeamChatKind.choices, default=TeamChatKind.WECOM
    )
    url = models.URLField(_("robot URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True, help_text=_("DingTalk's “sign” secret (SEC…).")
    )
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team-chat robot")
        verbose_name_plural = _("team-chat robots")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.property})"


class TeamAlertStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class TeamAlert(models.Model):
    """One alert to a team chat, an outbox row sent by Celery with backoff (like the API's webhooks)."""

    hook = models.ForeignKey(TeamChatHook, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=15, choices=TeamAlertKind.choices)
    text = models.CharField(max_length=1000)
    # The same event twice (a retried task) makes one alert.
    key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=10, choices=TeamAlertStatus.choices, default=TeamAlertStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("team-chat alert")
        verbose_name_plural = _("team-chat alerts")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="team_alert_due_idx",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]
