"""How bot messages are laid out on each messaging platform.

Pure functions (no network, no Rasa) so they can be property-tested: splitting
long answers within a platform's length limit, light Markdown conversion, and
the numbered options that stand in for buttons on SMS and WhatsApp. (Which
options a reply refers to is read from the tracker store: see connectors/twilio.py.)
"""
import re
from typing import Any, Dict, List, Optional, Tuple

# Per-message text limits, in characters.
SMS_LIMIT = 1600  # Twilio rejects longer bodies
WHATSAPP_LIMIT = 1600  # Twilio's limit for WhatsApp bodies
TELEGRAM_LIMIT = 4096
MESSENGER_LIMIT = 2000
SLACK_SECTION_LIMIT = 3000  # per "section" block

MESSENGER_MAX_QUICK_REPLIES = 13
MESSENGER_QUICK_REPLY_TITLE_LIMIT = 20
SLACK_BUTTON_TEXT_LIMIT = 75
SLACK_BUTTON_VALUE_LIMIT = 2000
SLACK_MAX_BUTTONS_PER_BLOCK = 25
TELEGRAM_CALLBACK_DATA_LIMIT = 64  # bytes

NUMBERED_OPTIONS_PROMPT = "Reply with a number."
# Per language of the answer the options belong to (its metadata.language).
NUMBERED_OPTIONS_PROMPTS = {"en": NUMBERED_OPTIONS_PROMPT, "es": "Responda con un número."}

Button = Dict[str, Any]

# Where a long text may be cut, best first. Each pattern matches the whitespace
# between two parts; that whitespace is dropped, nothing else is.
_PARAGRAPH_BREAK = re.compile(r"\s*\n[^\S\n]*\n\s*")
_LINE_BREAK = re.compile(r"\s*\n\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"'”’)\]])\s+")
_ANY_SPACE = re.compile(r"\s+")


def split_message(text: str, limit: int) -> List[str]:
    """Cuts `text` into parts of at most `limit` characters.

    Cuts fall on a paragraph break, else a line break, else a sentence end, as
    long as that keeps the part at least half full (so a long answer does not
    become a string of tiny messages); else between words; a word longer than
    the limit is cut hard. Only the whitespace at a cut is dropped.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    parts = []
    remaining = text.strip()
    while len(remaining) > limit:
        cut, resume = _cut_point(remaining, limit)
        parts.append(remaining[:cut].rstrip())
        remaining = remaining[resume:].lstrip()
    if remaining:
        parts.append(remaining)
    return parts


def _cut_point(text: str, limit: int) -> Tuple[int, int]:
    """Where the first part ends and where the rest starts."""
    window = text[: limit + 1]  # whitespace right after `limit` characters is a fine cut
    for boundary in (_PARAGRAPH_BREAK, _LINE_BREAK, _SENTENCE_END):
        cuts = [m for m in boundary.finditer(window) if m.start() >= max(limit // 2, 1)]
        if cuts:
            return cuts[-1].start(), cuts[-1].end()
    cuts = [m for m in _ANY_SPACE.finditer(window) if m.start() > 0]
    if cuts:
        return cuts[-1].start(), cuts[-1].end()
    return limit, limit


# --- Markdown ------------------------------------------------------------
# Responses mark emphasis with **bold**. SMS, Messenger and plain Telegram
# messages would show the asterisks; WhatsApp and Slack use a single *.
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def plain_text(text: str) -> str:
    return _BOLD.sub(r"\1", text)


def whatsapp_text(text: str) -> str:
    return _BOLD.sub(r"*\1*", text)


def slack_mrkdwn(text: str) -> str:
    """Slack's mrkdwn: &, < and > must be escaped, bold is *one* asterisk."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BOLD.sub(r"*\1*", escaped)


def shorten(title: str, limit: int) -> str:
    """`title` cut to `limit` characters, with an ellipsis when it was cut."""
    title = title.strip()
    if len(title) <= limit:
        return title
    return title[: limit - 1].rstrip() + "…"


# --- Buttons -------------------------------------------------------------
def usable_buttons(buttons: Any) -> List[Button]:
    """The buttons that have both a title and a payload, as plain strings."""
    if not isinstance(buttons, list):
        return []
    return [
        {"title": str(button["title"]).strip(), "payload": str(button["payload"])}
        for button in buttons
        if isinstance(button, dict) and str(button.get("title") or "").strip() and button.get("payload")
    ]


def numbered_options(buttons: List[Button], language: str = "en") -> str:
    """Buttons as text for channels without buttons (SMS, WhatsApp)."""
    # A title's line breaks would break the numbering: one line per option.
    lines = [f"{number}. {' '.join(button['title'].split())}"
             for number, button in enumerate(buttons, start=1)]
    prompt = NUMBERED_OPTIONS_PROMPTS.get(language, NUMBERED_OPTIONS_PROMPT)
    return "\n".join(lines + [prompt])


def with_numbered_options(text: str, buttons: List[Button], language: str = "en") -> str:
    if not buttons:
        return text
    options = numbered_options(buttons, language)
    return f"{text}\n\n{options}" if text else options


# How patients pick a numbered option: "2", " 3. ", "#2", "2)", "option 2",
# "number 2", "two". Anything else is read as typed text.
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15,
}
_NUMBER_REPLY = re.compile(
    r"\s*(?:(?:option|number)\s*)?#?\s*(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\s*[.)]?\s*",
    re.IGNORECASE)


def option_number(reply: str) -> Optional[int]:
    """The number a reply like "2", "#2", "option 2" or "two" names, else None."""
    match = _NUMBER_REPLY.fullmatch(reply)
    if not match:
        return None
    number = match.group(1).lower()
    return int(number) if number.isdigit() else _NUMBER_WORDS[number]


def is_number_reply(reply: str) -> bool:
    """Whether a reply looks like picking a numbered option."""
    return option_number(reply) is not None


def chosen_payload(reply: str, buttons: List[Button]) -> Optional[str]:
    """The payload of the option a reply like "2" picks, or None if it picks none."""
    number = option_number(reply)
    if number is not None and 1 <= number <= len(buttons):
        return buttons[number - 1]["payload"]
    return None
