"""Patches to Rasa applied when the Rasa server starts (deploy/rasa_server.py).

Each one makes a message cheaper to handle without changing what Rasa does with
it; the README's "Speed" section has the measurements, and `make profile` shows
where the time goes.

1. Validating action-server responses. Rasa checks every response of the action
   server with `jsonschema.validate(result, schema)`. That call builds a new
   validator and re-checks the schema itself each time: 28.8 ms for a four-event
   result on the 2-core server, against 1.6 ms with a validator built once.
   Every turn that runs a custom action pays it (session start included), and it
   was 28% of the Rasa server's time under load. Here the validator is built
   once; results are checked against the same schema, and an invalid one raises
   the same ValidationError, with the same message, as before.

2. The logistic regression's weights in column order. scikit-learn computes the
   scores as `X @ coef_.T`; scipy multiplies a sparse row by a dense matrix only
   if the matrix is C-ordered, and `coef_.T` of a C-ordered `coef_` is not, so
   every message copied all the weights (46 intents x 19,692 n-grams, 7 MB)
   first: 6.4 ms of a message's time. Stored in Fortran order, `coef_.T` is
   C-ordered and nothing is copied (0.3 ms). The same numbers, multiplied in
   the same order: the same probabilities, to the last bit.
"""
from typing import Any, Dict, Text

_applied = False


# ---------------------------------------------------------------------------
# 1. Action-server responses: one validator, built once
# ---------------------------------------------------------------------------
def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, instead of on every response
    return validator_class(schema)


def _validate_action_result_once_built(self: Any, result: Dict[Text, Any]) -> bool:
    from jsonschema.exceptions import ValidationError, best_match
    from rasa.core.actions.action import DOCS_BASE_URL

    error = best_match(_VALIDATOR.iter_errors(result))  # what jsonschema.validate raises
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


_VALIDATOR: Any = None


def _validate_action_results_with_one_validator() -> None:
    global _VALIDATOR
    from rasa.core.actions.action import RemoteAction

    _VALIDATOR = _action_result_validator()
    RemoteAction._validate_action_result = _validate_action_result_once_built


# ---------------------------------------------------------------------------
# 2. Logistic regression: weights stored so that scoring copies nothing
# ---------------------------------------------------------------------------
def weights_in_column_order(classifier: Any) -> None:
    """Stores a fitted scikit-learn linear model's `coef_` in Fortran order."""
    import numpy as np

    coef = getattr(classifier, "coef_", None)
    if isinstance(coef, np.ndarray):
        classifier.coef_ = np.asfortranarray(coef)


def _load_logistic_regression_with_weights_in_column_order() -> None:
    from rasa.nlu.classifiers.logistic_regression_classifier import (
        LogisticRegressionClassifier,
    )

    rasa_load = LogisticRegressionClassifier.load.__func__

    def load(cls: Any, *args: Any, **kwargs: Any) -> Any:
        component = rasa_load(cls, *args, **kwargs)
        weights_in_column_order(component.clf)
        return component

    LogisticRegressionClassifier.load = classmethod(load)


def apply() -> None:
    """Installs the patches (once)."""
    global _applied
    if _applied:
        return
    _validate_action_results_with_one_validator()
    _load_logistic_regression_with_weights_in_column_order()
    _applied = True
