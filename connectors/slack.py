"""Slack: direct messages and @mentions, and button taps (the shared flow is in
connectors/webhook.py)."""
import json
import logging
import re
import time
from typing import Any, Callable, Dict, List, Optional, Text
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.signature import Clock, SignatureVerifier

from connectors import formatting
from connectors.formatting import Button
from connectors.platform_api import PlatformError, PlatformOutput, post_to_platform
from connectors.settings import api_base_setting, required_setting
from connectors.webhook import (
    IncomingMessage, MalformedPayload, SignedWebhookChannel, identifier, json_object, required_field,
)

logger = logging.getLogger(__name__)


# Message subtypes that are a patient writing: none (plain text) and a message
# with a file (its text is read). Edits, deletions, joins... are not answered.
READ_SUBTYPES = (None, "file_share")
SLACK_BLOCKS_PER_MESSAGE = 10  # Slack allows 50; 10 keeps the fallback text under its limit
_SLACK_MENTION = re.compile(r"<@[A-Z0-9]+(\|[^>]*)?>")


class _Clock(Clock):
    """slack_sdk's clock, from a function (tests fix the time)."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def _slack_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class SlackOutput(PlatformOutput):
    channel_name = "slack"

    def __init__(self, channel: "SlackChannel", reply_to: Optional[str] = None) -> None:
        super().__init__(reply_to)
        self.channel = channel

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        # Escaped before splitting, so the limit holds for what Slack counts. (Only a
        # word longer than a whole section could be cut inside an "&amp;".)
        parts = formatting.split_message(formatting.slack_mrkdwn(text), formatting.SLACK_SECTION_LIMIT)
        blocks: List[Dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": part}} for part in parts
        ]
        fitting = [b for b in buttons if len(b["payload"]) <= formatting.SLACK_BUTTON_VALUE_LIMIT]
        for start in range(0, len(fitting), formatting.SLACK_MAX_BUTTONS_PER_BLOCK):
            row = fitting[start:start + formatting.SLACK_MAX_BUTTONS_PER_BLOCK]
            blocks.append({"type": "actions", "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text",
                             "text": formatting.shorten(b["title"], formatting.SLACK_BUTTON_TEXT_LIMIT)},
                    "value": b["payload"],
                    "action_id": f"option_{start + number}",
                }
                for number, b in enumerate(row, start=1)
            ]})
        for start in range(0, len(blocks), SLACK_BLOCKS_PER_MESSAGE):
            batch = blocks[start:start + SLACK_BLOCKS_PER_MESSAGE]
            # The plain text is what notifications and screen readers show.
            fallback = "\n\n".join(b["text"]["text"] for b in batch if b["type"] == "section")
            answer = await post_to_platform(
                f"{self.channel.api_base}/chat.postMessage",
                headers={"Authorization": f"Bearer {self.channel.bot_token}"},
                json_body={"channel": recipient, "text": fallback or "Please choose:", "blocks": batch},
            )
            if answer.get("ok") is not True:  # Slack reports errors with HTTP 200
                raise PlatformError(f"Slack error {answer.get('error', 'unknown')}")


class SlackChannel(SignedWebhookChannel):
    """Slack Events API (direct messages and @mentions) and button taps (interactivity).

    Point both the Event Subscriptions and the Interactivity request URLs at
    /webhooks/slack/webhook.
    """

    @classmethod
    def name(cls) -> Text:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            bot_token=required_setting(credentials, "bot_token", "slack"),
            signing_secret=required_setting(credentials, "signing_secret", "slack"),
            api_base=api_base_setting(credentials, "https://slack.com/api", "slack"),
        )

    def __init__(self, bot_token: str, signing_secret: str,
                 api_base: str = "https://slack.com/api",
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.bot_token = bot_token
        self.api_base = api_base
        # slack_sdk's verifier also refuses requests older than 5 minutes (replays).
        self.verifier = SignatureVerifier(signing_secret, clock=_Clock(clock))

    def output_for(self, reply_to: Optional[str]) -> PlatformOutput:
        return SlackOutput(self, reply_to)

    def has_valid_signature(self, request: Request) -> bool:
        timestamp = request.headers.get("X-Slack-Request-Timestamp") or ""
        if not timestamp.isdigit():
            return False  # the verifier would raise on it
        try:
            return self.verifier.is_valid(request.body or b"", timestamp,
                                          request.headers.get("X-Slack-Signature"))
        except (UnicodeDecodeError, TypeError):  # a body or signature that is not text
            return False

    def early_response(self, request: Request) -> Optional[HTTPResponse]:
        # Retries (X-Slack-Retry-Num) are read like any delivery: one whose event_id
        # was received before is dropped, one whose first delivery never arrived
        # (connection_failed, or a timeout before the server got it) is answered.
        try:
            payload = json_object(request)
        except MalformedPayload:
            return None  # a button tap is form-encoded; read_messages judges the rest
        if payload.get("type") == "url_verification" and isinstance(payload.get("challenge"), str):
            return response.json({"challenge": payload["challenge"]})
        return None

    def read_messages(self, request: Request) -> List[IncomingMessage]:
        if (request.content_type or "").startswith("application/x-www-form-urlencoded"):
            return self._read_interaction(request)
        payload = json_object(request)
        kind = required_field(payload, "type", str, "type")
        if kind != "event_callback":
            return []
        event = required_field(payload, "event", dict, "event")
        event_type = required_field(event, "type", str, "event type")
        # Direct messages, and @mentions in channels. Channel messages are left
        # out even if subscribed: a mention would otherwise be answered twice.
        wanted = event_type == "app_mention" or (
            event_type == "message" and event.get("channel_type") == "im")
        if not wanted or event.get("bot_id") or event.get("subtype") not in READ_SUBTYPES:
            return []  # includes the bot's own messages, edits and deletions
        user = identifier(event, "user", "event user")
        channel = identifier(event, "channel", "event channel")
        has_media = bool(event.get("files"))  # never downloaded: only the text is read
        if has_media:
            text = event.get("text") if isinstance(event.get("text"), str) else ""
        else:
            text = required_field(event, "text", str, "event text")
        text = _slack_unescape(_SLACK_MENTION.sub("", text)).strip()
        kind = "mention" if event_type == "app_mention" else "direct message"
        event_id = payload.get("event_id") if isinstance(payload.get("event_id"), str) else None
        return [IncomingMessage(user, text, channel, kind=kind, delivery_id=event_id, has_media=has_media)]

    @staticmethod
    def _read_interaction(request: Request) -> List[IncomingMessage]:
        fields = parse_qs(request.body.decode("utf-8", errors="replace"))
        try:
            payload = json.loads(fields.get("payload", [""])[0])
        except ValueError:
            raise MalformedPayload("payload is not JSON")
        if required_field(payload, "type", str, "payload type") != "block_actions":
            return []  # shortcuts, modals: not used by this bot
        user = identifier(required_field(payload, "user", dict, "user"), "id", "user id")
        channel = identifier(required_field(payload, "channel", dict, "channel"), "id", "channel id")
        actions = required_field(payload, "actions", list, "actions")
        if not actions:
            raise MalformedPayload("actions is empty")
        value = required_field(actions[0], "value", str, "action value")
        # Each tap has its own trigger_id, so the same tap delivered twice is answered once.
        trigger_id = payload.get("trigger_id") if isinstance(payload.get("trigger_id"), str) else None
        return [IncomingMessage(user, value, channel, kind="button tap",
                                delivery_id=f"tap:{trigger_id}" if trigger_id else None)]
