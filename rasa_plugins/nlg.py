"""Answers in the conversation's language.

Selected in the endpoints file (deploy/endpoints.py) as
`nlg: type: rasa_plugins.nlg.LanguageResponseGenerator`; Rasa builds it with the
endpoint's settings and the domain (rasa/core/nlg/generator.py).

A response is taken from content/es/responses.yml when the conversation's
`language` slot is "es", else from domain.yml. Within a language, the variation is
chosen exactly as Rasa's own generator does (a `channel:` variation for that
channel first, then the `condition:`s on slots, then at random), and slots fill
the {placeholders} the same way: this class only picks which language's
responses Rasa's generator reads. A response missing from the Spanish file is
said in English (and logged once at start, by name), never not at all; without
the file every answer is in English (logged as an error at start).

The Spanish file is read once, when the server starts (as domain.yml is).
"""
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from common.languages import DEFAULT_LANGUAGE, LANGUAGE_SLOT, SPANISH, language_or_default
from common.paths import ROOT
from common import yaml_files

logger = logging.getLogger(__name__)

SPANISH_RESPONSES_FILE = ROOT / "content" / "es" / "responses.yml"

Responses = Dict[Text, List[Dict[Text, Any]]]


def load_responses(path: Path) -> Responses:
    """The `responses:` of a file laid out like domain.yml's."""
    content = yaml_files.safe_load(path.read_text(encoding="utf-8")) or {}
    responses = content.get("responses") or {}
    if not isinstance(responses, dict):
        raise ValueError(f"{path}: `responses:` must map response names to variations")
    return responses


class LanguageResponseGenerator(TemplatedNaturalLanguageGenerator):
    """Rasa's templated generator, reading the responses of the conversation's language.

    The endpoint may name another Spanish file: `spanish_responses: path/to/file.yml`
    (relative to the working directory, the repository root).
    """

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None,
                 domain: Optional[Domain] = None) -> None:
        kwargs = (endpoint_config.kwargs if endpoint_config else None) or {}
        spanish_file = Path(kwargs.get("spanish_responses") or SPANISH_RESPONSES_FILE)
        if spanish_file.exists():
            spanish = load_responses(spanish_file)
        else:  # the assistant still answers, in English; the start-up log says why
            logger.error("No Spanish responses at %s: every answer is said in English", spanish_file)
            spanish = {}
        self._spanish = TemplatedNaturalLanguageGenerator(spanish)
        super().__init__((domain or Domain.empty()).responses)

    @property
    def responses(self) -> Responses:
        return self._english

    @responses.setter
    def responses(self, english: Responses) -> None:
        # Rasa builds the generator before it loads the model, then sets the
        # model's domain responses here (rasa/core/agent.py).
        self._english = english
        missing = sorted(set(english) - set(self._spanish.responses))
        if english and missing:
            logger.warning("%d response(s) have no Spanish version and are said in English: %s",
                           len(missing), ", ".join(missing))

    def _random_response_for(
        self, utter_action: Text, output_channel: Text, filled_slots: Dict[Text, Any]
    ) -> Optional[Dict[Text, Any]]:
        language = language_or_default(filled_slots.get(LANGUAGE_SLOT))
        if language == SPANISH and utter_action in self._spanish.responses:
            response = self._spanish._random_response_for(utter_action, output_channel, filled_slots)
        else:
            language = DEFAULT_LANGUAGE
            response = super()._random_response_for(utter_action, output_channel, filled_slots)
        if response is None:
            return None
        # The answer says which language it is in: the channels label its sources
        # ("Fuente:") and the widget follows it (a copy: the templates stay as loaded).
        return {**response, "metadata": {**(response.get("metadata") or {}), "language": language}}
