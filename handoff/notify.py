"""Telling staff that a patient is waiting: e-mail (SMTP) and/or a Slack incoming webhook.

Configured from the environment; each is off unless its variables are set:

    HANDOFF_NOTIFY_EMAIL_TO     comma-separated addresses to alert
    HANDOFF_NOTIFY_EMAIL_FROM   the sender address (default: the first recipient)
    HANDOFF_SMTP_HOST           the mail server
    HANDOFF_SMTP_PORT           its port (587; 465 with ssl)
    HANDOFF_SMTP_SECURITY       starttls (default), ssl, or none (loopback only)
    HANDOFF_SMTP_USERNAME, HANDOFF_SMTP_PASSWORD   when the server needs a login
    HANDOFF_SLACK_WEBHOOK_URL   a Slack incoming webhook (https://hooks.slack.com/...)
    STAFF_INBOX_URL             the inbox's address, linked from the alert

An alert says only that someone is waiting: the reason, the channel, since
when, and where the inbox is. It never holds the patient's messages, name,
phone number or conversation id: e-mail and Slack are outside the clinic's
protected systems.
"""
import asyncio
import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import List, Optional
from urllib.parse import urlsplit

import aiohttp

from clinic.config import current_clinic
from clinic.dates import format_moment
from handoff.store import Handoff

logger = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 15
CHANNEL_NAMES = {
    "rest": "website chat", "twilio": "SMS or WhatsApp", "facebook": "Messenger",
    "telegram": "Telegram", "slack": "Slack",
}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class NotificationError(Exception):
    """An alert could not be sent (message: kind only, never the address or a secret)."""


@dataclass(frozen=True)
class NotifySettings:
    email_to: List[str]
    email_from: Optional[str] = None
    smtp_host: Optional[str] = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: Optional[str] = None
    smtp_password: Optional[str] = None
    slack_webhook_url: Optional[str] = None
    inbox_url: Optional[str] = None

    @classmethod
    def from_environment(cls) -> "NotifySettings":
        env = os.environ
        security = (env.get("HANDOFF_SMTP_SECURITY") or "starttls").strip().lower()
        if security not in ("starttls", "ssl", "none"):
            raise ValueError("HANDOFF_SMTP_SECURITY must be starttls, ssl or none")
        host = (env.get("HANDOFF_SMTP_HOST") or "").strip() or None
        if security == "none" and host and host not in LOOPBACK_HOSTS:
            raise ValueError("HANDOFF_SMTP_SECURITY=none is only allowed for a mail server on loopback")
        webhook = (env.get("HANDOFF_SLACK_WEBHOOK_URL") or "").strip() or None
        if webhook:
            parts = urlsplit(webhook)
            if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)):
                raise ValueError("HANDOFF_SLACK_WEBHOOK_URL must be an https:// URL")
        default_port = 465 if security == "ssl" else 587
        return cls(
            email_to=[a.strip() for a in (env.get("HANDOFF_NOTIFY_EMAIL_TO") or "").split(",") if a.strip()],
            email_from=(env.get("HANDOFF_NOTIFY_EMAIL_FROM") or "").strip() or None,
            smtp_host=host,
            smtp_port=int(env.get("HANDOFF_SMTP_PORT") or default_port),
            smtp_security=security,
            smtp_username=(env.get("HANDOFF_SMTP_USERNAME") or "").strip() or None,
            smtp_password=env.get("HANDOFF_SMTP_PASSWORD") or None,
            slack_webhook_url=webhook,
            inbox_url=(env.get("STAFF_INBOX_URL") or "").strip() or None,
        )

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.email_to)

    @property
    def enabled(self) -> bool:
        return self.email_enabled or bool(self.slack_webhook_url)


def alert_text(handoff: Handoff, inbox_url: Optional[str]) -> str:
    """The alert, without anything that identifies the patient."""
    clinic = current_clinic()
    since = handoff.requested_at.astimezone(clinic.locations[0].zone)
    lines = [
        f"{'URGENT: a' if handoff.urgent else 'A'} patient is waiting for a staff member "
        f"in the {clinic.name} chat.",
        f"Reason: {handoff.reason_label}.",
        f"Channel: {CHANNEL_NAMES.get(handoff.channel, handoff.channel)}.",
        f"Waiting since {format_moment(since)}.",
    ]
    if inbox_url:
        lines.append(f"Open the staff inbox: {inbox_url}")
    return "\n".join(lines)


def alert_subject(handoff: Handoff) -> str:
    return ("URGENT: " if handoff.urgent else "") + "A patient is waiting in the staff inbox"


def send_email(settings: NotifySettings, subject: str, body: str) -> None:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.email_from or settings.email_to[0]
    message["To"] = ", ".join(settings.email_to)
    message.set_content(body)
    try:
        if settings.smtp_security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                                    timeout=SEND_TIMEOUT_SECONDS,
                                                    context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SEND_TIMEOUT_SECONDS)
        with server:
            if settings.smtp_security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                server.login(settings.smtp_username, settings.smtp_password or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise NotificationError(f"e-mail: {type(error).__name__}") from None


async def post_to_slack(url: str, text: str) -> None:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT_SECONDS)) as session:
            async with session.post(url, json={"text": text}) as reply:
                if reply.status >= 300:
                    raise NotificationError(f"Slack webhook: HTTP {reply.status}")
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        raise NotificationError(f"Slack webhook: {type(error).__name__}") from None


async def alert_staff(handoff: Handoff, settings: NotifySettings) -> None:
    """Sends every configured alert; raises NotificationError if any failed."""
    body = alert_text(handoff, settings.inbox_url)
    problems = []
    if settings.email_enabled:
        try:
            await asyncio.to_thread(send_email, settings, alert_subject(handoff), body)
        except NotificationError as error:
            problems.append(str(error))
    if settings.slack_webhook_url:
        try:
            await post_to_slack(settings.slack_webhook_url, body)
        except NotificationError as error:
            problems.append(str(error))
    if problems:
        raise NotificationError("; ".join(problems))
