"""The inbox's background task, in every Rasa server (started by handoff/inbox.py).

Every HANDOFF_CHECK_SECONDS it:
- closes waits nobody picked up within `handoff.wait_timeout_minutes`
  (clinic/clinic.yml): the conversation goes back to the bot, which says so and
  offers the callback request, on the patient's own channel;
- alerts staff (notify.py) about conversations that started waiting;
- now and then deletes expired sessions, old sign-in failures and old widget messages.

Why a task here and not one of Rasa's reminders: a reminder runs only in the
process that scheduled it (lost on a restart, unknown to the other replicas),
and Rasa ignores a reminder's intent while the conversation is paused, which is
exactly when this must fire. Here every replica checks the same SQL rows, and
each change is claimed with a conditional UPDATE, so exactly one replica acts.
"""
import asyncio
import logging
import time
from datetime import timedelta
from typing import Any, Optional

from clinic.config import current_clinic, messages
from handoff import tables
from handoff.accounts import StaffAccounts
from handoff.conversations import current_tracker, patient_language, resume_events, send_bot_message
from handoff.notify import NotificationError, NotifySettings, alert_staff
from handoff.outbox import WidgetOutbox
from handoff.sessions import StaffSessions
from handoff.settings import InboxSettings
from handoff.store import Handoff, HandoffStore, utc_now

logger = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 600
NOTIFY_ONLY_WITHIN = timedelta(hours=1)  # after a long outage, don't alert about old waits


class Housekeeping:
    def __init__(self, app: Any, settings: InboxSettings, store: HandoffStore, outbox: WidgetOutbox,
                 accounts: StaffAccounts, sessions: StaffSessions) -> None:
        self.app = app
        self.settings = settings
        self.store = store
        self.outbox = outbox
        self.accounts = accounts
        self.sessions = sessions
        self.notify_settings = self._notify_settings()
        self._last_prune = 0.0

    @staticmethod
    def _notify_settings() -> Optional[NotifySettings]:
        try:
            settings = NotifySettings.from_environment()
        except ValueError as problem:
            logger.error("Hand-off alerts are off: %s", problem)
            return None
        if not settings.enabled:
            logger.info("Hand-off alerts are off (no SMTP host and recipients, no Slack webhook)")
            return None
        return settings

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.check_seconds)
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad pass must not stop the next ones
                logger.exception("The hand-off housekeeping pass failed")

    async def run_once(self) -> None:
        agent = getattr(self.app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            return  # the model is still loading
        await self.close_overdue_waits()
        await self.alert_staff()
        if time.monotonic() - self._last_prune > PRUNE_EVERY_SECONDS:
            self._last_prune = time.monotonic()
            self.sessions.prune()
            self.accounts.prune_failures()
            self.outbox.prune()

    async def close_overdue_waits(self) -> None:
        clinic = current_clinic()
        cutoff = utc_now() - timedelta(minutes=clinic.handoff.wait_timeout_minutes)
        for handoff in self.store.waiting_since_before(cutoff):
            if self.store.close(handoff.id, tables.TIMED_OUT):  # only one replica gets True
                logger.info("A hand-off timed out: nobody picked it up")
                await self._offer_callback(handoff)

    async def _offer_callback(self, handoff: Handoff) -> None:
        clinic = current_clinic()
        location = clinic.location(handoff.location_id)
        tracker = await current_tracker(self.app.ctx.agent, handoff.sender_id)
        language = patient_language(tracker)
        wording = messages(language)["handoff"]
        await send_bot_message(
            self.app, handoff.sender_id, handoff.channel, self.outbox,
            wording["timed_out"].format(phone=location.phone if location else clinic.phone),
            buttons=[{"title": wording["callback_button"], "payload": "/request_callback"}],
            before=resume_events(tracker), language=language)

    async def alert_staff(self) -> None:
        if self.notify_settings is None:
            return
        for handoff in self.store.to_notify(utc_now() - NOTIFY_ONLY_WITHIN):
            if not self.store.claim_notification(handoff.id):
                continue  # another replica has it
            try:
                await alert_staff(handoff, self.notify_settings)
                logger.info("Alerted staff about a waiting conversation")
            except NotificationError as problem:
                logger.error("Could not alert staff (%s); will try again", problem)
                self.store.notification_failed(handoff.id)
