"""Chatwoot, for clinics that already answer patients there: the bot as an Agent Bot.

Chatwoot (https://www.chatwoot.com/docs/product/others/agent-bots) sends an
Agent Bot every event of its inbox to one webhook URL, here
/webhooks/chatwoot/webhook, and the bot acts through Chatwoot's API with the
bot's access token (header `api_access_token`):

- `message_created` with `message_type: incoming`: a patient wrote. While the
  conversation's status is `pending` (the bot's, the default for an inbox with
  an Agent Bot) or `resolved`, the bot answers with
  POST /api/v1/accounts/{account}/conversations/{id}/messages
  {"content": ..., "message_type": "outgoing", "private": false}.
  While it is `open` or `snoozed` the agents have it and the bot stays silent.
  Outgoing messages (the bot's own, agents') and private notes are ignored.
- Handing over (actions/handoff.py, during staff hours): the bot says so, pauses
  its own conversation and sets Chatwoot's status to `open` with
  POST /api/v1/accounts/{account}/conversations/{id}/toggle_status {"status": "open"}:
  the conversation moves to the agents, and Chatwoot's inbox is where staff work
  (it is not listed in this project's staff inbox).
- `conversation_resolved`, or a patient message in a conversation agents set
  back to `pending`: the conversation comes back to the bot (ConversationResumed).

Requests are signed by Chatwoot with the Agent Bot's secret:
X-Chatwoot-Signature = "sha256=" + hex HMAC-SHA256(secret, X-Chatwoot-Timestamp + "." + body);
unsigned, forged or older than 5 minutes: 403. Buttons are sent as numbered
options (like SMS), since Chatwoot's inboxes (e-mail, SMS, WhatsApp...) do not
all show interactive messages; a reply of "2" picks the second.
The Rasa conversation id is "chatwoot-<account>-<conversation>".
"""
import hashlib
import hmac
import logging
import time
from typing import Any, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import formatting
from connectors.formatting import Button
from connectors.platform_api import SEND_ERRORS, PlatformOutput, describe, post_to_platform
from connectors.settings import api_base_setting, required_setting
from connectors.webhook import (
    IncomingMessage, MalformedPayload, SignedWebhookChannel, identifier, json_object, matches,
    required_field,
)

logger = logging.getLogger(__name__)

MAX_SIGNATURE_AGE_SECONDS = 300
MAX_CLOCK_SKEW_SECONDS = 30
BOT_STATUSES = ("pending", "resolved")  # the bot answers; "open" and "snoozed" are the agents'
HANDOFF_MARKER = "handoff"  # set on the bot message that hands over (actions/handoff.py)


def sender_id_for(account_id: str, conversation_id: str) -> str:
    return f"chatwoot-{account_id}-{conversation_id}"


def conversation_of(sender_id: str) -> str:
    return sender_id.rsplit("-", 1)[-1]


class ChatwootOutput(PlatformOutput):
    channel_name = "chatwoot"

    def __init__(self, channel: "ChatwootChannel", reply_to: Optional[str] = None) -> None:
        super().__init__(reply_to)
        self.channel = channel

    def _conversation_url(self, recipient: str, action: str) -> str:
        return (f"{self.channel.api_base}/api/v1/accounts/{self.channel.account_id}"
                f"/conversations/{conversation_of(recipient)}/{action}")

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        content = formatting.with_numbered_options(formatting.plain_text(text), buttons, self.language)
        await post_to_platform(self._conversation_url(recipient, "messages"),
                               headers={"api_access_token": self.channel.bot_token},
                               json_body={"content": content, "message_type": "outgoing", "private": False})

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await super().send_response(recipient_id, message)
        if message.get(HANDOFF_MARKER) == "waiting":
            await self.open_for_agents(self.reply_to or recipient_id)

    async def open_for_agents(self, recipient: str) -> None:
        """Hands the conversation to Chatwoot's agents (status `open`)."""
        try:
            await post_to_platform(self._conversation_url(recipient, "toggle_status"),
                                   headers={"api_access_token": self.channel.bot_token},
                                   json_body={"status": "open"})
            logger.info("chatwoot: handed a conversation to the agents")
        except SEND_ERRORS as error:
            logger.error("chatwoot: could not hand a conversation to the agents (%s)", describe(error))


class ChatwootChannel(SignedWebhookChannel):
    """Chatwoot's Agent Bot webhook (the shared flow is in connectors/webhook.py)."""

    @classmethod
    def name(cls) -> Text:
        return "chatwoot"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            bot_token=required_setting(credentials, "bot_token", "chatwoot"),
            webhook_secret=required_setting(credentials, "webhook_secret", "chatwoot"),
            account_id=required_setting(credentials, "account_id", "chatwoot"),
            api_base=api_base_setting(credentials, "https://app.chatwoot.com", "chatwoot"),
        )

    def __init__(self, bot_token: str, webhook_secret: str, account_id: str,
                 api_base: str = "https://app.chatwoot.com",
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.bot_token = bot_token
        self.webhook_secret = webhook_secret
        self.account_id = str(account_id)
        self.api_base = api_base
        self.clock = clock
        self._agent: Callable[[], Any] = lambda: None

    def blueprint(self, on_new_message: Callable[[UserMessage], Any]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.listener("before_server_start")
        async def remember_the_agent(app: Any, _loop: Any) -> None:
            self._agent = lambda: getattr(app.ctx, "agent", None)

        return webhook

    def output_for(self, reply_to: Optional[str]) -> PlatformOutput:
        return ChatwootOutput(self, reply_to)

    def has_valid_signature(self, request: Request) -> bool:
        timestamp = request.headers.get("X-Chatwoot-Timestamp") or ""
        if not timestamp.isdigit():
            return False
        age = self.clock() - int(timestamp)
        if not -MAX_CLOCK_SKEW_SECONDS <= age <= MAX_SIGNATURE_AGE_SECONDS:
            return False  # a replay, or a clock far off
        digest = hmac.new(self.webhook_secret.encode(), timestamp.encode() + b"." + (request.body or b""),
                          hashlib.sha256).hexdigest()
        return matches("sha256=" + digest, request.headers.get("X-Chatwoot-Signature"))

    def early_response(self, request: Request) -> Optional[HTTPResponse]:
        try:
            payload = json_object(request)
        except MalformedPayload:
            return None  # read_messages answers 400
        if payload.get("event") == "conversation_resolved":
            conversation = payload.get("id")
            if isinstance(conversation, (int, str)) and str(conversation).strip():
                sender_id = sender_id_for(self.account_id, str(conversation))
                self._run_in_background(self._give_back_to_bot(sender_id))
                logger.info("chatwoot: agents resolved a conversation; the bot has it again")
            return self.acknowledgement()
        return None

    def read_messages(self, request: Request) -> List[IncomingMessage]:
        payload = json_object(request)
        event = required_field(payload, "event", str, "event")
        if event != "message_created":
            return []  # conversation_opened, message_updated, webwidget_triggered: nothing to answer
        if required_field(payload, "message_type", str, "message_type") != "incoming" or payload.get("private"):
            return []  # the bot's own messages, agents' replies and private notes
        account = identifier(required_field(payload, "account", dict, "account"), "id", "account id")
        if account != self.account_id:
            raise MalformedPayload("the account is not this bot's")
        conversation = required_field(payload, "conversation", dict, "conversation")
        conversation_id = identifier(conversation, "id", "conversation id")
        status = required_field(conversation, "status", str, "conversation status")
        content = payload.get("content")
        if not isinstance(content, str):
            return []  # an attachment without text: nothing to read
        if status not in BOT_STATUSES:
            logger.info("chatwoot: a message in a conversation the agents have; the bot stays silent")
            return []
        sender_id = sender_id_for(account, conversation_id)
        return [IncomingMessage(sender_id, content, sender_id, kind="message")]

    @staticmethod
    def chosen_option(text: str, offered: List[List[Button]]) -> Optional[str]:
        return formatting.chosen_payload(text, offered[-1]) if offered else None

    async def before_answering(self, message: IncomingMessage, output: PlatformOutput) -> None:
        # Agents may set a conversation back to "pending" without the bot being told.
        await self._give_back_to_bot(message.sender_id)

    async def _give_back_to_bot(self, sender_id: str) -> None:
        from handoff.conversations import append_events, current_tracker, resume_events

        agent = self._agent()
        if agent is None:
            return
        try:
            tracker = await current_tracker(agent, sender_id)
            if tracker is not None and tracker.is_paused():
                await append_events(agent, sender_id, resume_events(tracker))
        except Exception:  # the next message tries again; the patient still gets an answer
            logger.exception("chatwoot: could not give a conversation back to the bot")
