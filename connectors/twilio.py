"""SMS and WhatsApp through Twilio (the shared flow is in connectors/webhook.py).

SMS and WhatsApp have no buttons: options are sent numbered, and a reply of "2"
is mapped back to the second option from the conversation in the tracker store,
so it works on any replica.
"""
from typing import Any, Dict, List, Optional, Text
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import InputChannel
from sanic import response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from connectors import formatting
from connectors.formatting import Button
from connectors.platform_api import PlatformOutput, post_to_platform
from connectors.settings import api_base_setting, optional_setting, required_setting
from connectors.webhook import IncomingMessage, MalformedPayload, SignedWebhookChannel


WHATSAPP_PREFIX = "whatsapp:"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioOutput(PlatformOutput):
    channel_name = "twilio"

    def __init__(self, channel: "TwilioChannel", reply_to: Optional[str] = None) -> None:
        super().__init__(reply_to)
        self.channel = channel

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        channel = self.channel
        # A reply "2" is mapped back from the tracker store (see TwilioChannel.chosen_option).
        body = formatting.with_numbered_options(text, buttons)
        if recipient.startswith(WHATSAPP_PREFIX):
            body, limit = formatting.whatsapp_text(body), formatting.WHATSAPP_LIMIT
            sender = WHATSAPP_PREFIX + channel.whatsapp_number.replace(WHATSAPP_PREFIX, "")
        else:
            body, limit = formatting.plain_text(body), formatting.SMS_LIMIT
            sender = channel.twilio_number
        url = f"{channel.api_base}/2010-04-01/Accounts/{channel.account_sid}/Messages.json"
        for part in formatting.split_message(body, limit):
            await post_to_platform(
                url,
                form={"To": recipient, "From": sender, "Body": part},
                auth=aiohttp.BasicAuth(channel.account_sid, channel.auth_token),
            )


class TwilioChannel(SignedWebhookChannel):
    """SMS and WhatsApp through Twilio; WhatsApp senders look like "whatsapp:+1…"."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            account_sid=required_setting(credentials, "account_sid", "twilio"),
            auth_token=required_setting(credentials, "auth_token", "twilio"),
            twilio_number=required_setting(credentials, "twilio_number", "twilio"),
            whatsapp_number=optional_setting(credentials, "whatsapp_number"),
            public_url=optional_setting(credentials, "public_url"),
            api_base=api_base_setting(credentials, "https://api.twilio.com", "twilio"),
        )

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        twilio_number: str,
        whatsapp_number: Optional[str] = None,
        public_url: Optional[str] = None,
        api_base: str = "https://api.twilio.com",
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.twilio_number = twilio_number
        self.whatsapp_number = whatsapp_number or twilio_number
        self.public_url = public_url
        self.api_base = api_base
        self.validator = RequestValidator(auth_token)

    def output_for(self, reply_to: Optional[str]) -> PlatformOutput:
        return TwilioOutput(self, reply_to)

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the public one behind a proxy, else the one called."""
        if not self.public_url:
            return request.url
        query = request.query_string
        return f"{self.public_url}?{query}" if query else self.public_url

    @staticmethod
    def form(request: Request) -> RequestParameters:
        # Not request.form: Sanic drops blank fields ("FromCity="), and Twilio signs them too.
        fields = parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
        return RequestParameters(fields)

    def has_valid_signature(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return False
        return self.validator.validate(self.signed_url(request), self.form(request), signature)

    def read_messages(self, request: Request) -> List[IncomingMessage]:
        form = self.form(request)
        sender, body = form.get("From"), form.get("Body")
        if not sender or body is None:
            raise MalformedPayload("From and Body are required")
        # An empty body (e.g. a photo without a caption) gets the guard's "no message" reply.
        kind = "WhatsApp message" if sender.startswith(WHATSAPP_PREFIX) else "SMS"
        return [IncomingMessage(sender, body, sender, kind=kind)]

    @staticmethod
    def chosen_option(text: str, offered: List[List[Button]]) -> Optional[str]:
        # Numbers refer to the options listed under the bot's last message with buttons.
        return formatting.chosen_payload(text, offered[-1]) if offered else None

    def acknowledgement(self) -> HTTPResponse:
        # Empty TwiML: the answer is sent through the API, not in this response.
        return response.text(EMPTY_TWIML, content_type="text/xml")
