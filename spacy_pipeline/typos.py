"""Condition names misspelt in ways the lexicon does not list ("mygraines",
"blephrospasm", "depresssion", "anciedad", "excesive sweating").

A word is read as a condition name's word when it is close to a word of the lexicon's
condition names (same first letter, difflib ratio >= 0.85, as the
intent classifier's typo check) and is not itself a real word. Real words come
from spacy-lookups-data's English and Spanish word lists; only the few that are
close to a condition name are kept ("migrate", "seating", "depressing",
"sudadera"), in the pipeline's meta.json, so the lists are read at build time only.
The corrected words go through the same entity ruler, so a correction can only
find what the lexicon would find in the right spelling.
"""
from __future__ import annotations

import difflib
import gzip
import hashlib
import json
import os
from pathlib import Path
from collections import defaultdict
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span


META_KEY = "condition_typos"
TYPO_SIMILARITY = 0.85
# A word with its silent h put back ("iperidrosis" -> "hiperidrosis") must be closer.
SILENT_H_SIMILARITY = 0.9
# Shorter words have too many real neighbours ("sweat" / "swear") to correct safely.
SHORTEST_TARGET = 6
SHORTEST_TYPO = 5
# Lengths further apart than this cannot reach TYPO_SIMILARITY (2*shorter/sum).
MAX_LENGTH_RATIO = 2 / TYPO_SIMILARITY - 1
# Words at least this common in spacy-lookups-data's frequency lists (log probability)
# count as real; rarer entries include the misspellings themselves ("migrane": -17.2).
COMMON_WORD_LOG_PROB = -15.0
WORD_LIST_LANGUAGES = ("en", "es")
# Words whose correction is remembered (a few MB at most).
CORRECTIONS_KEPT = 50_000
# Kept in the repository, so that a fresh clone need not read the word lists; the build
# rewrites it when the lexicon's one-word condition names change (commit it then).
CACHE_FILE = Path(__file__).parent / "real_words_near_condition_names.json"


def condition_name_words(patterns: Iterable[dict]) -> List[str]:
    """The words of the lexicon's condition phrases long enough to be distinctive:
    one-word names ("migraine") and the words of longer ones ("excessive", "clenching"),
    so that "excesive sweating" is read as "excessive sweating"."""
    return sorted({word for p in patterns
                   if p["label"] == "condition" and isinstance(p["pattern"], str)
                   for word in p["pattern"].lower().split()
                   if word.isalpha() and len(word) >= SHORTEST_TARGET})


def _real_words() -> Iterable[str]:
    """English words and their forms, Spanish dictionary forms, and the common words of both.
    (Spanish verb forms are left out: they are most of the lists and, near a condition
    name, they are forms of it: "transpiraba", "rechinaban".)"""
    import spacy_lookups_data

    def table(language: str, name: str) -> Dict[str, object]:
        path = getattr(spacy_lookups_data, language)[name]  # listed as .json, shipped gzipped
        with gzip.open(path.with_name(path.name + ".gz"), "rt", encoding="utf-8") as file:
            return json.load(file)

    english_forms = table("en", "lemma_lookup")
    yield from english_forms
    yield from english_forms.values()
    yield from table("es", "lemma_lookup").values()
    for language in WORD_LIST_LANGUAGES:
        yield from (word for word, log_prob in table(language, "lexeme_prob").items()
                    if log_prob >= COMMON_WORD_LOG_PROB)


def _close_match(word: str, names_by_first_letter: Dict[str, List[str]],
                 cutoff: float = TYPO_SIMILARITY) -> Optional[str]:
    matches = difflib.get_close_matches(word, names_by_first_letter.get(word[0], []), n=1,
                                        cutoff=cutoff)
    return matches[0] if matches else None


def _by_first_letter(names: Iterable[str]) -> Dict[str, List[str]]:
    grouped: Dict[str, List[str]] = defaultdict(list)
    for name in names:
        grouped[name[0]].append(name)
    return grouped


def real_words_close_to(names: FrozenSet[str]) -> List[str]:
    """Real words that a typo check would otherwise take for one of `names`. Finding
    them reads 700,000 words (about 10 seconds), so the answer is kept (CACHE_FILE)
    for the same names."""
    if not names:
        return []
    key = hashlib.sha256(json.dumps([sorted(names), TYPO_SIMILARITY, COMMON_WORD_LOG_PROB]).encode()).hexdigest()
    try:
        cached = json.loads(CACHE_FILE.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            return cached["real_words"]
    except (OSError, ValueError):
        pass
    close = _real_words_close_to(names)
    CACHE_FILE.parent.mkdir(parents=True, exist_ok=True)
    partial = CACHE_FILE.with_name(f"{CACHE_FILE.name}.{os.getpid()}")
    partial.write_text(json.dumps({"key": key, "real_words": close}, indent=1) + "\n", encoding="utf-8")
    partial.replace(CACHE_FILE)  # atomic: parallel test workers may build at once
    return close


def _real_words_close_to(names: FrozenSet[str]) -> List[str]:
    words_by_start: Dict[Tuple[str, int], List[str]] = defaultdict(list)
    for word in {w.lower() for w in _real_words() if isinstance(w, str)}:
        if len(word) >= SHORTEST_TYPO and word.isalpha() and word not in names:
            words_by_start[word[0], len(word)].append(word)
    grouped = _by_first_letter(names)
    close = set()
    matcher = difflib.SequenceMatcher()
    for name in names:
        matcher.set_seq2(name)  # difflib caches its work on the second sequence
        # The ratio is at most 2*shorter/(sum of lengths): other lengths cannot reach it.
        for length in range(int(len(name) / MAX_LENGTH_RATIO), int(len(name) * MAX_LENGTH_RATIO) + 1):
            for word in words_by_start.get((name[0], length), ()):
                matcher.set_seq1(word)
                # quick_ratio (shared letters) is a cheap upper bound; the runtime check decides.
                if matcher.quick_ratio() >= TYPO_SIMILARITY and _close_match(word, grouped):
                    close.add(word)
    return sorted(close)


def add_to_meta(nlp: Language, patterns: List[dict]) -> None:
    """Stores the names and their real-word neighbours with the pipeline (meta.json)."""
    names = condition_name_words(patterns)
    nlp.meta[META_KEY] = {"names": names, "real_words": real_words_close_to(frozenset(names))}


class Entity(NamedTuple):
    """An entity with its canonical value (the ruler's pattern id) and its place in the text."""
    label: str
    value: str
    start_char: int
    end_char: int

    @classmethod
    def of(cls, span: Span, text_doc: Doc) -> "Entity":
        return cls(span.label_, span.ent_id_ or span.text, text_doc[span.start].idx,
                   text_doc[span.end - 1].idx + len(text_doc[span.end - 1]))


class ConditionTypos:
    """Finds condition names misspelt beyond the lexicon, with the pipeline's own ruler."""

    def __init__(self, nlp: Language) -> None:
        stored = nlp.meta.get(META_KEY) or {}
        self.nlp = nlp
        self.names = set(stored.get("names") or [])
        self.real_words = set(stored.get("real_words") or [])
        self._names_by_first_letter = _by_first_letter(self.names)
        self._corrections: Dict[str, Optional[str]] = {}

    def correction(self, word: str) -> Optional[str]:
        word = word.lower()
        if (len(word) < SHORTEST_TYPO or not word.isalpha() or word in self.names
                or word in self.real_words):
            return None
        if word not in self._corrections:  # patients' words repeat; difflib is the slow part
            if len(self._corrections) >= CORRECTIONS_KEPT:
                self._corrections.clear()
            self._corrections[word] = (_close_match(word, self._names_by_first_letter)
                                       or self._without_its_silent_h(word))
        return self._corrections[word]

    def _without_its_silent_h(self, word: str) -> Optional[str]:
        """Spanish h is silent, so it is often left out: "iperidrosis", "emifacial". The
        real word that is not in the word lists' neighbours ("earaches", near "headaches")
        is kept out by a closer match than for other typos."""
        if word[0] not in "aeiou":
            return None
        return _close_match("h" + word, self._names_by_first_letter, SILENT_H_SIMILARITY)

    def entities(self, doc: Doc) -> List[Entity]:
        """The doc's entities, plus conditions found once misspelt names are corrected."""
        tagged = {token.i for span in doc.ents for token in span}
        corrections = {token.i: self.correction(token.text) for token in doc if token.i not in tagged}
        if not any(corrections.values()):
            return [Entity.of(span, doc) for span in doc.ents]
        corrected = Doc(self.nlp.vocab, words=[corrections.get(t.i) or t.text for t in doc],
                        spaces=[bool(t.whitespace_) for t in doc])
        for _, component in self.nlp.pipeline:
            corrected = component(corrected)
        # A condition found only once a word is corrected, new or longer than what the
        # ruler found ("excesive sweating" over "sweating"); the rest stays as found.
        found = [span for span in corrected.ents if span.label_ == "condition"
                 and any(corrections.get(i) for i in range(span.start, span.end))]
        kept = [span for span in doc.ents
                if not any(f.start <= span.start and span.end <= f.end for f in found)]
        found = [f for f in found if not any(k.start < f.end and f.start < k.end for k in kept)]
        # Same tokens, so the corrected doc's spans map onto the original text.
        return sorted([Entity.of(span, doc) for span in kept + found], key=lambda entity: entity.start_char)
