"""Turns a medical answer's metadata (status and sources) into what patients see."""
from typing import Any, Dict, Optional


def provenance_of(message: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The status and sources a response carries in its `metadata`, if any."""
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or not metadata.get("sources"):
        return None
    return {"status": metadata.get("status"), "sources": list(metadata["sources"])}


def source_line(provenance: Dict[str, Any]) -> str:
    return "Source: " + "; ".join(provenance["sources"])


def with_source_line(message: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of the bot message whose text ends with a short "Source: …" line."""
    provenance = provenance_of(message)
    if not provenance or not message.get("text"):
        return message
    return {**message, "text": f"{message['text']}\n{source_line(provenance)}"}
