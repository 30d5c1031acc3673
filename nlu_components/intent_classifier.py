"""Rasa's logistic-regression intent classifier, on tf-idf weighted counts.

Rasa's LogisticRegressionClassifier fits the raw counts of the featurizers: a
long story of five sentences weighs five times a short question, and "botox",
which every intent shares, weighs as much as "pregnant". Here the counts pass
through scikit-learn's TfidfTransformer first (words every intent uses weigh
less, every message has length 1), and the regularisation C is configurable
(Rasa fixes it at 1, too strong for normalised features). The measurements
behind the settings are in the README's "Model choices".

Everything else (training data, the ranking in the output, saving with skops)
is Rasa's own: the classifier is a scikit-learn pipeline. Loading trusts one type
more than Rasa's does: scikit-learn 1.1 keeps the idf weights in a scipy sparse
matrix, which skops reads with scipy's own loader, not with pickle.
"""
import difflib
import json
import logging
from collections import defaultdict
from typing import Any, Dict, Iterable, List, Set, Text

import scipy.sparse
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import (FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY,
                                      PREDICTED_CONFIDENCE_KEY, TEXT)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

# What skops may load besides the types it trusts itself.
TRUSTED_TYPES = {"scipy.sparse._csr.csr_matrix"}
# The words of the training examples, saved next to the classifier.
WORDS_FILE = "words.json"
# A word this similar to a training word (difflib's ratio), with the same first
# letter, is a typo of it ("migrainz", "sweatting", "horaro"), not nonsense
# ("xqzv", "plorth": 0.8 to "port").
TYPO_SIMILARITY = 0.85


def words_of(message: Message) -> Set[Text]:
    """The message's tokens that hold a letter, lower-cased."""
    return {token.text.lower() for token in message.get(TOKENS_NAMES[TEXT]) or []
            if any(character.isalpha() for character in token.text)}


class KnownWords:
    """The training data's words, and whether a message's word is one of them or a typo of one."""

    def __init__(self, words: Iterable[Text]) -> None:
        self.words = set(words)
        self._by_first_letter: Dict[Text, List[Text]] = defaultdict(list)
        for word in self.words:
            self._by_first_letter[word[0]].append(word)

    def __bool__(self) -> bool:
        return bool(self.words)

    def knows_any(self, words: Set[Text]) -> bool:
        if words & self.words:
            return True
        return any(difflib.get_close_matches(word, self._by_first_letter.get(word[0], []), n=1,
                                             cutoff=TYPO_SIMILARITY)
                   for word in words)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfLogisticRegressionClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        logistic_regression = self.clf.set_params(C=float(self.config["C"]))
        self.clf = Pipeline([("tfidf", TfidfTransformer(norm="l2")),
                             ("logistic_regression", logistic_regression)])
        self.known_words = KnownWords([])

    def train(self, training_data: TrainingData) -> Resource:
        self.known_words = KnownWords(word for example in training_data.intent_examples
                                      for word in words_of(example))
        return super().train(training_data)

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.clf, model_dir / f"{self._resource.name}.skops")
            (model_dir / WORDS_FILE).write_text(json.dumps(sorted(self.known_words.words)), encoding="utf-8")

    def process(self, messages: List[Message]) -> List[Message]:
        """Rasa's ranking; but a message with no word the training data has, nor a
        typo of one ("xqzv plorth"), is no evidence for any intent: every confidence
        is 0, so that it falls back. Normalised to length 1, its few known letter
        groups would otherwise weigh as much as a real question."""
        super().process(messages)
        for message in messages:
            words = words_of(message)
            if self.known_words and words and not self.known_words.knows_any(words):
                ranking = [{**entry, PREDICTED_CONFIDENCE_KEY: 0.0}
                           for entry in message.get(INTENT_RANKING_KEY) or []]
                message.set(INTENT, {**message.get(INTENT), PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def _create_X(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        """Rasa's matrix of sentence features, without first copying and combining the
        per-token features, which it does not use (about a tenth of a parse)."""
        rows = []
        for message in messages:
            sentence = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
            if not sentence or not all(f.is_sparse() for f in sentence):
                return super()._create_X(messages)  # dense features: Rasa's own way
            rows.append(scipy.sparse.hstack([f.features for f in sentence]))
        return scipy.sparse.vstack(rows, format="csr")

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TfidfLogisticRegressionClassifier":
        import skops.io as sio

        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / f"{resource.name}.skops"
                untrusted = sio.get_untrusted_types(file=path)
                unexpected = sorted(set(untrusted) - TRUSTED_TYPES)
                if unexpected:  # never serve an untrained classifier in silence, as Rasa would
                    raise TypeError(f"{path} holds types that are not trusted: {unexpected}")
                component.clf = sio.load(path, trusted=untrusted)
                component.known_words = KnownWords(json.loads((model_dir / WORDS_FILE).read_text(encoding="utf-8")))
        except ValueError:  # as Rasa: no resource when there was no training data
            logger.debug(f"No trained intent classifier in '{resource.name}'; it stays untrained.")
        return component
