"""Rasa's LogisticRegressionClassifier, trained the same way, stored and applied without overhead.

Training is Rasa's own (scikit-learn LogisticRegression, balanced class weights, same options, plus
the regularisation strength `C`, which Rasa's class does not expose), so with the same options the
predicted intents and confidences are the same. Two things differ, both about speed:

- Storage: the weights are saved as plain arrays (`.npz`, read without pickle) instead of a skops
  file. Importing skops to load one costs seconds at start-up: it lists every scikit-learn estimator
  and scans all loaded modules (thousands, once TensorFlow is imported) for each NumPy function.
- Prediction: probabilities = softmax(x @ W + b), computed as scikit-learn does (same functions),
  from the sentence features only. Rasa's version also deep-copies and stacks the per-token features
  it then ignores, and scikit-learn copies the transposed weight matrix on every call.
"""
import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.special import expit
from sklearn.utils.extmath import softmax

from rasa_server.patches.version import require_supported_rasa

logger = logging.getLogger(__name__)
WEIGHTS_FILE = "weights.npz"


class _Weights:
    """What LogisticRegression.predict_proba needs, in the layout that makes it cheap."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray, ovr: bool) -> None:
        self.coef_t = np.ascontiguousarray(np.asarray(coef, dtype=np.float64).T)  # (features, classes)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.classes = [str(c) for c in classes]
        self.ovr = bool(ovr)

    @classmethod
    def from_estimator(cls, clf) -> "_Weights":
        # scikit-learn 1.1: one-vs-rest for "ovr", or "auto" with two classes or liblinear.
        ovr = clf.multi_class in ("ovr", "warn") or (
            clf.multi_class == "auto" and (clf.classes_.size <= 2 or clf.solver == "liblinear"))
        return cls(clf.coef_, clf.intercept_, clf.classes_, ovr)

    def predict_proba(self, X) -> np.ndarray:
        scores = np.asarray(X @ self.coef_t) + self.intercept
        if self.ovr:
            prob = expit(scores)
            if prob.shape[1] == 1:
                return np.hstack([1 - prob, prob])
            return prob / prob.sum(axis=1).reshape((prob.shape[0], -1))
        if scores.shape[1] == 1:
            scores = np.c_[-scores, scores]
        return softmax(scores, copy=False)


def _sentence_row(message: Message) -> Optional[scipy.sparse.csr_matrix]:
    """The message's sparse sentence features side by side, in Rasa's order (None: use Rasa's way)."""
    features = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
    if not features or any(not f.is_sparse() or f.features.shape[0] != 1 for f in features):
        return None
    columns, values, offset = [], [], 0
    for feature in features:
        matrix = feature.features.tocoo()
        columns.append(matrix.col.astype(np.int64) + offset)
        values.append(matrix.data)
        offset += matrix.shape[1]
    data = np.concatenate(values)
    return scipy.sparse.csr_matrix((data, np.concatenate(columns), np.array([0, len(data)])), shape=(1, offset))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LogisticRegressionIntentClassifier(LogisticRegressionClassifier):
    """LogisticRegressionClassifier (same options and training) with lean storage and prediction.

    It overrides Rasa's private `_create_X` and reads its `clf`: created (trained or loaded) only on
    Rasa 3.6.x (rasa_server/patches/version.py)."""

    _weights: Optional[_Weights] = None

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Rasa's options, plus the inverse regularisation strength C (Rasa's class fixes it at 1.0).
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource) -> None:
        require_supported_rasa("nlu.intent_classifier.LogisticRegressionIntentClassifier")
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))

    def _create_X(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        rows = [_sentence_row(message) for message in messages]
        if not rows or any(row is None for row in rows):
            return super()._create_X(messages)
        return rows[0] if len(rows) == 1 else scipy.sparse.vstack(rows, format="csr")

    def train(self, training_data: TrainingData) -> Resource:
        self._weights = None
        return super().train(training_data)

    def _current_weights(self) -> Optional[_Weights]:
        if self._weights is None and hasattr(self.clf, "coef_"):
            self._weights = _Weights.from_estimator(self.clf)
        return self._weights

    def process(self, messages: List[Message]) -> List[Message]:
        weights = self._current_weights()
        if weights is None:  # not trained (no data)
            return messages
        probas = weights.predict_proba(self._create_X(messages))
        for index, message in enumerate(messages):
            ranking = sorted(({"name": name, "confidence": float(value)}
                              for name, value in zip(weights.classes, probas[index])),
                             key=lambda e: -e["confidence"])
            intent = ranking[0]
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set("intent", intent, add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        weights = self._current_weights()
        if weights is None:
            return
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(model_dir / WEIGHTS_FILE, coef_t=weights.coef_t, intercept=weights.intercept,
                     classes=np.array(weights.classes, dtype=str), ovr=np.array(weights.ovr))

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LogisticRegressionIntentClassifier":
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                with np.load(model_dir / WEIGHTS_FILE, allow_pickle=False) as stored:
                    component._weights = _Weights(stored["coef_t"].T, stored["intercept"], stored["classes"],
                                                  bool(stored["ovr"]))
        except (ValueError, OSError):
            logger.debug(f"No trained weights for '{resource.name}': the classifier predicts nothing.")
        return component
