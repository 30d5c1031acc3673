"""The languages the assistant speaks, for both servers and the channels."""
import unicodedata
from typing import Any, Optional, Text

ENGLISH, SPANISH = "en", "es"
LANGUAGES = (ENGLISH, SPANISH)
DEFAULT_LANGUAGE = ENGLISH
# The conversation's language slot (domain.yml).
LANGUAGE_SLOT = "language"


def known_language(value: Any) -> Optional[Text]:
    """ "es", "es-MX", "ES_us" -> "es"; "en-US" -> "en"; anything else -> None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def language_or_default(value: Any) -> Text:
    """A slot or metadata value as a known language code ("en" when unknown)."""
    return known_language(value) or DEFAULT_LANGUAGE


def conversation_language(tracker: Any) -> Text:
    """The language of a conversation (a Rasa or rasa-sdk tracker): its `language` slot."""
    return language_or_default(tracker.get_slot(LANGUAGE_SLOT))


def without_accents(text: Text) -> Text:
    """ "teléfono" -> "telefono": patients often type Spanish without accents."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))
