"""The project's spaCy pipeline: built from repo code and data, no downloads."""
from pathlib import Path

import pytest
import spacy

from spacy_pipeline.build import LEXICON_DIR, build_pipeline, load_lexicon
from spacy_pipeline.typos import ConditionTypos

pytestmark = pytest.mark.unit


def write_lexicon(folder: Path, text: str) -> Path:
    (folder / "test.yml").write_text(text)
    return folder


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline()


@pytest.fixture(scope="module")
def loaded_nlp(nlp, tmp_path_factory):
    """The pipeline as Rasa loads it: from disk."""
    path = tmp_path_factory.mktemp("pipeline")
    nlp.to_disk(path)
    return spacy.load(path)


def entities(nlp, text):
    return [(ent.label_, ent.ent_id_) for ent in nlp(text).ents]


def test_builds_blank_english_with_lemmatizer_and_ruler(nlp):
    assert nlp.lang == "en"
    assert nlp.pipe_names == ["lemmatizer", "entity_ruler"]
    assert [t.lemma_ for t in nlp("my palms are sweating")] == ["my", "palm", "be", "sweat"]


def test_round_trips_through_disk_as_rasa_loads_it(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline", disable=["parser"])
    assert entities(loaded, "Botox for MIGRAINES") == [("condition", "chronic_migraine")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("botox for migranes", ("condition", "chronic_migraine")),
        ("my bells palsey", ("condition", "bells_palsy")),
        ("Bell's palsy", ("condition", "bells_palsy")),
        ("hyperhidrosis", ("condition", "hyperhidrosis")),
        ("TMJ", ("condition", "tmj")),
        ("blepharospasm", ("condition", "blepharospasm")),
        ("hemifacial spasm", ("condition", "hemifacial_spasm")),
        ("strabismus", ("condition", "strabismus")),
        ("depression", ("condition", "anxiety_depression")),
    ],
)
def test_recognises_conditions_as_canonical_values(nlp, text, expected):
    assert expected in entities(nlp, text)


@pytest.mark.parametrize("text, expected", [
    # A common eyelid twitch is not blepharospasm: no condition.
    ("my eye keeps twitching", []),
    ("eyelid twitching for two weeks", []),
    ("my left eyelid twitch won't stop", []),
    ("eyelid spasms after too much coffee", []),
    # Blepharospasm, by name or described: the eyelids forcing shut.
    ("both my eyelids keep forcing shut", [("condition", "blepharospasm")]),
    ("my eyes squeeze shut on their own", [("condition", "blepharospasm")]),
    ("I blink uncontrollably", [("condition", "blepharospasm")]),
])
def test_an_eyelid_twitch_is_not_blepharospasm(nlp, text, expected):
    assert [e for e in entities(nlp, text) if e[0] == "condition"] == expected


@pytest.mark.parametrize("text, expected", [
    # Misspelt beyond the lexicon's list: the ruler finds the corrected name.
    ("i have mygraines with aura", [("chronic_migraine", "mygraines")]),
    ("diagnosed with blephrospasm last year", [("blepharospasm", "blephrospasm")]),
    ("botox for depresssion?", [("anxiety_depression", "depresssion")]),
    ("tengo anciedad todo el tiempo", [("anxiety_depression", "anciedad")]),
    ("Hyperhidorsis on my palms", [("hyperhidrosis", "Hyperhidorsis")]),
    # A misspelt word of a longer name: the longer name replaces the part found.
    ("excesive sweating on my feet", [("hyperhidrosis", "excesive sweating")]),
    ("jaw clentching all day", [("tmj", "jaw clentching")]),
    ("my eyes keep slamming shut", [("blepharospasm", "eyes keep slamming shut")]),
    # Real words close to a name are left alone.
    ("my family migrated here", []),
    ("the seating in the waiting room", []),
    ("these news are so depressing", []),
    ("mi sudadera favorita", []),
    ("a migrant worker", []),
    ("chronic anxiously waiting", []),
    ("an excessive bill", []),
    # Spanish h is silent and often left out; a real word near a name stays a word.
    ("ke es la iperidrosis?", [("hyperhidrosis", "iperidrosis")]),
    ("tengo espasmo emifacial", [("hemifacial_spasm", "espasmo emifacial")]),
    ("my jaw clicks and I get earaches", []),
])
def test_finds_condition_names_misspelt_beyond_the_lexicon(loaded_nlp, text, expected):
    # The names and their real-word neighbours travel in meta.json.
    found = ConditionTypos(loaded_nlp).entities(loaded_nlp(text))
    assert [(e.value, text[e.start_char:e.end_char]) for e in found if e.label == "condition"] == expected


def test_a_misspelt_name_never_hides_what_the_ruler_found(nlp):
    text = "my mygraines and my bells palsy"
    found = ConditionTypos(nlp).entities(nlp(text))
    assert [(e.label, e.value, text[e.start_char:e.end_char]) for e in found] == [
        ("condition", "chronic_migraine", "mygraines"), ("condition", "bells_palsy", "bells palsy")]


def test_condition_and_body_area_are_separate(nlp):
    assert entities(nlp, "sweaty palms") == [
        ("condition", "hyperhidrosis"),
        ("body_area", "hands"),
    ]
    assert ("body_area", "underarms") in entities(nlp, "sweating from my armpits")


@pytest.mark.parametrize(
    "text, flag",
    [
        ("I can't breathe since the injection", "breathing"),
        ("i cant breathe", "breathing"),
        ("it's hard to swallow now", "swallowing"),
        ("my speech is slurred, slurred speech since yesterday", "speaking"),
        ("I think it's anaphylaxis", "allergic_reaction"),
        ("I want to kill myself", "self_harm"),
    ],
)
def test_recognises_red_flags(nlp, text, flag):
    assert ("red_flag", flag) in entities(nlp, text)


def test_no_entities_in_unrelated_text(nlp):
    assert entities(nlp, "what time is it in Boston") == []


def test_lexicon_merges_files_and_rejects_empty_entries(tmp_path):
    write_lexicon(tmp_path, "condition:\n  tmj: [tmj, TMD]\n")
    (tmp_path / "more.yml").write_text("condition:\n  tmj: [jaw clenching]\n")
    assert load_lexicon(tmp_path) == {"condition": {"tmj": ["jaw clenching", "tmj", "TMD"]}}
    write_lexicon(tmp_path, "condition:\n  tmj: []\n")
    with pytest.raises(ValueError, match="tmj has no phrases"):
        load_lexicon(tmp_path)


def test_matching_ignores_case_and_duplicates(tmp_path):
    write_lexicon(tmp_path, "condition:\n  tmj: [TMJ, tmj, Tmj]\n")
    nlp = build_pipeline(tmp_path, clinic_file=tmp_path / "no-clinic.yml")
    assert len(nlp.get_pipe("entity_ruler")) == 1
    assert entities(nlp, "tMj pain") == [("condition", "tmj")]


def test_shipped_lexicon_has_every_condition():
    lexicon = load_lexicon(LEXICON_DIR)
    assert set(lexicon["condition"]) == {
        "chronic_migraine", "hyperhidrosis", "tmj", "blepharospasm",
        "hemifacial_spasm", "strabismus", "bells_palsy", "anxiety_depression",
    }
    assert {"underarms", "hands", "feet"} <= set(lexicon["body_area"])
    assert set(lexicon["red_flag"]) == {
        "breathing", "swallowing", "speaking", "allergic_reaction", "self_harm", "after_treatment",
    }


def test_location_names_come_from_the_clinic_file(tmp_path):
    clinic_file = tmp_path / "clinic" / "clinic.yml"
    clinic_file.parent.mkdir()
    clinic_file.write_text(
        "locations:\n  - {id: north_end, name: North End}\n  - {id: quincy, name: Quincy Center}\n")
    nlp = build_pipeline(tmp_path, clinic_file=clinic_file)
    assert entities(nlp, "is the north end office open?") == [("location", "north_end")]
    assert entities(nlp, "Quincy Center please") == [("location", "quincy")]


@pytest.mark.parametrize("text, expected", [
    # No space after a full stop, a question mark or a plus: the words still split.
    ("van a peor.migraña menstrual", ["van", "a", "peor", ".", "migraña", "menstrual"]),
    ("diagnostican migraña crónica.2020", ["diagnostican", "migraña", "crónica", ".", "2020"]),
    ("jaquecas?ando corto", ["jaquecas", "?", "ando", "corto"]),
    ("TTM+bruxismo", ["TTM", "+", "bruxismo"]),
    # Web addresses, e-mails, abbreviations and numbers stay whole.
    ("www.clinic.com/book", ["www.clinic.com/book"]),
    ("write to maria.lopez@gmail.com", ["write", "to", "maria.lopez@gmail.com"]),
    ("see clinic.com", ["see", "clinic.com"]),
    ("e.g. migraines", ["e.g.", "migraines"]),
    ("at 10.30 a.m.", ["at", "10.30", "a.m."]),
])
def test_words_split_where_patients_leave_out_the_space(loaded_nlp, text, expected):
    assert [token.text for token in loaded_nlp.tokenizer(text)] == expected


@pytest.mark.parametrize("text, expected", [
    ("mi hijo tiene bruxismo infantil", "bruxismo infantil"),
    ("escribio blefaroespasmo esencial benigno", "blefaroespasmo esencial benigno"),
    ("una sudoracion compensatoria horrible", "sudoracion compensatoria"),
    ("tengo migraña leve", "migraña"),
    ("espasmo hemifacial derecho", "espasmo hemifacial"),
])
def test_a_kind_said_after_a_spanish_name_is_part_of_it(typos, text, expected):
    from spacy_pipeline.condition_kinds import with_condition_kinds

    found = with_condition_kinds(text, typos.entities(typos.nlp(text)))
    assert [text[e.start_char:e.end_char] for e in found if e.label == "condition"] == [expected]
