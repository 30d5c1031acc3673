"""The language of the channels' own words to a patient: the input guard's replies
(empty, too long, too fast, a photo, a number with no option), the gentle safety
lines added after an answer, and the apology when the bot could not answer.

The assistant's answers follow the conversation's `language` slot
(rasa_plugins/nlg.py); these words follow the same language, chosen in this order:

1. the message itself, when it clearly says its language (the rule that
   switches the slot, nlu_components/language.py), since NLU would switch the
   conversation to it;
2. the conversation's `language` slot, when the conversation is stored;
3. for a conversation not stored yet, the language the channel gives (the
   widget's page language), else English.

Reading the conversation costs a query, so the channels ask only when they are
about to say one of these (rare) texts, never for an ordinary answer.
"""
import logging
from typing import Any, Optional, Text

from common.languages import DEFAULT_LANGUAGE, LANGUAGE_SLOT, known_language

logger = logging.getLogger(__name__)

# Enough of a message to tell its language; a message may be 100,000 characters long.
MAX_DETECTED_CHARS = 1000


def message_language(text: Optional[Text]) -> Optional[Text]:
    """The language a message clearly says it is in ("en", "es"), or None."""
    text = (text or "")[:MAX_DETECTED_CHARS].strip()
    if not text or text.startswith("/"):  # a button's payload says nothing about language
        return None
    try:
        from nlu_components.language import detected_language

        return detected_language(text)
    except Exception:  # the detector must never cost the patient the reply
        logger.exception("Could not tell a message's language")
        return None


async def stored_language(agent: Any, sender_id: Text) -> Optional[Text]:
    """The `language` slot of a stored conversation, or None if it is not stored."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    try:
        tracker = await store.retrieve(sender_id)
    except Exception:  # an unreachable store: the reply is still given, in the default language
        logger.exception("Could not read the conversation to choose the reply's language")
        return None
    return known_language(tracker.get_slot(LANGUAGE_SLOT)) if tracker is not None else None


async def reply_language(agent: Any, sender_id: Text, text: Optional[Text] = None,
                         channel_language: Optional[Text] = None) -> Text:
    """The language to say a channel's own words in (see the module's docstring)."""
    return (message_language(text)
            or await stored_language(agent, sender_id)
            or known_language(channel_language)
            or DEFAULT_LANGUAGE)
