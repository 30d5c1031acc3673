"""Texts the clinic writes itself (directions, notes, roles, holiday names): one text
for every language, or one per language ({en: ..., es: ...}). A language without its
own text gets the English one, so English is required."""
import re
from typing import Any, Dict, Union

from common.languages import ENGLISH, LANGUAGES

ClinicText = Union[str, Dict[str, str]]


def check_clinic_text(value: ClinicText) -> ClinicText:
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language {unknown}: use {', '.join(LANGUAGES)}")
        if ENGLISH not in value:
            raise ValueError(f"needs an '{ENGLISH}' text, used for any language without its own")
    return value


def in_language(text: ClinicText, language: str) -> str:
    """A clinic text in `language`, or in English when the clinic wrote none for it."""
    if isinstance(text, str):
        return text
    return text.get(language) or text[ENGLISH]


class Wording(str):
    """A wording template from clinic/messages*.yml. Its format() ends a sentence once
    when a value already ends with a period: "vuelve a abrir el lunes a las 9:00 a. m."
    rather than "a. m..". (Spanish writes the abbreviation's period as the sentence's.)"""

    def format(self, *args: Any, **values: Any) -> str:
        def one_period(placeholder: "re.Match") -> str:
            value = values.get(placeholder.group(1))
            return placeholder.group(0)[:-1] if str(value).endswith(".") else placeholder.group(0)

        return str.format(SENTENCE_END_AFTER_PLACEHOLDER.sub(one_period, self), *args, **values)


SENTENCE_END_AFTER_PLACEHOLDER = re.compile(r"\{(\w+)\}\.")


def as_wording(texts: Any) -> Any:
    """Every string in a loaded messages file, as a Wording."""
    if isinstance(texts, dict):
        return {key: as_wording(value) for key, value in texts.items()}
    if isinstance(texts, list):
        return [as_wording(value) for value in texts]
    return Wording(texts) if isinstance(texts, str) else texts
