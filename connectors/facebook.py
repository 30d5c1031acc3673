"""Facebook Messenger (the shared flow is in connectors/webhook.py)."""
import hashlib
import hmac
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import formatting
from connectors.formatting import Button
from connectors.platform_api import PlatformOutput, post_to_platform
from connectors.settings import api_base_setting, required_setting
from connectors.webhook import (
    IncomingMessage, MalformedPayload, SignedWebhookChannel, identifier, json_object, matches,
    required_field,
)

logger = logging.getLogger(__name__)

# The payload of the "Get Started" button (set in the page's Messenger profile).
GET_STARTED_PAYLOAD = "GET_STARTED"


class FacebookOutput(PlatformOutput):
    channel_name = "facebook"

    def __init__(self, channel: "FacebookChannel", reply_to: Optional[str] = None) -> None:
        super().__init__(reply_to)
        self.channel = channel

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        quick_replies = [
            {
                "content_type": "text",
                "title": formatting.shorten(button["title"], formatting.MESSENGER_QUICK_REPLY_TITLE_LIMIT),
                "payload": button["payload"][:1000],
            }
            for button in buttons[: formatting.MESSENGER_MAX_QUICK_REPLIES]
        ]
        # Quick replies need a text to hang on.
        parts = formatting.split_message(formatting.plain_text(text), formatting.MESSENGER_LIMIT)
        parts = parts or ["Please choose:"]
        for number, part in enumerate(parts, start=1):
            message: Dict[str, Any] = {"text": part}
            if quick_replies and number == len(parts):
                message["quick_replies"] = quick_replies
            await post_to_platform(
                f"{self.channel.api_base}/me/messages",
                params={"access_token": self.channel.page_access_token},
                json_body={
                    "recipient": {"id": recipient},
                    "messaging_type": "RESPONSE",
                    "message": message,
                },
            )


class FacebookChannel(SignedWebhookChannel):
    """Facebook Messenger, signed with the app secret (X-Hub-Signature-256)."""

    @classmethod
    def name(cls) -> Text:
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            verify_token=required_setting(credentials, "verify_token", "facebook"),
            app_secret=required_setting(credentials, "app_secret", "facebook"),
            page_access_token=required_setting(credentials, "page_access_token", "facebook"),
            api_base=api_base_setting(credentials, "https://graph.facebook.com/v17.0", "facebook"),
        )

    def __init__(
        self,
        verify_token: str,
        app_secret: str,
        page_access_token: str,
        api_base: str = "https://graph.facebook.com/v17.0",
    ) -> None:
        super().__init__()
        self.verify_token = verify_token
        self.app_secret = app_secret
        self.page_access_token = page_access_token
        self.api_base = api_base

    def output_for(self, reply_to: Optional[str]) -> PlatformOutput:
        return FacebookOutput(self, reply_to)

    def verification_handshake(self, request: Request) -> HTTPResponse:
        """Facebook's subscription check: echo the challenge if the token matches."""
        if request.args.get("hub.mode") == "subscribe" and matches(
            self.verify_token, request.args.get("hub.verify_token")
        ):
            return response.text(request.args.get("hub.challenge") or "")
        logger.warning("facebook: rejected a verification with a wrong token")
        return response.text("wrong verify token", status=403)

    def has_valid_signature(self, request: Request) -> bool:
        digest = hmac.new(self.app_secret.encode(), request.body or b"", hashlib.sha256)
        return matches("sha256=" + digest.hexdigest(), request.headers.get("X-Hub-Signature-256"))

    def read_messages(self, request: Request) -> List[IncomingMessage]:
        payload = json_object(request)
        if payload.get("object") != "page":
            raise MalformedPayload("object must be 'page'")
        messages = []
        for entry in required_field(payload, "entry", list, "entry"):
            # Entries without "messaging" (e.g. "standby") hold nothing to answer.
            events = entry.get("messaging", []) if isinstance(entry, dict) else None
            if not isinstance(events, list):
                raise MalformedPayload("entry is not an object with a messaging list")
            for event in events:
                message = self._read_event(event)
                if message:
                    messages.append(message)
        return messages

    @staticmethod
    def _read_event(event: Any) -> Optional[IncomingMessage]:
        sender = identifier(required_field(event, "sender", dict, "sender"), "id", "sender id")
        message, postback = event.get("message"), event.get("postback")
        if isinstance(message, dict):
            if message.get("is_echo"):
                return None  # the page's own reply, echoed back
            mid = message.get("mid") if isinstance(message.get("mid"), str) else None
            quick_reply = message.get("quick_reply")
            if isinstance(quick_reply, dict) and isinstance(quick_reply.get("payload"), str):
                return IncomingMessage(sender, quick_reply["payload"], sender,
                                       kind="quick reply", delivery_id=mid)
            text = message.get("text")
            # Photos, files, stickers, voice: never opened or kept (their URLs are not read).
            has_media = bool(message.get("attachments")) or "sticker_id" in message
            if isinstance(text, str) or has_media:
                return IncomingMessage(sender, text if isinstance(text, str) else "", sender,
                                       kind="attachment" if has_media else "message",
                                       delivery_id=mid, has_media=has_media)
            return None
        if isinstance(postback, dict) and isinstance(postback.get("payload"), str):
            payload = postback["payload"]
            if payload == GET_STARTED_PAYLOAD:
                payload = "hi"  # the "Get Started" button a patient taps to open the chat
            mid = postback.get("mid") if isinstance(postback.get("mid"), str) else None
            return IncomingMessage(sender, payload, sender, kind="postback", delivery_id=mid)
        return None  # deliveries, reads, reactions

    def acknowledgement(self) -> HTTPResponse:
        return response.text("EVENT_RECEIVED")
