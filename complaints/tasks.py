"""Thin Celery tasks: take ids, call one function, safe to run twice."""

import datetime as dt
import logging

from celery import shared_task
from django.db import DatabaseError
from kombu.exceptions import OperationalError

from complaints import channels, dashboard, guest_voice, rate_limit, reminders, team_chat

log = logging.getLogger(__name__)


@shared_task(name="complaints.reminders_dispatch", ignore_result=True)
def reminders_dispatch(now: dt.datetime | None = None, batch: int = 500) -> int:
    """Claim every due reminder, a batch at a time, and hand them to the workers; returns how many.

    First attempts go out `reminders.DELIVERY_BATCH` to a message, a row claimed again alone (ADR 0021).
    With the broker down the claimed rows wait in the database until their lease runs out.
    """
    published = 0
    while True:
        ids = reminders.claim_due(now=now, batch=batch)
        handed = 0
        for group in reminders.delivery_batches(ids):
            try:
                if len(group) == 1:
                    reminder_deliver.apply_async((group[0],), retry=False)
                else:
                    reminders_deliver.apply_async((group,), retry=False)
            except OperationalError:
                log.warning(
                    "Broker unavailable: %d claimed reminders wait for their lease", len(ids) - handed
                )
                return published + handed
            handed += len(group)
        published += handed
        # A full batch means more may be due: a burst drains in one run, not one batch per beat.
        if not ids or len(ids) < batch:
            return published


@shared_task(name="complaints.reminder_deliver", ignore_result=True, acks_late=True)
def reminder_deliver(reminder_id: int) -> None:
    try:
        reminders.deliver(reminder_id=reminder_id)
    except DatabaseError:
        # deliver() released the row for a retry with backoff (or recorded it, if the email went).
        log.warning("Reminder %s not delivered this time: database error", reminder_id, exc_info=True)


@shared_task(name="complaints.reminders_deliver", ignore_result=True, acks_late=True)
def reminders_deliver(reminder_ids: list[int]) -> None:
    """Deliver a batch of claimed reminders in one transaction (safe to run twice)."""
    try:
        reminders.deliver_batch(reminder_ids=reminder_ids)
    except DatabaseError:
        # Released for a retry with backoff, each row alone (the emails that went are recorded).
        log.warning("Reminders %s not delivered this time: database error", reminder_ids, exc_info=True)


@shared_task(name="complaints.digest_schedule", ignore_result=True)
def digest_schedule() -> int:
    return reminders.digest_schedule()


@shared_task(name="complaints.guest_checks_dispatch", ignore_result=True)
def guest_checks_dispatch() -> int:
    """Make the post-stay checks that are due, then email every link still waiting; safe to run twice."""
    guest_voice.post_stay_checks_create()
    sent = 0
    for check_id in guest_voice.guest_checks_claim():
        try:
            sent += guest_voice.guest_check_deliver(check_id=check_id)
        except Exception:  # one bad address must not stop the others; the row is retried after its lease
            log.exception("Could not email guest check %s", check_id)
    return sent


@shared_task(name="complaints.rate_limit_prune", ignore_result=True)
def rate_limit_prune() -> int:
    """Drop the public guest pages' rate-limit windows long past; safe to run twice."""
    return rate_limit.rate_limit_prune()


@shared_task(name="complaints.dashboard_snapshots_refresh", ignore_result=True)
def dashboard_snapshots_refresh() -> int:
    """Recompute the dashboard's standard periods for every hotel; safe to run twice (ADR 0013)."""
    return dashboard.snapshots_refresh()


# --- Guests' own channels and team-chat alerts (ADR 0020) ---------------------------------------


@shared_task(name="complaints.mailboxes_poll", ignore_result=True, soft_time_limit=240, time_limit=300)
def mailboxes_poll() -> int:
    """Beat: fetch new mail of every hotel mailbox that has IMAP; duplicates are ignored.

    A time limit, so a hung server cannot hold a worker; a mailbox's own lock keeps polls from overlapping.
    """
    return channels.mailboxes_poll()


@shared_task(name="complaints.wechat_message_process", ignore_result=True, acks_late=True)
def wechat_message_process(account_id: int, xml: str) -> None:
    """Store a verified WeChat message (the callback answered within WeChat's five seconds already)."""
    channels.wechat_message_process(account_id=account_id, xml=xml.encode())


@shared_task(name="complaints.outgoing_reply_deliver", ignore_result=True, acks_late=True)
def outgoing_reply_deliver(reply_id: int) -> None:
    channels.reply_deliver(reply_id=reply_id)


@shared_task(name="complaints.team_alert_deliver", ignore_result=True, acks_late=True)
def team_alert_deliver(alert_id: int) -> None:
    team_chat.team_alert_deliver(alert_id=alert_id)


@shared_task(name="complaints.channels_dispatch", ignore_result=True)
def channels_dispatch() -> int:
    """Beat: team-chat alerts and replies whose time has come (retries, quiet hours over, lost messages)."""
    sent = 0
    try:
        for alert_id in team_chat.team_alerts_due():
            team_alert_deliver.apply_async((alert_id,), retry=False)
            sent += 1
        for reply_id in channels.replies_due():
            outgoing_reply_deliver.apply_async((reply_id,), retry=False)
            sent += 1
    except OperationalError:
        log.warning("Broker unavailable: due alerts and replies wait for the next run")
    return sent
