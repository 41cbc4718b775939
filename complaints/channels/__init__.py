"""Guests' own channels (issue #23, ADR 0020): email, WeChat and online reviews into one intake queue.

Every channel makes an IncomingMessage through `incoming_receive`; staff turn it into a case
(`incoming_to_case`) or attach it to one (`incoming_attach`). Staff alerts to the team chat are in
complaints.team_chat (other code calls `team_alert_send`).
"""

from complaints.channels.email import email_parse, mailbox_poll, mailboxes_poll
from complaints.channels.intake import (
    INTAKE_CHANNELS,
    Attachment,
    IncomingInput,
    IntakeError,
    incoming_attach,
    incoming_dismiss,
    incoming_receive,
    incoming_to_case,
)
from complaints.channels.matching import GuestMatch, guest_matches
from complaints.channels.replies import replies_due, reply_deliver, reply_send
from complaints.channels.reviews import (
    review_public_reply,
    review_source_save_mapping,
    reviews_check,
    reviews_import,
    reviews_read,
    rows_from_json,
    rows_to_json,
)
from complaints.channels.wechat import WeChatError, callback_open, url_check, wechat_message_process

__all__ = [
    "INTAKE_CHANNELS",
    "Attachment",
    "GuestMatch",
    "IncomingInput",
    "IntakeError",
    "WeChatError",
    "callback_open",
    "email_parse",
    "guest_matches",
    "incoming_attach",
    "incoming_dismiss",
    "incoming_receive",
    "incoming_to_case",
    "mailbox_poll",
    "mailboxes_poll",
    "replies_due",
    "reply_deliver",
    "reply_send",
    "review_public_reply",
    "review_source_save_mapping",
    "reviews_check",
    "reviews_import",
    "reviews_read",
    "rows_from_json",
    "rows_to_json",
    "url_check",
    "wechat_message_process",
]
