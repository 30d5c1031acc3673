"""Registers the Telegram webhook, with its secret token. Run once per deployment:

    python -m deploy.telegram_webhook --url https://clinic.example.org/webhooks/telegram/webhook

Reads TELEGRAM_ACCESS_TOKEN and TELEGRAM_SECRET_TOKEN (and TELEGRAM_API_BASE,
default https://api.telegram.org) from the environment. The Rasa server never
does this itself: at every start it would need the internet, and fail offline.
"""
import argparse
import os
import re
import sys
from typing import List, Mapping, Optional
from urllib.parse import urlsplit

import requests

DEFAULT_API_BASE = "https://api.telegram.org"
# The only updates connectors.telegram.TelegramChannel answers.
ALLOWED_UPDATES = ["message", "callback_query"]
# Telegram's rule for secret tokens.
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def set_webhook(url: str, environ: Mapping[str, str], drop_pending: bool = False) -> str:
    """Calls setWebhook and returns Telegram's description; raises ValueError when refused."""
    token = (environ.get("TELEGRAM_ACCESS_TOKEN") or "").strip()
    secret = (environ.get("TELEGRAM_SECRET_TOKEN") or "").strip()
    api_base = (environ.get("TELEGRAM_API_BASE") or DEFAULT_API_BASE).strip().rstrip("/")
    if not token or not secret:
        raise ValueError("TELEGRAM_ACCESS_TOKEN and TELEGRAM_SECRET_TOKEN must be set")
    if not SECRET_TOKEN.fullmatch(secret):
        raise ValueError("TELEGRAM_SECRET_TOKEN may only hold A-Z, a-z, 0-9, _ and - (1-256 characters)")
    if urlsplit(url).scheme != "https":
        raise ValueError("Telegram only calls https:// webhooks")
    try:
        reply = requests.post(
            f"{api_base}/bot{token}/setWebhook",
            json={
                "url": url,
                "secret_token": secret,
                "allowed_updates": ALLOWED_UPDATES,
                "drop_pending_updates": drop_pending,
            },
            timeout=30,
        )
    except requests.RequestException as error:
        # Not the error's text: it holds the URL, and with it the bot token.
        raise ValueError(f"could not reach Telegram ({type(error).__name__})") from None
    try:
        answer = reply.json()
    except ValueError:
        answer = {}
    if reply.status_code != 200 or not answer.get("ok"):
        raise ValueError(f"Telegram refused (HTTP {reply.status_code}): {answer.get('description', '')}")
    return answer.get("description") or "Webhook was set"


def main(argv: Optional[List[str]] = None, environ: Mapping[str, str] = os.environ) -> int:
    parser = argparse.ArgumentParser(description="Register the Telegram webhook.")
    parser.add_argument("--url", required=True,
                        help="public https URL of /webhooks/telegram/webhook")
    parser.add_argument("--drop-pending", action="store_true",
                        help="discard updates Telegram queued while no webhook answered")
    args = parser.parse_args(argv)
    try:
        print(set_webhook(args.url, environ, drop_pending=args.drop_pending))
    except ValueError as problem:
        print(f"telegram_webhook: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
