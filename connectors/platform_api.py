"""Sending replies to a messaging platform's API over HTTP.

Every platform gets a configurable `api_base`, so tests can point it at a fake
on loopback. Errors are logged by kind or status code only: other error texts
can hold the URL, and with it a token.
"""
import asyncio
import json
import logging
from typing import Any, Dict, List, Optional, Text

import aiohttp
from rasa.core.channels.channel import OutputChannel

from connectors import formatting
from connectors.formatting import Button
from connectors.provenance import language_of, with_source_line

logger = logging.getLogger(__name__)

SEND_TIMEOUT = aiohttp.ClientTimeout(total=15)


class PlatformError(Exception):
    """The platform refused a reply. The message holds a status or error code only."""


SEND_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, PlatformError)


def describe(error: Exception) -> str:
    """A send error for the log. Other errors' text can hold the URL, and with it a token."""
    return str(error) if isinstance(error, PlatformError) else type(error).__name__


async def post_to_platform(
    url: str,
    *,
    json_body: Optional[Dict[str, Any]] = None,
    form: Optional[Dict[str, str]] = None,
    params: Optional[Dict[str, str]] = None,
    headers: Optional[Dict[str, str]] = None,
    auth: Optional[aiohttp.BasicAuth] = None,
) -> Dict[str, Any]:
    """POSTs to a platform API and returns its JSON answer ({} if it sent none)."""
    headers = dict(headers or {})
    data: Any = form
    if json_body is not None:
        data = json.dumps(json_body).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    # One session per reply: no session lifecycle to manage, and a clinic's
    # traffic is far too low for connection reuse to matter.
    async with aiohttp.ClientSession(timeout=SEND_TIMEOUT) as session:
        async with session.post(url, data=data, params=params, headers=headers, auth=auth) as reply:
            if reply.status >= 300:
                raise PlatformError(f"HTTP {reply.status}")
            try:
                answer = await reply.json(content_type=None)
            except ValueError:
                return {}
            return answer if isinstance(answer, dict) else {}


class PlatformOutput(OutputChannel):
    """Sends bot messages to one platform, each with its "Source: …" line."""

    channel_name = "platform"

    @classmethod
    def name(cls) -> Text:
        return cls.channel_name

    def __init__(self, reply_to: Optional[str] = None) -> None:
        # Where answers go when it is not the sender (Slack: the channel).
        self.reply_to = reply_to
        self.messages_sent = 0
        # The language of the answer being sent (its metadata.language, set by
        # rasa_plugins/nlg.py): the numbered options' prompt follows it.
        self.language = "en"

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        """Sends one bot message, laid out for the platform."""
        raise NotImplementedError

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.language = language_of(message)
        message = with_source_line(message)
        text = str(message.get("text") or "").strip()
        if message.get("image"):  # no media upload here, but a link still reaches the patient
            text = f"{text}\n{message['image']}".strip()
        buttons = formatting.usable_buttons(message.get("buttons") or message.get("quick_replies"))
        if text or buttons:
            await self._send(recipient_id, text, buttons)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, text, [])

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text, formatting.usable_buttons(buttons))

    async def _send(self, recipient_id: str, text: str, buttons: List[Button]) -> None:
        self.messages_sent += 1
        try:
            await self.deliver(self.reply_to or recipient_id, text, buttons)
        except SEND_ERRORS as error:
            logger.error("%s: sending a reply failed (%s)", self.name(), describe(error))
