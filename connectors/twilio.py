"""SMS and WhatsApp through Twilio (the shared flow is in connectors/webhook.py).

SMS and WhatsApp have no buttons: options are sent numbered, and a reply of "2"
(or "#2", "option 2", "two") is mapped back to the second option from the
conversation in the tracker store, so it works on any replica.

Signatures. Twilio signs the URL it called plus the form fields:
- by default with the auth token and HMAC-SHA1, checked with twilio's own
  RequestValidator;
- when a Twilio Webhook Rule signs with a SharedKey, Twilio says so in
  X-Twilio-Webhooks-Signature-Settings ("key=…,algorithm=HMAC_SHA256") and signs
  the same string with the key's secret. The twilio library Rasa 3.6 can use
  (8.2) computes HMAC-SHA1 only, so SharedKeyValidator changes just the hash.
The URL is TWILIO_PUBLIC_URL when set. Otherwise, behind a TLS proxy listed in
TWILIO_TRUSTED_PROXIES, it is rebuilt from the proxy's X-Forwarded-Proto and
Host (X-Forwarded-Host if it sends one); those headers are ignored from anyone else.

Status callbacks (a message's delivery status, no Body) get 200 and are ignored.
"""
import base64
import hashlib
import hmac
import ipaddress
import logging
from typing import Any, Dict, List, Optional, Sequence, Text, Union
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
from connectors.settings import (
    ChannelConfigError, api_base_setting, optional_setting, required_setting,
)
from connectors.webhook import IncomingMessage, MalformedPayload, SignedWebhookChannel

logger = logging.getLogger(__name__)

WHATSAPP_PREFIX = "whatsapp:"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
SIGNATURE_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
SHARED_KEY_ALGORITHMS = {"HMAC_SHA256": hashlib.sha256, "HMAC_SHA1": hashlib.sha1}

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


class SharedKeyValidator(RequestValidator):
    """Twilio's RequestValidator with another hash, for SharedKey signatures.

    Twilio signs the same string as with the auth token (the URL, then each form
    field's name and value, sorted by name); only the HMAC's hash differs. The
    checks of the URL with and without its port stay the library's.
    """

    def __init__(self, secret: str, digest: Any) -> None:
        super().__init__(secret)
        self.digest = digest

    def compute_signature(self, uri: str, params: Any) -> str:
        signed = uri
        for name in sorted(set(params or {})):
            for value in sorted(set(self.get_values(params, name))):
                signed += name + value
        mac = hmac.new(self.token, signed.encode("utf-8"), self.digest)
        return base64.b64encode(mac.digest()).decode("utf-8").strip()


def signature_settings(header: str) -> Dict[str, str]:
    """Reads "key=KS…,algorithm=HMAC_SHA256" into a dict."""
    pairs = (part.split("=", 1) for part in header.split(",") if "=" in part)
    return {name.strip().lower(): value.strip() for name, value in pairs}


def trusted_proxies_setting(credentials: Dict[Text, Any]) -> List[Network]:
    """TWILIO_TRUSTED_PROXIES: comma-separated addresses or networks, e.g. "127.0.0.1"."""
    value = optional_setting(credentials, "trusted_proxies") or ""
    try:
        return [ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()]
    except ValueError:
        raise ChannelConfigError(
            "The twilio channel's trusted_proxies must be IP addresses or networks, "
            "separated by commas (e.g. 127.0.0.1 or 10.0.0.0/8).") from None


def is_from(peer: str, networks: Sequence[Network]) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in networks)


def last_value(header: Optional[str]) -> str:
    """The entry the nearest proxy added to a comma-separated header."""
    return (header or "").split(",")[-1].strip()


class TwilioOutput(PlatformOutput):
    channel_name = "twilio"

    def __init__(self, channel: "TwilioChannel", reply_to: Optional[str] = None) -> None:
        super().__init__(reply_to)
        self.channel = channel

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        channel = self.channel
        # A reply "2" is mapped back from the tracker store (see TwilioChannel.options_for_numbers).
        body = formatting.with_numbered_options(text, buttons, self.language)
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
            trusted_proxies=trusted_proxies_setting(credentials),
            shared_key_secret=optional_setting(credentials, "shared_key_secret"),
        )

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        twilio_number: str,
        whatsapp_number: Optional[str] = None,
        public_url: Optional[str] = None,
        api_base: str = "https://api.twilio.com",
        trusted_proxies: Sequence[Network] = (),
        shared_key_secret: Optional[str] = None,
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.twilio_number = twilio_number
        self.whatsapp_number = whatsapp_number or twilio_number
        self.public_url = public_url
        self.api_base = api_base
        self.trusted_proxies = list(trusted_proxies)
        self.shared_key_secret = shared_key_secret
        self.validator = RequestValidator(auth_token)

    def output_for(self, reply_to: Optional[str]) -> PlatformOutput:
        return TwilioOutput(self, reply_to)

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: TWILIO_PUBLIC_URL, else the one a trusted proxy
        was called at, else the one called."""
        query = request.query_string
        if self.public_url:
            return f"{self.public_url}?{query}" if query else self.public_url
        if self._from_trusted_proxy(request):
            scheme = last_value(request.headers.get("X-Forwarded-Proto"))
            host = last_value(request.headers.get("X-Forwarded-Host")) or request.headers.get("Host", "")
            if scheme in ("http", "https") and host:
                url = f"{scheme}://{host}{request.path}"
                return f"{url}?{query}" if query else url
        return request.url

    def _from_trusted_proxy(self, request: Request) -> bool:
        return bool(self.trusted_proxies) and is_from(getattr(request, "ip", ""), self.trusted_proxies)

    @staticmethod
    def form(request: Request) -> RequestParameters:
        # Not request.form: Sanic drops blank fields ("FromCity="), and Twilio signs them too.
        fields = parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
        return RequestParameters(fields)

    def has_valid_signature(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return False
        validator = self._validator_for(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        if validator is None:
            return False
        if validator.validate(self.signed_url(request), self.form(request), signature):
            return True
        if request.headers.get("X-Forwarded-Proto") and not (self.public_url or self._from_trusted_proxy(request)):
            # The usual cause behind a TLS proxy: Twilio signed https://<host>/…, Rasa saw http://127.0.0.1/….
            logger.warning("twilio: the call came through a proxy; set TWILIO_TRUSTED_PROXIES to the "
                           "proxy's address (or TWILIO_PUBLIC_URL) so its signature can be checked")
        return False

    def _validator_for(self, settings_header: Optional[str]) -> Optional[RequestValidator]:
        """The auth token's validator, or the SharedKey's when Twilio says it signed with one."""
        if not settings_header:
            return self.validator
        algorithm = signature_settings(settings_header).get("algorithm", "")
        if algorithm not in SHARED_KEY_ALGORITHMS:
            logger.warning("twilio: refused a call signed with an unknown algorithm")
            return None
        if not self.shared_key_secret:
            logger.warning("twilio: a call was signed with a SharedKey; set TWILIO_SHARED_KEY_SECRET to check it")
            return None
        return SharedKeyValidator(self.shared_key_secret, SHARED_KEY_ALGORITHMS[algorithm])

    def read_messages(self, request: Request) -> List[IncomingMessage]:
        form = self.form(request)
        sender, body = form.get("From"), form.get("Body")
        if body is None and (form.get("MessageStatus") or form.get("SmsStatus")):
            return []  # a status callback (sent, delivered, failed...): nothing to answer
        if not sender or body is None:
            raise MalformedPayload("From and Body are required")
        kind = "WhatsApp message" if sender.startswith(WHATSAPP_PREFIX) else "SMS"
        media = (form.get("NumMedia") or "0").strip()
        has_media = media.isdecimal() and int(media) > 0  # MMS: the Body is its caption
        return [IncomingMessage(sender, body, sender, kind=kind, has_media=has_media,
                                delivery_id=form.get("MessageSid") or form.get("SmsMessageSid"))]

    @staticmethod
    def options_for_numbers(offered: List[List[Button]]) -> List[Button]:
        # Numbers refer to the options listed under the bot's last message with buttons.
        return offered[-1] if offered else []

    def acknowledgement(self) -> HTTPResponse:
        # Empty TwiML: the answer is sent through the API, not in this response.
        return response.text(EMPTY_TWIML, content_type="text/xml")
