"""Which messaging channels run, and their settings, from the environment.

A channel is enabled when all of its environment variables are set; the
credentials entries are documented in credentials.channels.yml, and
deploy/credentials.py writes them for the start script.
"""
from typing import Any, Dict, List, Mapping, Optional, Text
from urllib.parse import urlsplit

from rasa.shared.exceptions import RasaException

CHANNEL_CLASSES = {
    "twilio": "connectors.twilio.TwilioChannel",
    "facebook": "connectors.facebook.FacebookChannel",
    "telegram": "connectors.telegram.TelegramChannel",
    "slack": "connectors.slack.SlackChannel",
    "chatwoot": "connectors.chatwoot.ChatwootChannel",
}

# Credential key -> environment variable. A channel runs only when all are set.
REQUIRED_SETTINGS: Dict[str, Dict[str, str]] = {
    "twilio": {
        "account_sid": "TWILIO_ACCOUNT_SID",
        "auth_token": "TWILIO_AUTH_TOKEN",
        "twilio_number": "TWILIO_NUMBER",
    },
    "facebook": {
        "verify_token": "FACEBOOK_VERIFY_TOKEN",
        "app_secret": "FACEBOOK_APP_SECRET",
        "page_access_token": "FACEBOOK_PAGE_ACCESS_TOKEN",
    },
    "telegram": {
        "access_token": "TELEGRAM_ACCESS_TOKEN",
        "secret_token": "TELEGRAM_SECRET_TOKEN",
    },
    "slack": {
        "bot_token": "SLACK_BOT_TOKEN",
        "signing_secret": "SLACK_SIGNING_SECRET",
    },
    "chatwoot": {
        "bot_token": "CHATWOOT_BOT_TOKEN",
        "webhook_secret": "CHATWOOT_WEBHOOK_SECRET",
        "account_id": "CHATWOOT_ACCOUNT_ID",
    },
}

# Credential key -> environment variable, used when set.
OPTIONAL_SETTINGS: Dict[str, Dict[str, str]] = {
    "twilio": {
        "whatsapp_number": "TWILIO_WHATSAPP_NUMBER",
        "public_url": "TWILIO_PUBLIC_URL",
        "trusted_proxies": "TWILIO_TRUSTED_PROXIES",
        "shared_key_secret": "TWILIO_SHARED_KEY_SECRET",
        "api_base": "TWILIO_API_BASE",
    },
    "facebook": {"api_base": "FACEBOOK_API_BASE"},
    "telegram": {"api_base": "TELEGRAM_API_BASE"},
    "slack": {"api_base": "SLACK_API_BASE"},
    "chatwoot": {"api_base": "CHATWOOT_API_BASE"},
}

def enabled_channels(environ: Mapping[str, str]) -> Dict[str, Dict[str, str]]:
    """Credentials entries for the channels whose environment variables are all set.

    For example {"connectors.telegram.TelegramChannel": {"access_token":
    "${TELEGRAM_ACCESS_TOKEN}", "secret_token": "${TELEGRAM_SECRET_TOKEN}"}}.
    Values are Rasa's `${VAR}` references, not the secrets, so a credentials
    file written from this holds no secret: Rasa reads the variables when it
    loads the file. Optional settings are included when their variable is set.
    An empty variable counts as not set. Raises ValueError naming what is
    missing when a channel has only some of its variables set.
    """

    def is_set(variable: str) -> bool:
        return bool((environ.get(variable) or "").strip())

    entries: Dict[str, Dict[str, str]] = {}
    problems = []
    for channel, settings in REQUIRED_SETTINGS.items():
        missing = [variable for variable in settings.values() if not is_set(variable)]
        if len(missing) == len(settings):
            continue  # not wanted
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            problems.append(f"{channel} is half-configured: {', '.join(missing)} {verb} not set")
            continue
        optional = {key: var for key, var in OPTIONAL_SETTINGS[channel].items() if is_set(var)}
        entries[CHANNEL_CLASSES[channel]] = {
            key: "${" + variable + "}" for key, variable in {**settings, **optional}.items()
        }
    if problems:
        raise ValueError("; ".join(problems))
    return entries


class ChannelConfigError(RasaException):
    """A channel's credentials entry is incomplete or unsafe."""


def optional_setting(credentials: Dict[Text, Any], key: str) -> Optional[str]:
    value = credentials.get(key)
    if value is not None and not isinstance(value, str):
        # e.g. an unquoted +15551230000, which YAML reads as a number without its "+"
        raise ChannelConfigError(f"'{key}' must be a string: quote it in the credentials file.")
    return value.strip() if value and value.strip() else None


def required_setting(credentials: Dict[Text, Any], key: str, channel: str) -> str:
    value = optional_setting(credentials, key)
    if value is None:
        raise ChannelConfigError(f"The {channel} channel needs '{key}' in its credentials.")
    return value


def api_base_setting(credentials: Dict[Text, Any], default: str, channel: str) -> str:
    """The platform's API base URL; plain http only for a loopback fake."""
    base = (optional_setting(credentials, "api_base") or default).rstrip("/")
    parts = urlsplit(base)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        # Tokens travel with every reply; never send them in clear over the internet.
        raise ChannelConfigError(f"The {channel} channel's api_base must be an https:// URL.")
    return base


def start_up_notes(environ: Mapping[str, str]) -> List[str]:
    """What a clinic starting the enabled channels should know, in plain words."""
    from connectors import dedup

    enabled = enabled_channels(environ)
    notes = []
    twilio = enabled.get(CHANNEL_CLASSES["twilio"], {})
    if twilio and "public_url" not in twilio and "trusted_proxies" not in twilio:
        notes.append(
            "Twilio: behind a TLS proxy, set TWILIO_TRUSTED_PROXIES to the proxy's address "
            "(e.g. 127.0.0.1) or TWILIO_PUBLIC_URL to the webhook URL registered at Twilio. "
            "Without either, every message that comes through the proxy fails Twilio's "
            "signature check and is refused.")
    if enabled:
        where = {"redis": "in Redis (LOCK_STORE_URL), shared by every replica",
                 "database": "in the conversations database, shared by every replica",
                 "process": "in this process only: fine for one server, not for replicas"}
        notes.append(f"Repeated deliveries from the platforms are recognised {where[dedup.store_kind(environ)]}.")
    return notes
