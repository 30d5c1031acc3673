"""Which language a patient writes in: English or Spanish, offline, per message.

The conversation's language is the `language` slot ("en" or "es"). This
component reports a message's language as a `language` entity only when the
message really says which language it is in, so the slot changes only then:

- an explicit request switches at once, however short the message: "en español,
  por favor", "English please", "no hablo inglés" (the phrases are in
  spacy_pipeline/lexicon/language_request_patterns.yml);
- otherwise the message must have at least MIN_WORDS words, lingua (restricted to
  English and Spanish, its models ship inside the package) must be confident,
  and the message must hold more of that language's common words ("el", "para",
  "tengo"; "the", "my", "does") than of the other's. So "no", "ok", "gracias",
  "thanks", a name ("María José López") or a place ("Back Bay") never switch,
  and "el botox para las migrañas" does.

With no entity, the slot keeps its value: the conversation stays in its language.
A conversation from a Spanish web page starts in Spanish through the page's
language (the widget sends it as the message's metadata; action_session_start in
actions/clinic_info.py reads it).
"""
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Pattern, Text, Tuple


from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from common.languages import ENGLISH, LANGUAGES, SPANISH
from common.paths import ROOT
from common import yaml_files

LANGUAGE_ENTITY = "language"
REQUESTS_FILE = ROOT / "spacy_pipeline" / "lexicon" / "language_request_patterns.yml"

# Chosen on the development messages in tests/test_language.py (never on held-out sets).
MIN_WORDS = 3
MIN_CONFIDENCE = 0.7
# With this much confidence, one common word of the language is enough evidence.
HIGH_CONFIDENCE = 0.85

# Common words that only one of the two languages uses (accents removed, lower case).
# Words both share ("no", "me", "a", "solo") are in neither list.
COMMON_WORDS = {
    SPANISH: set("""
        el la los las un una unos unas de del al que y o u en con por para sin sobre
        es esta estan estoy esto eso ese esa hay ser estar fue era sea
        mi mis tu tus su sus yo usted ustedes nosotros ella ellos ellas le les lo se te nos
        muy mas pero porque como cuando donde cuanto cuanta cuantos cuantas cual cuales quien
        que puedo puede pueden tengo tiene tienen quiero quisiera necesito sirve ayuda
        hola buenas buenos dias tardes noches gracias senor senora doctora
        tambien ya aqui hace hacen desde hasta despues antes mucho mucha poco cada otro otra
        si sea hago hacer ponen poner pone duele dolor cita precio cuesta seguro
    """.split()),
    ENGLISH: set("""
        the an of and or in on with for without about is are was were be been am
        my your his her their our we they you it its this that these those there
        what when where how why who which can could would should will does do did
        have has had get got want need help please thanks thank hello hi
        i im i'm ive i've dont don't doesnt doesn't cant can't isnt isn't
        very more but because if so just also any some much many every after before
        from to at by up out into
    """.split()),
}

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def fold(text: Text) -> Text:
    """Lower case without accents: "Español" -> "espanol" (patients often skip them)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


def words(text: Text) -> List[Text]:
    return _WORD.findall(fold(text))


@lru_cache(maxsize=1)
def request_patterns(path: Path = REQUESTS_FILE) -> List[Tuple[Text, Pattern]]:
    content = yaml_files.safe_load(path.read_text(encoding="utf-8")) or {}
    return [(language, re.compile(pattern, re.I))
            for language, patterns in content.items() for pattern in patterns or []]


def requested_language(text: Text) -> Optional[Text]:
    """The language a message asks for ("en español, por favor"), if exactly one."""
    folded = fold(text)
    asked = {language for language, pattern in request_patterns() if pattern.search(folded)}
    return asked.pop() if len(asked) == 1 else None


@lru_cache(maxsize=1)
def _detector() -> Any:
    """lingua, restricted to English and Spanish: about 60 MB and 3 s to load, 0.3 ms a
    message (measured on the 2-core server)."""
    from lingua import Language, LanguageDetectorBuilder

    return (LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
            .with_preloaded_language_models().build())


def confidences(text: Text) -> Dict[Text, float]:
    """lingua's confidence per language code for `text` (they add up to 1, or are all 0)."""
    codes = {"ENGLISH": ENGLISH, "SPANISH": SPANISH}
    return {codes[value.language.name]: value.value
            for value in _detector().compute_language_confidence_values(text)}


def detected_language(text: Text) -> Optional[Text]:
    """The language `text` is clearly written in, or None when it doesn't say."""
    requested = requested_language(text)
    if requested:
        return requested
    found = words(text)
    if len(found) < MIN_WORDS:
        return None
    scores = confidences(text)
    best = max(LANGUAGES, key=lambda language: scores.get(language, 0.0))
    confidence = scores.get(best, 0.0)
    other = SPANISH if best == ENGLISH else ENGLISH
    own = sum(1 for word in found if word in COMMON_WORDS[best])
    theirs = sum(1 for word in found if word in COMMON_WORDS[other])
    if own <= theirs:
        return None
    if confidence >= HIGH_CONFIDENCE or (confidence >= MIN_CONFIDENCE and own >= 2):
        return best
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class LanguageDetector(GraphComponent):
    """Adds a `language` entity ("en" or "es") when a message clearly says its language."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        _detector()  # load lingua's models now, not during the first patient's message
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            language = detected_language(text) if not text.startswith("/") else None
            if language:
                entity = {"entity": LANGUAGE_ENTITY, "value": language, "start": 0, "end": len(text),
                          "confidence": 1.0, "extractor": type(self).__name__}
                message.set(ENTITIES, (message.get(ENTITIES) or []) + [entity], add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        return training_data
