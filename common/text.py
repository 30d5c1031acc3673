"""Text folding shared by the rules that read patients' words."""
import unicodedata


def fold(text: str) -> str:
    """`text` in lower case without accents, with the same length, so that offsets
    found in it hold in the original: "Visión" -> "vision", "mañana" -> "manana"."""
    folded = []
    for char in text:
        base = unicodedata.normalize("NFD", char)[0]
        lower = base.lower()
        folded.append(lower if len(lower) == 1 else base)
    return "".join(folded)
