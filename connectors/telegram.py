"""Telegram (the shared flow is in connectors/webhook.py)."""
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel
from sanic.request import Request

from connectors import formatting
from connectors.formatting import Button
from connectors.platform_api import SEND_ERRORS, PlatformOutput, describe, post_to_platform
from connectors.settings import api_base_setting, required_setting
from connectors.webhook import (
    IncomingMessage, SignedWebhookChannel, identifier, json_object, matches, required_field,
)

logger = logging.getLogger(__name__)

# What a message may carry instead of text (Bot API "Message"). Never downloaded.
MEDIA_KEYS = ("photo", "document", "video", "voice", "audio", "animation", "sticker",
              "video_note", "contact", "location", "venue", "poll", "dice")


class TelegramOutput(PlatformOutput):
    channel_name = "telegram"

    def __init__(self, channel: "TelegramChannel", reply_to: Optional[str] = None) -> None:
        super().__init__(reply_to)
        self.channel = channel

    def _method_url(self, method: str) -> str:
        return f"{self.channel.api_base}/bot{self.channel.access_token}/{method}"

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        fitting = [b for b in buttons
                   if len(b["payload"].encode()) <= formatting.TELEGRAM_CALLBACK_DATA_LIMIT]
        if len(fitting) < len(buttons):
            logger.warning("telegram: left out %d buttons with too long a payload",
                           len(buttons) - len(fitting))
        # One button per row: titles are questions, too long to sit side by side.
        keyboard = [[{"text": b["title"], "callback_data": b["payload"]}] for b in fitting]
        # Plain text (no parse_mode): a message Telegram cannot parse is not sent at all.
        parts = formatting.split_message(formatting.plain_text(text), formatting.TELEGRAM_LIMIT)
        parts = parts or ["Please choose:"]
        for number, part in enumerate(parts, start=1):
            body: Dict[str, Any] = {"chat_id": recipient, "text": part}
            if keyboard and number == len(parts):
                body["reply_markup"] = {"inline_keyboard": keyboard}
            await post_to_platform(self._method_url("sendMessage"), json_body=body)

    async def acknowledge_button(self, callback_query_id: str) -> None:
        try:
            await post_to_platform(self._method_url("answerCallbackQuery"),
                                   json_body={"callback_query_id": callback_query_id})
        except SEND_ERRORS as error:
            logger.warning("telegram: acknowledging a button failed (%s)", describe(error))


class TelegramChannel(SignedWebhookChannel):
    """Telegram, with the webhook's secret token (X-Telegram-Bot-Api-Secret-Token).

    Unlike Rasa's TelegramInput this never calls setWebhook at start-up (which
    fails offline, and on every restart); run `python -m deploy.telegram_webhook`.
    """

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            access_token=required_setting(credentials, "access_token", "telegram"),
            secret_token=required_setting(credentials, "secret_token", "telegram"),
            api_base=api_base_setting(credentials, "https://api.telegram.org", "telegram"),
        )

    def __init__(self, access_token: str, secret_token: str,
                 api_base: str = "https://api.telegram.org") -> None:
        super().__init__()
        self.access_token = access_token
        self.secret_token = secret_token
        self.api_base = api_base

    def output_for(self, reply_to: Optional[str]) -> PlatformOutput:
        return TelegramOutput(self, reply_to)

    def has_valid_signature(self, request: Request) -> bool:
        return matches(self.secret_token, request.headers.get("X-Telegram-Bot-Api-Secret-Token"))

    def read_messages(self, request: Request) -> List[IncomingMessage]:
        update = json_object(request)
        # Unique per bot and delivered again when Telegram retries: the id to drop repeats by.
        update_id = str(required_field(update, "update_id", int, "update_id"))
        if "callback_query" in update:
            tap = required_field(update, "callback_query", dict, "callback_query")
            return [self._read_button_tap(tap, update_id)]
        if "message" in update:
            message = required_field(update, "message", dict, "message")
            chat_id = identifier(required_field(message, "chat", dict, "chat"), "id", "chat id")
            sender = message.get("from")
            if isinstance(sender, dict) and sender.get("is_bot"):
                return []
            text = message.get("text")
            has_media = any(key in message for key in MEDIA_KEYS)
            if not isinstance(text, str):
                # A photo's or file's caption is read as the message; the media never is.
                text = message.get("caption") if isinstance(message.get("caption"), str) else ""
                if not has_media:
                    return []  # service messages: members joining, pins...
            command = text.split(maxsplit=1)[0].split("@")[0] if text.strip() else ""
            if command == "/start":
                text = "hi"  # Telegram sends /start when a patient opens the bot
            return [IncomingMessage(chat_id, text, chat_id, kind="media" if has_media else "message",
                                    delivery_id=update_id, has_media=has_media)]
        # Edited messages, membership changes, …: answering edits would answer twice.
        return []

    @staticmethod
    def _read_button_tap(tap: Dict[str, Any], update_id: str) -> IncomingMessage:
        tap_id = identifier(tap, "id", "callback_query id")
        payload = required_field(tap, "data", str, "callback_query data")
        if isinstance(tap.get("message"), dict):
            chat_id = identifier(required_field(tap["message"], "chat", dict, "chat"), "id", "chat id")
        else:  # a message too old to be included: private chats share the user's id
            chat_id = identifier(required_field(tap, "from", dict, "from"), "id", "user id")
        return IncomingMessage(chat_id, payload, chat_id, kind="button tap",
                               callback_query_id=tap_id, delivery_id=update_id)

    async def before_answering(self, message: IncomingMessage, output: PlatformOutput) -> None:
        if message.callback_query_id and isinstance(output, TelegramOutput):
            await output.acknowledge_button(message.callback_query_id)
