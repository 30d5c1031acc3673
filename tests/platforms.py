"""Webhook calls built the way each messaging platform builds them, and the
credentials the test servers run with (the platforms' APIs are faked by
tests/fake_platforms.py)."""
import base64
import hashlib
import hmac
import itertools
import json
import random
import time
import uuid
from typing import Any, Dict, Optional, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from slack_sdk.signature import SignatureVerifier
from twilio.request_validator import RequestValidator

from connectors import formatting
from tests.fake_platforms import FakePlatforms

QUESTION = "Does Botox help migraines?"

TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = "twilio-test-auth-token"
TWILIO_NUMBER = "+15550001111"
# Twilio signs the URL configured at Twilio; behind a proxy Rasa sees another.
TWILIO_PUBLIC_URL = "https://clinic.example.org/webhooks/twilio/webhook"
# The servers under test sit "behind a TLS proxy" on this machine: SMS tests call
# them the way such a proxy does (X-Forwarded-Proto, and the public Host).
TRUSTED_PROXY = "127.0.0.1"
# A Twilio SharedKey (Webhook Rules can sign with it instead of the auth token).
TWILIO_SHARED_KEY_SID = "KS" + "2" * 32
TWILIO_SHARED_KEY_SECRET = "twilio-shared-key-secret"
FACEBOOK_VERIFY = "facebook-verify-token"
FACEBOOK_SECRET = "facebook-app-secret"
FACEBOOK_PAGE_TOKEN = "facebook-page-token"
TELEGRAM_TOKEN = "123456:telegram-bot-token"
TELEGRAM_SECRET = "telegram-secret_token-1"
SLACK_TOKEN = "xoxb-slack-bot-token"
SLACK_SECRET = "slack-signing-secret"

def channel_credentials(fake: FakePlatforms, channels=("twilio", "facebook", "telegram", "slack")) -> Dict[str, Any]:
    """A credentials file's entries: REST and the widget, and these channels sending to `fake`."""
    every = {
        "connectors.twilio.TwilioChannel": {
            "account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN, "twilio_number": TWILIO_NUMBER,
            "trusted_proxies": TRUSTED_PROXY, "shared_key_secret": TWILIO_SHARED_KEY_SECRET,
            "api_base": fake.api_base("twilio"),
        },
        "connectors.facebook.FacebookChannel": {
            "verify_token": FACEBOOK_VERIFY, "app_secret": FACEBOOK_SECRET,
            "page_access_token": FACEBOOK_PAGE_TOKEN, "api_base": fake.api_base("facebook", "/v17.0"),
        },
        "connectors.telegram.TelegramChannel": {
            "access_token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET,
            "api_base": fake.api_base("telegram"),
        },
        "connectors.slack.SlackChannel": {
            "bot_token": SLACK_TOKEN, "signing_secret": SLACK_SECRET, "api_base": fake.api_base("slack"),
        },
    }
    wanted = {path: entry for path, entry in every.items() if path.split(".")[1] in channels}
    return {"connectors.rest.SourcedRestInput": {}, "connectors.widget.WidgetInput": {}, **wanted}


def slack_headers(body: bytes, timestamp: Optional[int] = None, secret: str = SLACK_SECRET) -> Dict[str, str]:
    """Slack's signature headers, computed with slack_sdk's own helper."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    try:
        signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    except UnicodeDecodeError:  # slack_sdk signs text only; Slack's documented scheme, by hand
        signed = f"v0:{timestamp}:".encode() + body
        signature = "v0=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


class Platform:
    """Sends webhook calls to one channel the way its platform does."""

    name = ""
    limit = 0

    def __init__(self, server: str) -> None:
        self.url = f"{server}/webhooks/{self.name}/webhook"

    def new_sender(self) -> str:
        return uuid.uuid4().hex[:12]

    def reply_recipient(self, sender: str) -> str:
        return sender

    def message(self, sender: str, text: str) -> Any:
        """The platform's payload for a text message."""
        raise NotImplementedError

    def incomplete(self) -> Any:
        """A payload without the fields the platform always sends."""
        raise NotImplementedError

    def encode(self, payload: Any) -> Tuple[bytes, str]:
        return json.dumps(payload).encode(), "application/json"

    def signature(self, body: bytes, forged: bool = False) -> Dict[str, str]:
        raise NotImplementedError

    def transport_headers(self) -> Dict[str, str]:
        """Headers the way to the server adds (a proxy's)."""
        return {}

    def post(self, payload: Any, signed: bool = True, forged: bool = False,
             headers: Optional[Dict[str, str]] = None) -> requests.Response:
        body, content_type = payload if isinstance(payload, tuple) else self.encode(payload)
        sent = {"Content-Type": content_type, **self.transport_headers()}
        if signed:
            sent.update(self.signature(body, forged))
        sent.update(headers or {})
        return requests.post(self.url, data=body, headers=sent, timeout=30)

    def check_reply(self, reply) -> None:
        """Platform-specific checks of a sent reply (auth, layout)."""


class Sms(Platform):
    name, limit = "twilio", formatting.SMS_LIMIT

    def new_sender(self) -> str:
        return "+1555" + str(uuid.uuid4().int)[:7]

    def message(self, sender: str, text: str) -> Dict[str, str]:
        sid = "SM" + uuid.uuid4().hex
        return {"ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0",
                "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
                "FromCity": "", "Body": text, "FromCountry": "US", "To": TWILIO_NUMBER, "ToZip": "",
                "NumSegments": "1", "MessageSid": sid, "AccountSid": TWILIO_SID, "From": sender,
                "ApiVersion": "2010-04-01"}

    def photo(self, sender: str, caption: str = "") -> Dict[str, str]:
        """An MMS (or WhatsApp photo): Body holds the caption, which may be empty."""
        sid = "MM" + uuid.uuid4().hex
        return {**self.message(sender, caption), "MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid,
                "NumMedia": "1", "MediaContentType0": "image/jpeg",
                "MediaUrl0": f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}/Media/ME1"}

    def status_callback(self, recipient: str, status: str = "delivered") -> Dict[str, str]:
        """Twilio's report on a message the bot sent (a status callback): no Body."""
        sid = "SM" + uuid.uuid4().hex
        return {"SmsSid": sid, "SmsStatus": status, "MessageStatus": status, "To": recipient,
                "MessageSid": sid, "AccountSid": TWILIO_SID, "From": TWILIO_NUMBER, "ApiVersion": "2010-04-01"}

    def incomplete(self) -> Dict[str, str]:
        return {"AccountSid": TWILIO_SID, "MessageSid": "SM" + uuid.uuid4().hex}

    def encode(self, payload: Dict[str, str]) -> Tuple[bytes, str]:
        return urlencode(payload).encode(), "application/x-www-form-urlencoded"

    def transport_headers(self) -> Dict[str, str]:
        # A TLS proxy on this machine: Twilio called https://clinic.example.org/…
        return {"X-Forwarded-Proto": "https", "Host": urlsplit(TWILIO_PUBLIC_URL).netloc}

    def signature(self, body: bytes, forged: bool = False) -> Dict[str, str]:
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        validator = RequestValidator("not-the-auth-token" if forged else TWILIO_TOKEN)
        return {"X-Twilio-Signature": validator.compute_signature(TWILIO_PUBLIC_URL, form)}


def twilio_shared_key_signature(url: str, form: Dict[str, str], secret: str = TWILIO_SHARED_KEY_SECRET,
                                algorithm: str = "HMAC_SHA256") -> Dict[str, str]:
    """A SharedKey signature, as Twilio documents it (the installed twilio library 8.2
    signs with HMAC-SHA1 only): the URL, then each field's name and value sorted by
    name, HMAC'd with the key's secret and base64-encoded, plus the header naming
    the key and the algorithm."""
    signed = url + "".join(name + form[name] for name in sorted(form))
    digest = {"HMAC_SHA256": hashlib.sha256, "HMAC_SHA1": hashlib.sha1}.get(algorithm, hashlib.sha256)
    mac = hmac.new(secret.encode(), signed.encode(), digest).digest()
    return {"X-Twilio-Signature": base64.b64encode(mac).decode(),
            "X-Twilio-Webhooks-Signature-Settings": f"key={TWILIO_SHARED_KEY_SID},algorithm={algorithm}"}

    def check_reply(self, reply) -> None:
        assert reply.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
        assert reply.headers["authorization"] == requests.auth._basic_auth_str(TWILIO_SID, TWILIO_TOKEN)
        assert reply.form["From"] == TWILIO_NUMBER
        assert "**" not in reply.text, "SMS shows no Markdown"


class WhatsApp(Sms):
    def new_sender(self) -> str:
        return "whatsapp:" + super().new_sender()

    def message(self, sender: str, text: str) -> Dict[str, str]:
        return {**super().message(sender, text), "To": "whatsapp:" + TWILIO_NUMBER, "ProfileName": "Pat"}

    def check_reply(self, reply) -> None:
        assert reply.form["From"] == "whatsapp:" + TWILIO_NUMBER
        assert "Reply with a number." in reply.text


# Telegram numbers its updates one after another, per bot.
_telegram_update_ids = itertools.count(random.randrange(10**8, 10**9))


class Telegram(Platform):
    name, limit = "telegram", formatting.TELEGRAM_LIMIT

    def new_sender(self) -> str:
        return str(uuid.uuid4().int % 10**9)

    def _update(self, sender: str, **content: Any) -> Dict[str, Any]:
        person = {"id": int(sender), "is_bot": False, "first_name": "Pat", "language_code": "en"}
        return {"update_id": next(_telegram_update_ids), "message": {
            "message_id": 42, "from": person, "chat": {"id": int(sender), "first_name": "Pat", "type": "private"},
            "date": int(time.time()), **content}}

    def message(self, sender: str, text: str) -> Dict[str, Any]:
        return self._update(sender, text=text)

    def photo(self, sender: str, caption: Optional[str] = None) -> Dict[str, Any]:
        sizes = [{"file_id": "AgACAgQAAxkBAAI" + uuid.uuid4().hex, "file_unique_id": "AQAD" + uuid.uuid4().hex[:8],
                  "file_size": size * 70, "width": size, "height": size} for size in (90, 320, 800)]
        return self._update(sender, photo=sizes, **({"caption": caption} if caption is not None else {}))

    def sticker(self, sender: str) -> Dict[str, Any]:
        return self._update(sender, sticker={"file_id": "CAACAgIAAxkBAAI", "file_unique_id": "AgAD", "type": "regular",
                                             "width": 512, "height": 512, "is_animated": False, "is_video": False})

    def button_tap(self, sender: str, payload: str) -> Dict[str, Any]:
        person = {"id": int(sender), "is_bot": False, "first_name": "Pat"}
        return {"update_id": next(_telegram_update_ids), "callback_query": {
            "id": "cb-" + sender, "from": person, "chat_instance": "1", "data": payload,
            "message": {"message_id": 43, "chat": {"id": int(sender), "type": "private"}, "date": 0}}}

    def incomplete(self) -> Dict[str, Any]:
        return {"update_id": 7, "message": {"message_id": 1, "text": "hi"}}

    def signature(self, body: bytes, forged: bool = False) -> Dict[str, str]:
        return {"X-Telegram-Bot-Api-Secret-Token": "guessed" if forged else TELEGRAM_SECRET}

    def check_reply(self, reply) -> None:
        assert reply.path == f"/bot{TELEGRAM_TOKEN}/sendMessage"
        keyboard = reply.json["reply_markup"]["inline_keyboard"]
        assert keyboard and all(button["callback_data"].startswith("/") for [button] in keyboard)


class Facebook(Platform):
    name, limit = "facebook", formatting.MESSENGER_LIMIT

    def _event(self, sender: str, message: Dict[str, Any]) -> Dict[str, Any]:
        return {"object": "page", "entry": [{"id": "1029", "time": int(time.time() * 1000), "messaging": [
            {"sender": {"id": sender}, "recipient": {"id": "1029"}, "timestamp": int(time.time() * 1000),
             "message": message}]}]}

    def message(self, sender: str, text: str) -> Dict[str, Any]:
        return self._event(sender, {"mid": "m_" + uuid.uuid4().hex, "text": text})

    def button_tap(self, sender: str, payload: str) -> Dict[str, Any]:
        return self._event(sender, {"mid": "m_" + uuid.uuid4().hex, "text": "Migraine",
                                    "quick_reply": {"payload": payload}})

    def photo(self, sender: str) -> Dict[str, Any]:
        return self._event(sender, {"mid": "m_" + uuid.uuid4().hex, "attachments": [
            {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/" + uuid.uuid4().hex}}]})

    def postback(self, sender: str, payload: str, title: str = "Get Started") -> Dict[str, Any]:
        event = self._event(sender, {})
        messaging = event["entry"][0]["messaging"][0]
        del messaging["message"]
        messaging["postback"] = {"mid": "m_" + uuid.uuid4().hex, "title": title, "payload": payload}
        return event

    def incomplete(self) -> Dict[str, Any]:
        return {"object": "page", "entry": [{"id": "1029", "messaging": [{"message": {"text": "hi"}}]}]}

    def signature(self, body: bytes, forged: bool = False) -> Dict[str, str]:
        secret = "not-the-app-secret" if forged else FACEBOOK_SECRET
        return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}

    def check_reply(self, reply) -> None:
        assert reply.path == "/v17.0/me/messages"
        assert reply.query == {"access_token": FACEBOOK_PAGE_TOKEN}
        assert reply.json["messaging_type"] == "RESPONSE"
        quick_replies = reply.json["message"]["quick_replies"]
        assert 0 < len(quick_replies) <= formatting.MESSENGER_MAX_QUICK_REPLIES
        assert all(len(q["title"]) <= formatting.MESSENGER_QUICK_REPLY_TITLE_LIMIT for q in quick_replies)


class Slack(Platform):
    name, limit = "slack", formatting.SLACK_SECTION_LIMIT

    def new_sender(self) -> str:
        return "U" + uuid.uuid4().hex[:10].upper()

    def reply_recipient(self, sender: str) -> str:
        return "D" + sender[1:]  # the direct-message channel with that user

    def message(self, sender: str, text: str, **event: Any) -> Dict[str, Any]:
        return {"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                "event_id": "Ev" + uuid.uuid4().hex[:10], "event_time": int(time.time()),
                "event": {"type": "message", "user": sender, "text": text, "ts": f"{time.time():.6f}",
                          "team": "T1", "channel": self.reply_recipient(sender), "channel_type": "im",
                          **event}}

    def file_share(self, sender: str, text: str = "") -> Dict[str, Any]:
        """A direct message with a file attached (its text may be empty)."""
        files = [{"id": "F" + uuid.uuid4().hex[:10].upper(), "name": "IMG_2041.jpg", "mimetype": "image/jpeg",
                  "filetype": "jpg", "url_private": "https://files.slack.com/files-pri/T1-F1/img_2041.jpg"}]
        return self.message(sender, text, subtype="file_share", files=files, upload=False)

    def retry_headers(self, number: int = 1, reason: str = "http_timeout") -> Dict[str, str]:
        return {"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": reason}

    def button_tap(self, sender: str, payload: str) -> Tuple[bytes, str]:
        interaction = {"type": "block_actions", "user": {"id": sender}, "team": {"id": "T1"},
                       "channel": {"id": self.reply_recipient(sender)},
                       "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
                       "actions": [{"action_id": "option_1", "type": "button", "value": payload,
                                    "action_ts": f"{time.time():.6f}"}]}
        return urlencode({"payload": json.dumps(interaction)}).encode(), "application/x-www-form-urlencoded"

    def incomplete(self) -> Dict[str, Any]:
        return {"type": "event_callback"}

    def signature(self, body: bytes, forged: bool = False) -> Dict[str, str]:
        return slack_headers(body, secret="not-the-signing-secret" if forged else SLACK_SECRET)

    def check_reply(self, reply) -> None:
        assert reply.path == "/chat.postMessage"
        assert reply.headers["authorization"] == f"Bearer {SLACK_TOKEN}"
        assert any(block["type"] == "actions" for block in reply.json["blocks"])


ALL_PLATFORMS = [Sms, WhatsApp, Telegram, Facebook, Slack]
WITH_BUTTONS = [Telegram, Facebook, Slack]


def about_migraine(reply) -> bool:
    return "migraine" in reply.text.lower()
