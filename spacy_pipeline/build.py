"""Builds the spaCy pipeline that Rasa's SpacyNLP loads from a path.

Pretrained `en_core_web_*` models cannot be downloaded here, so the pipeline is
built from parts we control: a blank English tokenizer, the lookup lemmatizer
(tables from spacy-lookups-data) and an entity ruler whose phrases live in
`spacy_pipeline/lexicon/*.yml` (and, for location names, `clinic/clinic.yml`),
editable by clinic staff. Condition names misspelt beyond the listed spellings are
found with spacy_pipeline/typos.py.

    python -m spacy_pipeline.build --out build/spacy_pipeline
"""
from __future__ import annotations

import argparse
import re
import unicodedata
from pathlib import Path
from typing import Dict, Iterable, List

import spacy
from spacy.lang.char_classes import ALPHA
from spacy.language import Language
from spacy.util import compile_infix_regex

from common.paths import ROOT
from common import yaml_files
from spacy_pipeline import typos

LEXICON_DIR = Path(__file__).parent / "lexicon"
CLINIC_FILE = ROOT / "clinic" / "clinic.yml"
DEFAULT_OUTPUT = Path("build/spacy_pipeline")
PIPELINE_NAME = "clinic_pipeline"


def load_lexicon(lexicon_dir: Path = LEXICON_DIR) -> Dict[str, Dict[str, List[str]]]:
    """Merges every lexicon file into {label: {canonical value: [phrases]}}."""
    lexicon: Dict[str, Dict[str, List[str]]] = {}
    for path in sorted(lexicon_dir.glob("*.yml")):
        if "_patterns" in path.stem:
            continue  # regular expressions, read by the red-flag guard and the language detector
        if path.stem.startswith("condition_kinds"):
            continue  # words after a name, read by spacy_pipeline/condition_kinds.py
        content = yaml_files.safe_load(path.read_text(encoding="utf-8")) or {}
        for label, values in content.items():
            for canonical, phrases in (values or {}).items():
                if not phrases:
                    raise ValueError(f"{path.name}: {label}.{canonical} has no phrases")
                lexicon.setdefault(label, {}).setdefault(canonical, []).extend(
                    str(phrase) for phrase in phrases
                )
    return lexicon


def clinic_location_lexicon(clinic_file: Path = CLINIC_FILE) -> Dict[str, Dict[str, List[str]]]:
    """Location names from the clinic file, so "the Back Bay office" fills `location`."""
    if not clinic_file.exists():
        return {}
    clinic = yaml_files.safe_load(clinic_file.read_text(encoding="utf-8")) or {}
    return {
        "location": {
            location["id"]: [location["name"], location["id"].replace("_", " ")]
            for location in clinic.get("locations") or []
        }
    }


def without_accents(phrase: str) -> str:
    """ "migraña" -> "migrana", "parálisis" -> "paralisis": patients often skip accents."""
    decomposed = unicodedata.normalize("NFD", phrase)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def accented_words(lexicon: Dict[str, Dict[str, List[str]]]) -> Dict[str, str]:
    """The lexicon's accented words by their spelling without accents: "paralisis" ->
    "parálisis" (one accented spelling per word; words with two are left alone)."""
    spellings: Dict[str, set] = {}
    for values in lexicon.values():
        for phrases in values.values():
            for word in (w for phrase in phrases for w in phrase.strip().lower().split()):
                if without_accents(word) != word:
                    spellings.setdefault(without_accents(word), set()).add(word)
    return {plain: next(iter(words)) for plain, words in spellings.items() if len(words) == 1}


def ruler_patterns(lexicon: Dict[str, Dict[str, List[str]]]) -> Iterable[dict]:
    """One phrase pattern per phrase, one without its accents, and one with the accents
    the lexicon writes elsewhere (a misspelling listed without accents, "paralisis de bel",
    is also found as "parálisis de bel"); the canonical value travels as the pattern id."""
    accents = accented_words(lexicon)
    for label, values in lexicon.items():
        for canonical, phrases in values.items():
            spellings = []
            for phrase in (p.strip().lower() for p in phrases):
                plain = without_accents(phrase)
                spellings += [phrase, plain, " ".join(accents.get(word, word) for word in plain.split())]
            for phrase in dict.fromkeys(spellings):
                yield {"label": label, "pattern": phrase, "id": canonical}


# Patients leave out the space after a full stop, a question mark or a plus ("a
# peor.migraña", "jaquecas?ando", "TTM+bruxismo", "crónica.2020"). English rules split
# "word.Word" only; these split such words between letters (or a letter and a digit), so
# the condition name is a word of its own. Web addresses and e-mails stay whole: the
# tokenizer matches them before it looks for infixes.
NO_SPACE_AFTER_PUNCTUATION = (
    r"(?<=[{a}]{{2}})[.?!+]+(?=[{a}]{{2}})".format(a=ALPHA),
    r"(?<=[{a}]{{2}})\.(?=[0-9])".format(a=ALPHA),
)


# spaCy reads any "word.word" as a web address ("peor.migraña", "temporomandibular.el"), so
# only these count as one: a scheme, "www.", an e-mail, or a domain everyone uses.
WEB_ADDRESS = re.compile(
    r"(?i)^(?:(?:https?|ftp)://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?:[\w-]+\.)+(?:com|org|net|edu|gov|io|us|mx|es|co|info|health|clinic|care)(?:[/:?#]\S*)?)$")


def with_no_space_after_punctuation(nlp: Language) -> None:
    infixes = list(nlp.Defaults.infixes) + list(NO_SPACE_AFTER_PUNCTUATION)
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    nlp.tokenizer.url_match = WEB_ADDRESS.match


def build_pipeline(lexicon_dir: Path = LEXICON_DIR, clinic_file: Path = CLINIC_FILE) -> Language:
    nlp = spacy.blank("en")
    with_no_space_after_punctuation(nlp)
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank English + lookup lemmatizer + clinic entity ruler"
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # LOWER makes matching case-insensitive; common misspellings are listed explicitly.
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    nlp.initialize()  # loads the lemma lookup table from spacy-lookups-data
    lexicon = {**load_lexicon(lexicon_dir), **clinic_location_lexicon(clinic_file)}
    patterns = list(ruler_patterns(lexicon))
    ruler.add_patterns(patterns)
    typos.add_to_meta(nlp, patterns)  # misspelt condition names beyond the listed ones
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    nlp = build_pipeline()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.out)
    print(f"spaCy pipeline written to {args.out} ({len(nlp.get_pipe('entity_ruler'))} phrases)")


if __name__ == "__main__":
    main()
