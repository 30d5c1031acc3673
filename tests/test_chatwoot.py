"""The Chatwoot Agent Bot adapter (connectors/chatwoot.py) without a server: signatures
and the payloads Chatwoot documents. Against a running bot and a fake Chatwoot API:
tests/test_handoff_replicas.py."""
import json
from typing import Dict, Optional

import pytest

from connectors.chatwoot import ChatwootChannel
from connectors.settings import ChannelConfigError
from connectors.webhook import MalformedPayload
from tests.fake_handoff_services import FakeChatwoot

pytestmark = pytest.mark.unit

SECRET, TOKEN = "agent-bot-secret", "agent-bot-token"
NOW = 1_800_000_000


class StubRequest:
    def __init__(self, body: bytes, headers: Optional[Dict[str, str]] = None) -> None:
        self.body, self.headers, self.content_type = body, headers or {}, "application/json"


@pytest.fixture
def channel() -> ChatwootChannel:
    return ChatwootChannel(TOKEN, SECRET, "1", api_base="http://127.0.0.1:9", clock=lambda: NOW)


@pytest.fixture
def chatwoot() -> FakeChatwoot:
    return FakeChatwoot(TOKEN, SECRET)  # only its payload builders: not started


def request(chatwoot: FakeChatwoot, payload, **signing) -> StubRequest:
    body, headers = chatwoot.signed(payload, **{"timestamp": NOW, **signing})
    return StubRequest(body, headers)


def test_only_calls_signed_with_the_bots_secret_and_recent_are_accepted(channel, chatwoot):
    payload = chatwoot.message_created("7", "hello")
    assert channel.has_valid_signature(request(chatwoot, payload))
    assert not channel.has_valid_signature(request(chatwoot, payload, secret="guessed"))
    assert not channel.has_valid_signature(request(chatwoot, payload, timestamp=NOW - 301))  # a replay
    assert channel.has_valid_signature(request(chatwoot, payload, timestamp=NOW - 299))
    assert not channel.has_valid_signature(StubRequest(json.dumps(payload).encode()))  # unsigned
    tampered = request(chatwoot, payload)
    tampered.body = tampered.body.replace(b"hello", b"hellp")
    assert not channel.has_valid_signature(tampered)


def test_a_patient_message_in_a_pending_conversation_is_answered(channel, chatwoot):
    [message] = channel.read_messages(request(chatwoot, chatwoot.message_created("7", "Does Botox help migraines?")))
    assert (message.sender_id, message.text, message.reply_to) == (
        "chatwoot-1-7", "Does Botox help migraines?", "chatwoot-1-7")


def test_the_bot_stays_silent_while_agents_have_the_conversation(channel, chatwoot):
    chatwoot.status["8"] = "open"
    assert channel.read_messages(request(chatwoot, chatwoot.message_created("8", "hello?"))) == []
    chatwoot.status["8"] = "snoozed"
    assert channel.read_messages(request(chatwoot, chatwoot.message_created("8", "hello?"))) == []
    chatwoot.status["8"] = "resolved"  # it comes back to the bot
    assert len(channel.read_messages(request(chatwoot, chatwoot.message_created("8", "hello?")))) == 1


def test_outgoing_messages_private_notes_and_attachments_are_ignored(channel, chatwoot):
    assert channel.read_messages(request(chatwoot, chatwoot.message_created("9", "bot", "outgoing"))) == []
    assert channel.read_messages(request(chatwoot, chatwoot.message_created("9", "note", private=True))) == []
    attachment = {**chatwoot.message_created("9", "x"), "content": None}
    assert channel.read_messages(request(chatwoot, attachment)) == []
    assert channel.read_messages(request(chatwoot, {"event": "webwidget_triggered"})) == []


def test_malformed_or_foreign_payloads_are_refused(channel, chatwoot):
    other_account = {**chatwoot.message_created("9", "x"), "account": {"id": 2, "name": "Other"}}
    with pytest.raises(MalformedPayload, match="account"):
        channel.read_messages(request(chatwoot, other_account))
    no_conversation = {key: value for key, value in chatwoot.message_created("9", "x").items() if key != "conversation"}
    with pytest.raises(MalformedPayload, match="conversation"):
        channel.read_messages(request(chatwoot, no_conversation))
    with pytest.raises(MalformedPayload):
        channel.read_messages(StubRequest(b"[1, 2]"))


def test_the_adapter_needs_its_token_secret_and_account(channel):
    with pytest.raises(ChannelConfigError, match="'webhook_secret'"):
        ChatwootChannel.from_credentials({"bot_token": "t", "account_id": "1"})
    built = ChatwootChannel.from_credentials({"bot_token": "t", "webhook_secret": "s", "account_id": "1"})
    assert built.api_base == "https://app.chatwoot.com" and built.name() == "chatwoot"
    with pytest.raises(ChannelConfigError, match="https"):
        ChatwootChannel.from_credentials({"bot_token": "t", "webhook_secret": "s", "account_id": "1",
                                          "api_base": "http://chatwoot.example.org"})
