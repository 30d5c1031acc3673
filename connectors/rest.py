"""The REST channel (POST /webhooks/rest/webhook) with provenance and input checks.

Rasa's stock RestInput hard-codes its output collector, accepts a missing
sender (merging strangers into one "default" conversation) and answers bad
JSON with a 500. This one answers 400 to malformed requests, adds each
medical answer's status and sources to the reply, and apologises with the
clinic's phone number when the bot could not answer (an action failed or hung).
"""
import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.provenance import provenance_of, with_source_line

logger = logging.getLogger(__name__)

# A patient gets an answer within this many seconds, even if an action hangs.
RESPONSE_TIMEOUT_SECONDS = float(os.environ.get("BOT_RESPONSE_TIMEOUT_SECONDS", "10"))
GENERIC_APOLOGY = "Sorry, something went wrong on our side. Please call the clinic, or try again in a moment."


def apology() -> Text:
    """The clinic's phone number with an apology, for when the bot could not answer."""
    try:
        from actions.clinic_data import current_clinic, messages

        clinic = current_clinic()
        return messages()["failure"]["apology"].format(clinic=clinic.name, phone=clinic.phone)
    except Exception:  # a broken clinic file must not turn an apology into a crash
        logger.exception("Could not load the clinic's details for the apology")
        return GENERIC_APOLOGY


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
            message = UserMessage(text, collector, sender, input_channel=self.name(),
                                  metadata=self.get_metadata(request))
            try:
                await asyncio.wait_for(on_new_message(message), RESPONSE_TIMEOUT_SECONDS)
            except asyncio.TimeoutError:
                logger.error("Answering a REST message took over %ss", RESPONSE_TIMEOUT_SECONDS)
            except Exception:
                # Never log the message itself: it may hold health details.
                logger.exception("Handling a REST message failed")
            if not collector.messages:
                # Rasa answers nothing when an action fails; never leave a patient in silence.
                await collector.send_text_message(sender, apology())
            return response.json(collector.messages)

        return webhook
