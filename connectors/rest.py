"""The REST channel (POST /webhooks/rest/webhook) with provenance and input checks.

Rasa's stock RestInput hard-codes its output collector, accepts a missing
sender (merging strangers into one "default" conversation) and answers bad
JSON with a 500. This one answers 400 to malformed requests and adds each
medical answer's status and sources to the reply.
"""
import logging
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.provenance import provenance_of, with_source_line

logger = logging.getLogger(__name__)


class SourcedOutputChannel(CollectingOutputChannel):
    """Collects bot messages; medical answers get a "Source: …" line and metadata."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        provenance = provenance_of(message)
        first_new = len(self.messages)
        await super().send_response(recipient_id, with_source_line(message))
        if provenance:
            for sent in self.messages[first_new:]:
                sent["metadata"] = provenance


def bad_request(reason: Text) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


class SourcedRestInput(RestInput):
    """Drop-in replacement for Rasa's `rest` channel."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # sanic raises on undecodable JSON
                return bad_request("body must be JSON")
            if not isinstance(body, dict):
                return bad_request("body must be a JSON object")
            sender = body.get("sender")
            text = body.get("message")
            if not isinstance(sender, str) or not sender.strip():
                return bad_request("'sender' must be a non-empty string")
            if not isinstance(text, str):
                return bad_request("'message' must be a string")

            collector = SourcedOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender,
                        input_channel=self.name(),
                        metadata=self.get_metadata(request),
                    )
                )
            except Exception:
                # Never log the message itself: it may hold health details.
                logger.exception("Handling a REST message failed")
            return response.json(collector.messages)

        return webhook
