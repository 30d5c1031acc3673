"""The intent classifier (nlu_components/intent_classifier.py): Rasa's logistic
regression on tf-idf weighted counts, trained, saved and loaded through Rasa's own
model storage."""
import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.intent_classifier import TfidfLogisticRegressionClassifier

pytestmark = pytest.mark.unit

VOCABULARY = 40


def message(counts, intent=None):
    """A message with only a sentence-level count vector, as a featurizer leaves it."""
    data = {"text": "x"} if intent is None else {"text": "x", "intent": intent}
    found = Message(data=data)
    found.add_features(Features(scipy.sparse.coo_matrix(np.asarray(counts, dtype=float)),
                                "sentence", "text", "counts"))
    return found


def training_messages():
    rng = np.random.default_rng(3)
    examples = []
    for number, intent in enumerate(["ask_cost", "ask_pain", "ask_hours"]):
        for _ in range(20):
            counts = rng.integers(0, 2, VOCABULARY)
            counts[number * 10:number * 10 + 5] += 2  # each intent's own words
            examples.append(message(counts, intent))
    return examples


def trained(folder, config):
    folder.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(folder)
    context = ExecutionContext(GraphSchema({}), node_name="intent_classifier")
    resource = Resource("intent_classifier")
    classifier = TfidfLogisticRegressionClassifier.create(config, storage, resource, context)
    classifier.train(TrainingData(training_examples=training_messages()))
    return TfidfLogisticRegressionClassifier.load(config, storage, resource, context)


def test_the_saved_classifier_loads_with_its_weighting_and_its_regularisation(tmp_path):
    loaded = trained(tmp_path, {"C": 300, "solver": "sag", "max_iter": 500})
    assert loaded.clf[0].idf_.shape == (VOCABULARY,)  # the tf-idf weights were saved
    assert loaded.clf[-1].C == 300
    assert list(loaded.clf.classes_) == ["ask_cost", "ask_hours", "ask_pain"]


def test_a_word_said_twice_does_not_change_the_answer(tmp_path):
    """Counts are normalised to length 1: a long message is not more certain than a
    short one because it repeats itself. Rasa's plain counts would differ."""
    loaded = trained(tmp_path, {"C": 10})
    counts = np.zeros(VOCABULARY)
    counts[[0, 1, 12]] = 1
    once, twice = message(counts), message(2 * counts)
    loaded.process([once, twice])
    assert once.get("intent")["name"] == "ask_cost"
    for said_once, said_twice in zip(once.get("intent_ranking"), twice.get("intent_ranking")):
        assert said_once["name"] == said_twice["name"]
        assert said_once["confidence"] == pytest.approx(said_twice["confidence"], abs=1e-12)


def test_stronger_regularisation_gives_less_certain_answers(tmp_path):
    counts = np.zeros(VOCABULARY)
    counts[[0, 1, 2]] = 1
    confidence = {}
    for c in (0.1, 100):
        [answered] = trained(tmp_path / str(c), {"C": c}).process([message(counts)])
        confidence[c] = answered.get("intent")["confidence"]
    assert confidence[0.1] < confidence[100]


def test_the_feature_matrix_is_the_one_rasa_builds():
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    rng = np.random.default_rng(5)
    messages = []
    for tokens in (3, 7, 1):
        found = Message(data={"text": "x"})
        for origin, width in (("words", 30), ("characters", 50)):  # two featurizers, as config.yml
            found.add_features(Features(scipy.sparse.random(tokens, width, density=0.3, random_state=rng),
                                        "sequence", "text", origin))
            found.add_features(Features(scipy.sparse.random(1, width, density=0.3, random_state=rng),
                                        "sentence", "text", origin))
        messages.append(found)
    ours = TfidfLogisticRegressionClassifier._create_X(None, messages)
    rasas = LogisticRegressionClassifier._create_X(None, messages)
    assert ours.shape == rasas.shape == (3, 80)
    assert (ours != rasas).nnz == 0


def test_a_message_with_no_known_word_is_no_evidence_for_any_intent(tmp_path):
    from rasa.nlu.constants import TOKENS_NAMES
    from rasa.nlu.tokenizers.tokenizer import Token

    def with_tokens(found, *words):
        found.set(TOKENS_NAMES["text"], [Token(word, 0) for word in words])
        return found

    examples = [with_tokens(example, "cost", "price") for example in training_messages()]
    storage_folder = tmp_path / "model"
    storage_folder.mkdir()
    storage = LocalModelStorage(storage_folder)
    context = ExecutionContext(GraphSchema({}), node_name="intent_classifier")
    classifier = TfidfLogisticRegressionClassifier.create({"C": 10}, storage, Resource("r"), context)
    classifier.train(TrainingData(training_examples=examples))
    loaded = TfidfLogisticRegressionClassifier.load({"C": 10}, storage, Resource("r"), context)
    counts = np.zeros(VOCABULARY)
    counts[[0, 1, 2]] = 1  # letter groups it knows, in words it has never seen
    unknown = with_tokens(message(counts), "xqzv", ",", "plorth")
    known = with_tokens(message(counts), "xqzv", "price")
    typo = with_tokens(message(counts), "xqzv", "pricce")
    loaded.process([unknown, known, typo])
    assert unknown.get("intent")["confidence"] == 0.0
    assert all(entry["confidence"] == 0.0 for entry in unknown.get("intent_ranking"))
    assert known.get("intent")["confidence"] > 0.5
    assert typo.get("intent")["confidence"] == known.get("intent")["confidence"]


def test_a_typo_of_a_training_word_is_known_and_nonsense_is_not():
    from nlu_components.intent_classifier import KnownWords

    known = KnownWords(["migraine", "sweating", "horario", "grinding", "port", "plot", "botox", "teeth"])
    for typo in ("migrainz", "sweatting", "horaro", "grindin", "botoxx"):
        assert known.knows_any({typo}), typo
    for nonsense in ("xqzv", "plorth", "blorf", "zzzz"):
        assert not known.knows_any({nonsense}), nonsense
    assert known.knows_any({"xqzv", "migranes"}) and not KnownWords([]).knows_any({"botox"})
