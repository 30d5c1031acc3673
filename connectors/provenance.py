"""Turns a medical answer's metadata (status and sources) into what patients see."""
from typing import Any, Dict, Optional


def provenance_of(message: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The status and sources a response carries in its `metadata`, if any."""
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or not metadata.get("sources"):
        return None
    return {"status": metadata.get("status"), "sources": list(metadata["sources"])}


# The label of the sources line, per language of the answer.
SOURCE_LABEL = {"en": "Source", "es": "Fuente"}


def language_of(message: Dict[str, Any]) -> str:
    """The language a response was said in (rasa_plugins/nlg.py puts it in its metadata)."""
    metadata = message.get("metadata")
    language = metadata.get("language") if isinstance(metadata, dict) else None
    return language if language in SOURCE_LABEL else "en"


def source_line(provenance: Dict[str, Any], language: str = "en") -> str:
    return f"{SOURCE_LABEL[language]}: " + "; ".join(provenance["sources"])


def with_source_line(message: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of the bot message whose text ends with a short "Source: …" line
    ("Fuente: …" for an answer in Spanish)."""
    provenance = provenance_of(message)
    if not provenance or not message.get("text"):
        return message
    return {**message, "text": f"{message['text']}\n{source_line(provenance, language_of(message))}"}
