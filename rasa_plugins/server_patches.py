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

3. Running the model's graph without dask. Rasa runs its NLU pipeline and its
   policies (three times per message or more) as a graph handed to dask's
   synchronous scheduler, which orders, wraps and tracks every node on every run:
   about a millisecond each time, more than most of the nodes themselves. Here
   the same graph is run by calling each node once its inputs are there (depth
   first from the targets, as dask's synchronous scheduler ends up doing), with
   the same inputs and the same results, including a missing input passed on as
   its name, which Rasa's nodes report.
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
    """Stores a fitted scikit-learn linear model's `coef_` in Fortran order (in a
    pipeline, the last step's)."""
    import numpy as np

    if hasattr(classifier, "steps"):
        classifier = classifier.steps[-1][1]

    coef = getattr(classifier, "coef_", None)
    if isinstance(coef, np.ndarray):
        classifier.coef_ = np.asfortranarray(coef)


def _load_logistic_regression_with_weights_in_column_order() -> None:
    from rasa.nlu.classifiers.logistic_regression_classifier import (
        LogisticRegressionClassifier,
    )

    from nlu_components.intent_classifier import TfidfLogisticRegressionClassifier

    for component_class in (LogisticRegressionClassifier, TfidfLogisticRegressionClassifier):
        component_class.load = classmethod(_loading_weights_in_column_order(component_class.load.__func__))


def _loading_weights_in_column_order(load: Any) -> Any:
    def loading(cls: Any, *args: Any, **kwargs: Any) -> Any:
        component = load(cls, *args, **kwargs)
        weights_in_column_order(component.clf)
        return component

    return loading


# ---------------------------------------------------------------------------
# 3. The model's graph, run without dask's scheduler
# ---------------------------------------------------------------------------
def run_graph_directly(self: Any, inputs: Any = None, targets: Any = None) -> Dict[Text, Any]:
    """DaskGraphRunner.run without dask: each node of the minimal graph for the
    targets is called once, after the nodes it needs."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    schema = self._graph_schema.minimal_graph_schema(run_targets)
    outputs: Dict[Text, Any] = {}
    for input_name, input_value in (inputs or {}).items():
        if isinstance(input_value, str) and input_value in schema.nodes:
            raise GraphRunError(  # Rasa's own check (DaskGraphRunner._add_inputs_to_graph)
                f"Input value '{input_value}' clashes with a node name. Make sure "
                f"that none of the input names passed to the `run` method are the "
                f"same as node names in the graph schema.")
        outputs[input_name] = (input_name, input_value)  # what a node gets from an input

    def output_of(name: Text) -> Any:
        if name not in outputs:
            if name not in schema.nodes:
                return name  # as dask passes an unknown key; the node reports it
            needs = [output_of(needed) for needed in schema.nodes[name].needs.values()]
            outputs[name] = self._instantiated_nodes[name](*needs)
        return outputs[name]

    try:
        return dict(output_of(target) for target in run_targets)
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error


def _run_graphs_without_dask() -> None:
    from rasa.engine.runner.dask import DaskGraphRunner

    DaskGraphRunner.run = run_graph_directly


def apply() -> None:
    """Installs the patches (once)."""
    global _applied
    if _applied:
        return
    _validate_action_results_with_one_validator()
    _load_logistic_regression_with_weights_in_column_order()
    _run_graphs_without_dask()
    _applied = True
