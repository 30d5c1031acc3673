"""Serves the website chat widget and a demo clinic page from the Rasa server.

    GET /webhooks/widget/           the demo page (web/demo.html)
    GET /webhooks/widget/widget.js  the embeddable widget (web/widget.js)
    GET /webhooks/widget/privacy    the widget's privacy notice, as JSON {"notice": "…"}
                                    (?language=es: in Spanish):
                                    wording from clinic/messages.yml, the retention
                                    period from clinic/clinic.yml (privacy.retention_days)
    GET /webhooks/widget/messages?sender=<id>&after=<n>
                                    messages that were not answers to the widget's own
                                    requests (staff replies during a hand-off, the bot's
                                    note when a wait times out), as JSON {"messages":
                                    [{"id", "text", "from", ...}], "handoff": "waiting" |
                                    "open" | null}: see handoff/outbox.py

Serving both from Rasa itself puts the page, the widget and the REST webhook
(/webhooks/rest/webhook, which the widget talks to) on one origin: the widget
needs no CORS, and the page can have a strict Content-Security-Policy.

This channel receives no messages of its own; register it next to the REST
channel in credentials.yml:

    connectors.rest.SourcedRestInput: {}
    connectors.widget.WidgetInput: {}
"""
import base64
import hashlib
import logging
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common.paths import ROOT

logger = logging.getLogger(__name__)

WEB_DIR = ROOT / "web"
DEMO_PAGE = WEB_DIR / "demo.html"
WIDGET_SCRIPT = WEB_DIR / "widget.js"

STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)

# Always revalidate, so a fixed widget reaches patients on their next page load.
COMMON_HEADERS: Dict[Text, Text] = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
}


def style_hashes(html: Text) -> Text:
    """CSP sources allowing exactly the page's own <style> blocks, by their sha256."""
    hashes = []
    for css in STYLE_BLOCK.findall(html):
        digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
        hashes.append(f"'sha256-{digest}'")
    return " ".join(hashes)


def content_security_policy(html: Text) -> Text:
    """Same-origin everything; no inline scripts at all, inline styles only by hash."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {style_hashes(html)}".strip(),
        "img-src 'self' data:",  # data: for the page's empty favicon
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def privacy_notice(language: Text = "en") -> Text:
    """The privacy notice the widget shows, with the clinic's retention period, in
    the widget's language (clinic/messages.yml or messages_es.yml)."""
    from clinic.config import current_clinic, messages
    from common.languages import language_or_default

    return messages(language_or_default(language))["privacy"]["notice"].format(
        retention_days=current_clinic().privacy.retention_days)


def not_found(path: Path) -> HTTPResponse:
    logger.error("The chat widget's file %s is missing", path)
    return response.text("Not found", status=404, headers=COMMON_HEADERS)


class WidgetInput(InputChannel):
    """The chat widget's static files; the conversation goes over the REST channel."""

    @classmethod
    def name(cls) -> Text:
        return "widget"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        widget = Blueprint(f"widget_{type(self).__name__}", __name__)

        # The files are small and read on each request, so edits show without a restart.
        @widget.route("/", methods=["GET"])
        async def demo_page(_: Request) -> HTTPResponse:
            try:
                html = DEMO_PAGE.read_text(encoding="utf-8")
            except FileNotFoundError:
                return not_found(DEMO_PAGE)
            headers = {
                **COMMON_HEADERS,
                "Content-Security-Policy": content_security_policy(html),
                "Referrer-Policy": "no-referrer",
            }
            return response.text(html, headers=headers, content_type="text/html; charset=utf-8")

        @widget.route("/widget.js", methods=["GET"])
        async def widget_script(_: Request) -> HTTPResponse:
            try:
                script = WIDGET_SCRIPT.read_text(encoding="utf-8")
            except FileNotFoundError:
                return not_found(WIDGET_SCRIPT)
            return response.text(
                script, headers=COMMON_HEADERS, content_type="text/javascript; charset=utf-8"
            )

        @widget.route("/privacy", methods=["GET"])
        async def privacy(request: Request) -> HTTPResponse:
            try:
                notice = privacy_notice(request.args.get("language") or "en")
            except Exception:  # the widget keeps its built-in notice
                logger.exception("Could not build the privacy notice")
                return response.json({"error": "no privacy notice"}, status=503, headers=COMMON_HEADERS)
            return response.json({"notice": notice}, headers=COMMON_HEADERS)

        @widget.route("/messages", methods=["GET"])
        async def queued_messages(request: Request) -> HTTPResponse:
            from connectors.rest import valid_sender
            from handoff.outbox import updates_for_widget

            sender, after = request.args.get("sender"), request.args.get("after", "0")
            headers = {**COMMON_HEADERS, "Cache-Control": "no-store"}
            if not valid_sender(sender) or not after.isdigit() or len(after) > 15:
                return response.json({"error": "give sender (the conversation id) and after (a number)"},
                                     status=400, headers=headers)
            try:
                updates = updates_for_widget(sender, int(after))
            except Exception:  # the widget tries again later
                logger.exception("Could not read the widget's queued messages")
                return response.json({"error": "try again later"}, status=503, headers=headers)
            return response.json(updates, headers=headers)

        return widget
