"""Text folding shared by the rules that read patients' words."""
import re
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


def stretch_around(text: str, start: int, end: int, breaks: "re.Pattern[str]") -> str:
    """The part of `text` around text[start:end] that no match of `breaks` cuts: the
    clause or the sentence a word is in, with `breaks` the clause or sentence ends."""
    begin = max((m.end() for m in breaks.finditer(text, 0, start)), default=0)
    after = breaks.search(text, end)
    return text[begin:after.start() if after else len(text)]
