"""Texts the clinic writes itself (directions, notes, roles, holiday names): one text
for every language, or one per language ({en: ..., es: ...}). A language without its
own text gets the English one, so English is required."""
from typing import Dict, Union

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
