"""A loopback stand-in for the Twilio, Facebook Graph, Telegram Bot and Slack Web APIs.

One HTTP server; each platform lives under its own prefix (`fake.api_base("twilio")`
is http://127.0.0.1:<port>/twilio). It records every request and answers the
way the real API does for a success, with a minimal JSON body.
"""
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

PLATFORMS = ("twilio", "facebook", "telegram", "slack")


@dataclass
class RecordedRequest:
    platform: str
    method: str
    path: str  # without the platform prefix, e.g. /2010-04-01/Accounts/AC1/Messages.json
    query: Dict[str, str]
    headers: Dict[str, str]
    body: bytes
    form: Dict[str, str]  # form-encoded bodies (Twilio)
    json: Any  # JSON bodies (Telegram, Facebook, Slack)

    @property
    def text(self) -> str:
        """The message text sent, whatever the platform."""
        if self.form.get("Body"):
            return self.form["Body"]
        if isinstance(self.json, dict):
            if "blocks" in self.json:
                return "\n".join(b["text"]["text"] for b in self.json["blocks"] if b["type"] == "section")
            message = self.json.get("message")
            if isinstance(message, dict):
                return message.get("text") or ""
            return self.json.get("text") or ""
        return ""

    @property
    def recipient(self) -> Optional[str]:
        if self.form.get("To"):
            return self.form["To"]
        if isinstance(self.json, dict):
            if isinstance(self.json.get("recipient"), dict):
                return self.json["recipient"].get("id")
            recipient = self.json.get("chat_id", self.json.get("channel"))
            return None if recipient is None else str(recipient)
        return None


def _success(platform: str, path: str, request: RecordedRequest) -> Tuple[int, Dict[str, Any]]:
    """The real API's answer to a successful call, trimmed to the essentials."""
    if platform == "twilio":
        return 201, {"sid": "SM" + "0" * 32, "status": "queued", "to": request.form.get("To")}
    if platform == "facebook":
        return 200, {"recipient_id": request.recipient, "message_id": "m_fake"}
    if platform == "telegram":
        if path.endswith("/sendMessage"):
            return 200, {"ok": True, "result": {"message_id": 1, "chat": {"id": request.recipient}}}
        if path.endswith("/setWebhook"):
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        return 200, {"ok": True, "result": True}
    if platform == "slack":
        return 200, {"ok": True, "channel": request.recipient, "ts": "1700000000.000100"}
    return 404, {"error": "unknown platform"}


class FakePlatforms:
    def __init__(self) -> None:
        self.requests: List[RecordedRequest] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                url = urlsplit(self.path)
                platform, _, rest = url.path.lstrip("/").partition("/")
                content_type = self.headers.get("Content-Type") or ""
                form = {}
                if content_type.startswith("application/x-www-form-urlencoded"):
                    form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
                try:
                    parsed_json = json.loads(body) if content_type.startswith("application/json") else None
                except ValueError:
                    parsed_json = None
                recorded = RecordedRequest(
                    platform=platform, method="POST", path="/" + rest,
                    query={k: v[0] for k, v in parse_qs(url.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body, form=form, json=parsed_json,
                )
                with fake._lock:
                    fake.requests.append(recorded)
                status, answer = _success(platform, recorded.path, recorded)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def api_base(self, platform: str, suffix: str = "") -> str:
        return f"{self.url}/{platform}{suffix}"

    def received(self, platform: str, recipient: Optional[str] = None) -> List[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests
                    if r.platform == platform and (recipient is None or r.recipient == recipient)]

    def wait_for(
        self,
        platform: str,
        recipient: Optional[str],
        condition: Callable[[RecordedRequest], bool] = lambda r: True,
        timeout: float = 20,
    ) -> RecordedRequest:
        """The first request to `recipient` (None: anyone) meeting `condition`, polling until it comes."""
        deadline = time.monotonic() + timeout
        while True:
            for request in self.received(platform, recipient):
                if condition(request):
                    return request
            if time.monotonic() > deadline:
                sent = [r.text[:80] for r in self.received(platform, recipient)]
                raise AssertionError(f"no matching {platform} request to {recipient} in {timeout}s; got {sent}")
            time.sleep(0.2)

    def __enter__(self) -> "FakePlatforms":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
