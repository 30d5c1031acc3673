"""The input guard every entry point (REST, the widget through REST, each channel) uses.

Before a message reaches Rasa it is:

- cleaned: control characters and lone surrogates removed (newlines and tabs
  kept), so odd bytes cannot break NLU, the tracker store or the logs;
- refused with a clear reply when it is empty or longer than
  BOT_MAX_MESSAGE_CHARS (default 2000), never sent to NLU;
- answered with a clear reply when it only holds a photo or file (the bot reads
  text only, and photos of health information should not be sent to it);
- on channels that list options by number (SMS), a number picks that option,
  and a number with no option gets "Reply with a number from 1 to N";
- disarmed when it uses Rasa's intent syntax ("/intent{...}") without being a
  button the bot just offered: Rasa would skip NLU and could fill form slots
  from the entities. Only an exact payload of a button in the bot's latest
  turn, or a bare "/intent" of the domain (the same as tapping a button),
  passes; anything else is handled as typed text;
- rate limited per sender and per client IP (sliding windows). With a Redis
  URL (LOCK_STORE_URL, which replicas need anyway) the counts live in Redis, so
  N replicas together allow the configured limit, not N times it; otherwise
  they are kept in this process's memory. Requests from loopback are not
  limited per IP unless a trusted proxy names the client (tests; a same-host
  proxy must set BOT_TRUST_X_FORWARDED_FOR).

Environment:
    BOT_MAX_MESSAGE_CHARS           longest accepted message (default 2000)
    BOT_RATE_LIMIT_PER_SENDER       messages per window per conversation (default 20)
    BOT_RATE_LIMIT_PER_IP           REST messages per window per client IP (default 60)
    BOT_RATE_LIMIT_WINDOW_SECONDS   the window (default 60)
    BOT_TRUST_X_FORWARDED_FOR       "true" behind a reverse proxy that sets
                                    X-Forwarded-For; otherwise it is ignored,
                                    since any client can send that header.
    LOCK_STORE_URL                  redis://…: count the limits in Redis

The replies' wording is in clinic/messages.yml (and messages_es.yml), under `input:`;
each is said in the patient's language (connectors/patient_language.py).
"""
import ipaddress
import logging
import os
import re
import threading
import time
import unicodedata
from collections import OrderedDict, deque
from dataclasses import dataclass, replace
from typing import Any, Callable, Deque, Dict, Iterable, List, Optional, Sequence, Tuple

from connectors.formatting import Button, option_number, usable_buttons

logger = logging.getLogger(__name__)


def _env_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, default))
    except ValueError:
        logger.error("%s is not a whole number; using %s", name, default)
        return default
    return value if value > 0 else default


MAX_MESSAGE_CHARS = _env_int("BOT_MAX_MESSAGE_CHARS", 2000)

# Only if clinic/messages.yml (or messages_es.yml) cannot be read.
FALLBACK_REPLIES = {
    "en": {
        "empty": "I didn't get a message. Please type your question.",
        "too_long": "That message is too long for me. Please send a shorter question (up to {limit} characters).",
        "rate_limited": "You're sending messages faster than I can answer. Please wait a minute and try again.",
        "media_only": "I can only read typed messages, so I can't see photos or files. "
                      "Please don't send pictures of your health information here. Type your question instead.",
        "option_out_of_range": "Reply with a number from 1 to {count}, or type your question.",
    },
    "es": {
        "empty": "No recibí ningún mensaje. Por favor, escriba su pregunta.",
        "too_long": "Ese mensaje es demasiado largo para mí. Envíe una pregunta más corta "
                    "(de hasta {limit} caracteres).",
        "rate_limited": "Está enviando mensajes más rápido de lo que puedo responder. "
                        "Espere un minuto y vuelva a intentarlo.",
        "media_only": "Solo puedo leer mensajes escritos, así que no puedo ver fotos ni archivos. "
                      "Por favor, no envíe aquí fotos de su información de salud. Mejor escriba su pregunta.",
        "option_out_of_range": "Responda con un número del 1 al {count}, o escriba su pregunta.",
    },
}


def reply(kind: str, language: str = "en", **values: Any) -> str:
    """The patient-facing wording for an input problem, in `language` ("en" or "es"),
    from clinic/messages.yml or clinic/messages_es.yml."""
    language = language if language in FALLBACK_REPLIES else "en"
    try:
        from clinic.config import messages

        return messages(language)["input"][kind].format(limit=MAX_MESSAGE_CHARS, **values)
    except Exception:  # a broken wording file must not stop the guard
        logger.exception("No usable wording for input problem %s; using the built-in one", kind)
        return FALLBACK_REPLIES[language][kind].format(limit=MAX_MESSAGE_CHARS, **values)


# ---------------------------------------------------------------------------
# Cleaning and checking text
# ---------------------------------------------------------------------------
_KEPT_CONTROLS = {"\n", "\t"}
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")


def clean_text(text: str) -> str:
    """`text` without control characters or lone surrogates; line breaks become "\\n".

    Emoji, other scripts and format characters (e.g. the zero-width joiner
    inside emoji) are kept.
    """
    text = _LINE_BREAKS.sub("\n", text)
    return "".join(
        char for char in text
        if char in _KEPT_CONTROLS or unicodedata.category(char) not in ("Cc", "Cs")
    )


_BARE_INTENT = re.compile(r"/([A-Za-z0-9_]+)")


def is_intent_syntax(text: str) -> bool:
    """Whether Rasa would read `text` as an intent instead of running NLU."""
    return text.startswith("/")


def allowed_command(text: str, offered_payloads: Iterable[str], intents: Iterable[str]) -> bool:
    """Whether an intent-syntax message may reach Rasa as it is.

    Only the exact payload of a button the bot just offered, or a bare
    "/intent" of the domain (which fills no slot from entities).
    """
    if text in set(offered_payloads):
        return True
    bare = _BARE_INTENT.fullmatch(text)
    return bool(bare) and bare.group(1) in set(intents)


def disarm(text: str) -> str:
    """Typed text with Rasa's intent syntax taken away: leading slashes dropped."""
    return text.lstrip().lstrip("/").lstrip()


@dataclass(frozen=True)
class Verdict:
    """What to do with a message: hand `text` to Rasa, or answer `refusal` instead."""

    text: str = ""
    refusal: Optional[str] = None
    problem: str = "ok"  # for logs and counters: ok, option, no_such_option, media_only, empty, too_long, disarmed

    @property
    def accepted(self) -> bool:
        return self.refusal is None


def check_message(
    raw: str,
    offered_payloads: Sequence[str] = (),
    intents: Sequence[str] = (),
    max_chars: Optional[int] = None,
    language: str = "en",
) -> Verdict:
    """The guard's decision on one incoming message (a pure function); a refusal
    is worded in `language`."""
    limit = max_chars or MAX_MESSAGE_CHARS
    if len(raw) > limit:  # checked before any work, so 100,000 characters cost nothing
        return Verdict(refusal=reply("too_long", language), problem="too_long")
    text = clean_text(raw).strip()
    if not text:
        return Verdict(refusal=reply("empty", language), problem="empty")
    if is_intent_syntax(text) and not allowed_command(text, offered_payloads, intents):
        disarmed = disarm(text)
        if not disarmed:
            return Verdict(refusal=reply("empty", language), problem="empty")
        return Verdict(text=disarmed, problem="disarmed")
    return Verdict(text=text)


# ---------------------------------------------------------------------------
# What the bot offered: read from the tracker store, so every replica agrees
# ---------------------------------------------------------------------------
def latest_button_groups(events: Iterable[Any]) -> List[List[Button]]:
    """The buttons of each bot message since the patient's last message, oldest first.

    `events` are a tracker's events: Rasa Event objects, or their dict form.
    """
    groups: List[List[Button]] = []
    for event in reversed(list(events)):
        kind, data = _kind_and_data(event)
        if kind == "user":
            break
        if kind == "bot":
            buttons = usable_buttons(data.get("buttons") or data.get("quick_replies"))
            if buttons:
                groups.append(buttons)
    return list(reversed(groups))


def _kind_and_data(event: Any) -> Tuple[Optional[str], Dict[str, Any]]:
    if isinstance(event, dict):
        return event.get("event"), event.get("data") or {}
    return getattr(event, "type_name", None), getattr(event, "data", None) or {}


async def offered_buttons(agent: Any, sender_id: str) -> List[List[Button]]:
    """The button groups of the bot's latest turn in this conversation ([] if none or unknown)."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    # Rasa wraps the configured store in its FailSafeTrackerStore. The project's SQL
    # store reads only the latest turn's rows (rasa_plugins/tracker_store.py); any
    # other store gives the whole conversation.
    configured = getattr(store, "_tracker_store", store)
    try:
        if hasattr(configured, "latest_turn_events"):
            events: Iterable[Any] = await configured.latest_turn_events(sender_id)
        else:
            tracker = await store.retrieve(sender_id)
            events = tracker.events if tracker else []
    except Exception:  # an unreachable store only costs the buttons, never the answer
        logger.exception("Could not read the conversation to check offered buttons")
        return []
    return latest_button_groups(events)


def domain_intents(agent: Any) -> List[str]:
    domain = getattr(agent, "domain", None)
    return list(getattr(domain, "intents", None) or [])


def payloads(groups: List[List[Button]]) -> List[str]:
    return [button["payload"] for group in groups for button in group]


# Which of the offered options a typed number picks from (SMS: the last message's).
NumberedOptions = Callable[[List[List[Button]]], List[Button]]


async def guard_message(agent: Any, sender_id: str, raw: str,
                        options_for_numbers: Optional[NumberedOptions] = None,
                        has_media: bool = False,
                        channel_language: Optional[str] = None) -> Verdict:
    """The guard's verdict on a message from any entry point (REST or a channel).

    The bot's latest buttons are read from the conversation only when needed: for
    intent syntax, and on channels that number their options (SMS), for a number.
    A number picks that option, whose payload is then checked like a tap; a
    number with no such option gets a reply saying which numbers there are.
    A message with a photo or file and no text gets the "text only" reply.
    A refusal is said in the patient's language (connectors/patient_language.py:
    the message's own, else the conversation's, else `channel_language`), which
    is looked up only then.
    """
    async def language() -> str:
        from connectors.patient_language import reply_language

        return await reply_language(agent, sender_id, raw, channel_language)

    stripped = clean_text(raw).strip() if len(raw) <= MAX_MESSAGE_CHARS else ""
    if has_media and not stripped and len(raw) <= MAX_MESSAGE_CHARS:
        return Verdict(refusal=reply("media_only", await language()), problem="media_only")
    number = option_number(stripped) if options_for_numbers else None
    offered: List[List[Button]] = []
    if is_intent_syntax(stripped) or number is not None:
        offered = await offered_buttons(agent, sender_id)  # a query; only then
    options = options_for_numbers(offered) if number is not None and offered else []
    if options:
        if not 1 <= number <= len(options):
            return Verdict(refusal=reply("option_out_of_range", await language(), count=len(options)),
                           problem="no_such_option")
        verdict = check_message(options[number - 1]["payload"], payloads(offered), domain_intents(agent))
        return replace(verdict, problem="option") if verdict.accepted else verdict
    verdict = check_message(raw, payloads(offered), domain_intents(agent))
    if not verdict.accepted:  # the same check (a pure function), worded in the patient's language
        verdict = check_message(raw, payloads(offered), domain_intents(agent), language=await language())
    return verdict


# ---------------------------------------------------------------------------
# Rate limiting
# ---------------------------------------------------------------------------
class SlidingWindowLimiter:
    """At most `limit` accepted events per key in any `window_seconds`.

    Refused events are not counted, so a patient who waits gets through again.
    Memory is bounded: the least recently used keys are forgotten first.
    """

    def __init__(self, limit: int, window_seconds: float, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._hits: "OrderedDict[str, Deque[float]]" = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self._clock()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window_seconds:
                hits.popleft()
            allowed = len(hits) < self.limit
            if allowed:
                hits.append(now)
            if hits:
                self._hits[key] = hits  # re-inserted: now the most recently used
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
        return allowed

    def retry_after(self, key: str) -> int:
        """Whole seconds until `key` may send again (0 if it may now)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if not hits or len(hits) < self.limit:
                return 0
            return max(1, int(hits[0] + self.window_seconds - now + 0.999))


class SharedWindowLimiter:
    """The same sliding window, counted in Redis so that every replica shares it.

    The `limits` library's moving window (a Redis list per key, checked and
    appended in one Lua script). If Redis fails, the message is let through and
    the error logged: a patient's message is never dropped because of the limiter.
    """

    def __init__(self, limit: int, window_seconds: int, redis_url: str, scope: str) -> None:
        from limits import RateLimitItemPerSecond
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        self.limit = limit
        self.window_seconds = window_seconds
        self._item = RateLimitItemPerSecond(limit, window_seconds, namespace=f"botoxclinic-{scope}")
        self._storage = storage_from_string(redis_url)  # the limiter holds only a weak reference
        self._limiter = MovingWindowRateLimiter(self._storage)

    def allow(self, key: str) -> bool:
        try:
            return self._limiter.hit(self._item, key)
        except Exception:  # Redis unreachable: let the message through
            logger.exception("The shared rate limit could not be checked")
            return True

    def retry_after(self, key: str) -> int:
        try:
            reset_at, remaining = self._limiter.get_window_stats(self._item, key)
        except Exception:
            logger.exception("The shared rate limit could not be read")
            return 0
        return 0 if remaining > 0 else max(1, int(reset_at - time.time() + 0.999))


@dataclass
class RateLimits:
    per_sender: Any  # SlidingWindowLimiter or SharedWindowLimiter: allow(key), retry_after(key)
    per_ip: Any

    @classmethod
    def from_environment(cls) -> "RateLimits":
        window = _env_int("BOT_RATE_LIMIT_WINDOW_SECONDS", 60)
        per_sender = _env_int("BOT_RATE_LIMIT_PER_SENDER", 20)
        per_ip = _env_int("BOT_RATE_LIMIT_PER_IP", 60)
        redis_url = (os.environ.get("LOCK_STORE_URL") or "").strip()
        if redis_url:
            logger.info("Rate limits are counted in Redis, shared by every replica")
            return cls(per_sender=SharedWindowLimiter(per_sender, window, redis_url, "sender"),
                       per_ip=SharedWindowLimiter(per_ip, window, redis_url, "ip"))
        return cls(per_sender=SlidingWindowLimiter(per_sender, window),
                   per_ip=SlidingWindowLimiter(per_ip, window))

    def allow(self, sender_key: str, ip: Optional[str] = None) -> bool:
        """Counts one message; False if the sender or (when given) the IP is over its limit."""
        if ip is not None and not self.per_ip.allow(ip):
            return False
        return self.per_sender.allow(sender_key)


# One set of limits per process, shared by the REST channel and every messaging channel.
_limits: Optional[RateLimits] = None
_limits_lock = threading.Lock()


def rate_limits() -> RateLimits:
    global _limits
    with _limits_lock:
        if _limits is None:
            _limits = RateLimits.from_environment()
        return _limits


def trust_forwarded_for() -> bool:
    return os.environ.get("BOT_TRUST_X_FORWARDED_FOR", "").strip().lower() in ("1", "true", "yes")


def ip_to_limit(request: Any) -> Optional[str]:
    """The client IP to rate limit, or None for a loopback peer without a trusted proxy.

    A loopback peer is this machine: the tests, or a reverse proxy on the same
    host that was not declared with BOT_TRUST_X_FORWARDED_FOR (then every
    patient shares its address, and limiting it would limit them all at once).
    """
    ip = client_ip(request)
    if ip_address_is_loopback(ip) and not (trust_forwarded_for() and request.headers.get("X-Forwarded-For")):
        return None
    return ip


def ip_address_is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def client_ip(request: Any) -> str:
    """The caller's IP: the socket's peer, or the address our proxy put last in X-Forwarded-For.

    The rightmost entry is the one the trusted proxy added; earlier ones are
    whatever the client claimed.
    """
    if trust_forwarded_for():
        forwarded = [part.strip() for part in (request.headers.get("X-Forwarded-For") or "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-1]
    return getattr(request, "ip", "") or "unknown"
