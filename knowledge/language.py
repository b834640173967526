"""Which language a citizen writes in, and which language the conversation continues in.

Detection uses Lingua (its models ship inside the wheel, no download) restricted to the bot's three
languages plus the neighbours most often confused with them, so that French or Italian is recognised
as "another language" instead of being forced into Spanish or Portuguese.
"""
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
from lingua import Language, LanguageDetectorBuilder

from knowledge.loader import PROJECT_ROOT
from knowledge.schema import LANGUAGES

DEFAULT_LANGUAGE = "es"
OTHER = "other"

_SUPPORTED = {Language.SPANISH: "es", Language.PORTUGUESE: "pt", Language.ENGLISH: "en"}
_NEIGHBOURS = {Language.FRENCH: "fr", Language.ITALIAN: "it", Language.GERMAN: "de", Language.CATALAN: "ca"}
_CODES = {**_SUPPORTED, **_NEIGHBOURS}

# Lingua's confidences are relative; below these a message is "too short to tell" and the
# conversation keeps its language.
MIN_CONFIDENCE = 0.45
MIN_MARGIN = 0.12
MIN_LETTERS = 3
MIN_WORDS_FOR_OTHER = 3
OTHER_MIN_CONFIDENCE = 0.6
NAME_CONFIDENCE = 0.5

# Weight of the in-domain model (trained on the bot's own trilingual training examples) against
# Lingua's general model; the in-domain model knows "obg", "thx" and "ke es la segib".
DOMAIN_WEIGHT = 0.6
TRAINING_FILES = {code: PROJECT_ROOT / "data" / "nlu" / f"{code}.yml" for code in LANGUAGES}
# HTML tags, URLs and e-mail addresses are not words of any language.
_MARKUP = re.compile(r"<[^>]*>|https?://\S+|\S+@\S+|[`*_#\[\]()]")
# Code pasted into the chat ("<script>alert(1)</script>") is not written in any language.
_CODE = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Detection:
    language: Optional[str]     # "es", "pt", "en", OTHER, or None when the text cannot tell
    confidence: float
    other: Optional[str] = None  # ISO code of the other language, when language == OTHER

    def as_dict(self) -> dict:
        return {"language": self.language, "confidence": round(self.confidence, 3), "other": self.other}


@lru_cache(maxsize=1)
def _detector():
    return LanguageDetectorBuilder.from_languages(*_CODES).with_preloaded_language_models().build()


def _training_examples(files: Dict[str, Path]) -> Tuple[List[str], List[str]]:
    from knowledge.loader import load_yaml_text

    texts, labels = [], []
    for code, path in files.items():
        if not path.exists():
            continue
        for block in (load_yaml_text(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                example = line.strip().lstrip("-").strip()
                if example:
                    texts.append(example)
                    labels.append(code)
    return texts, labels


class _NaiveBayes:
    """MultinomialNB.predict_proba of a fitted pipeline, without its per-call checks and copies.

    Same arithmetic as scikit-learn (X @ feature_log_prob.T + class_log_prior, then normalised with
    logsumexp), with the transposed matrix stored contiguous once instead of copied on every call.
    """

    def __init__(self, pipeline) -> None:
        self.vectorizer, nb = pipeline.steps[0][1], pipeline.steps[-1][1]
        self.classes_ = nb.classes_
        self._log_prob_t = np.ascontiguousarray(nb.feature_log_prob_.T)
        self._log_prior = nb.class_log_prior_

    def predict_proba(self, texts: List[str]) -> "np.ndarray":
        from scipy.special import logsumexp

        jll = np.asarray(self.vectorizer.transform(texts) @ self._log_prob_t) + self._log_prior
        return np.exp(jll - np.atleast_2d(logsumexp(jll, axis=1)).T)


@lru_cache(maxsize=1)
def _domain_model():
    """Naive Bayes over character n-grams of the training examples, or None without examples."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import make_pipeline

    texts, labels = _training_examples(TRAINING_FILES)
    if len(set(labels)) < len(LANGUAGES):
        return None
    model = make_pipeline(CountVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=True),
                          MultinomialNB(alpha=0.3))
    return _NaiveBayes(model.fit(texts, labels))


def _domain_scores(text: str) -> Dict[str, float]:
    model = _domain_model()
    if model is None:
        return {}
    return dict(zip(model.classes_, model.predict_proba([text])[0]))


def without_spans(text: str, spans: Iterable[Tuple[int, int]]) -> str:
    """The text with the given character spans blanked out (names say nothing of the language)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _from_names(name_languages: Iterable[Iterable[str]]) -> Detection:
    """A language only the names can tell: "Luxembourg" is English, "Luxemburgo" es or pt (undecided)."""
    common = set(LANGUAGES)
    for languages in name_languages:
        if languages:
            common &= set(languages)
    if len(common) == 1:
        return Detection(common.pop(), NAME_CONFIDENCE)
    return Detection(None, 0.0)


def detect(text: str, names: Iterable[Tuple[int, int]] = (),
           name_languages: Iterable[Iterable[str]] = ()) -> Detection:
    """The language of one message, or language=None when the message is too short to tell.

    `names` are the spans of proper names in the text ("Luxemburgo", "CEPAL"): they are ignored,
    so that "¿y Luxemburgo?" is decided by "y" alone (too little: the conversation keeps its language).
    `name_languages` are the languages each name is written in, used only when the rest cannot tell.
    """
    text = _MARKUP.sub(" ", _CODE.sub(" ", without_spans(text or "", names))).strip()
    if len(_LETTER.findall(text)) < MIN_LETTERS:
        return _from_names(name_languages)
    general = {_CODES[v.language]: v.value for v in _detector().compute_language_confidence_values(text)}
    top = max(general, key=general.get)
    if top not in LANGUAGES and general[top] >= OTHER_MIN_CONFIDENCE \
            and len(_WORD.findall(text)) >= MIN_WORDS_FOR_OTHER:
        return Detection(OTHER, general[top], other=top)
    supported = sum(general.get(code, 0.0) for code in LANGUAGES) or 1.0
    scores = {code: general.get(code, 0.0) / supported for code in LANGUAGES}
    domain = _domain_scores(text)
    if domain:
        scores = {code: (1 - DOMAIN_WEIGHT) * scores[code] + DOMAIN_WEIGHT * domain.get(code, 0.0)
                  for code in LANGUAGES}
    (best, code), (second, _) = sorted(((value, code) for code, value in scores.items()), reverse=True)[:2]
    if best < MIN_CONFIDENCE or best - second < MIN_MARGIN:
        return _from_names(name_languages) if list(name_languages) else Detection(None, best)
    return Detection(code, best)


def normalize_hint(hint: object) -> Optional[str]:
    """'pt-BR', 'es_419', 'EN' -> 'pt', 'es', 'en'; anything else -> None."""
    if not isinstance(hint, str):
        return None
    code = hint.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def choose_language(previous: Optional[str], detected: Optional[str], hint: Optional[str] = None,
                    requested: Optional[str] = None) -> str:
    """The language to answer in: explicit request > confident detection > conversation > hint > default."""
    for candidate in (requested, detected, previous, normalize_hint(hint)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
