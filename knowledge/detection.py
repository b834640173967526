"""Which language one message is written in: the detector behind the NLU component.

Only nlu/language_detector.py calls it (tests/test_architecture_language.py checks): the actions and
the channels read the language Rasa detected and decide with knowledge.language's rule, so that a
message's language is decided once, by one process.

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

from knowledge.language import OTHER
from knowledge.loader import PROJECT_ROOT
from knowledge.schema import LANGUAGES

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

# Chat words whose language is certain but which general models barely know: "Oi" has two letters,
# "blz" and "tmj" look Spanish or English to them. A short message whose chat words all belong to one
# language is that language. Written as citizens type them, accents kept ("tá" is Portuguese, "ta" is
# not decided); repeated letters are collapsed before looking up ("oiii", "holaaa", "obgg").
CHAT_WORDS = {
    "pt": "oi oie olá blz beleza vlw valeu obg obgd obrigado obrigada obrigadão brigado brigada brigadão "
          "tmj vc vcs você vocês tbm td tds tudo bom boa cadê não nao sim né tá falou tchau tchauzinho "
          "eae eaí opa oq mto mt muito rs rsrs gente nossa entendi então entao sei hein "
          # words Spanish writes otherwise ("es", "el", "hay", "muy" are "é", "o", "há", "muito")
          "é um uma pra pro",
    "es": "hola holi holis wenas buenas gracias grax grasias dale vale porfa xfa xq jaja jajaja jeje "
          "oye onda ke chao chau listo disculpa perdón sí usted ustedes vos tú órale bueno che wey "
          "es el los hay muy",
    "en": "ty tysm np thx thnx pls plz lol cya hiya sup whats gotcha",
}
# Laughter written out: "kkkk" is Brazilian, "jajaja" Spanish.
_LAUGHTER = {"pt": re.compile(r"^k{3,}$"), "es": re.compile(r"^(j[aeiou]){2,}j?$")}
# Sounds and loanwords that every one of the three languages uses: a message of only these is
# undecided ("hmm", "ok", "email?", "pdf?"), so the conversation keeps its language.
NEUTRAL_WORDS = frozenset("ok okay okey hmm hm mm mmm ah ahh eh uh oh email mail pdf link web url online".split())
_NEUTRAL = re.compile(r"(?<![\w-])(?:" + "|".join(sorted(NEUTRAL_WORDS)) + r")(?![\w-])", re.IGNORECASE)
# Past this many words the general and in-domain models read the message well on their own.
CHAT_MAX_WORDS = 4
CHAT_CONFIDENCE = 0.8


@dataclass(frozen=True)
class Detection:
    language: Optional[str]     # "es", "pt", "en", OTHER, or None when the text cannot tell
    confidence: float
    other: Optional[str] = None  # ISO code of the other language, when language == OTHER
    leaning: Optional[str] = None  # the likeliest of es/pt/en when language is None but the text leans

    def as_dict(self) -> dict:
        return {"language": self.language, "confidence": round(self.confidence, 3), "other": self.other,
                "leaning": self.leaning}


def _collapse(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


_CHAT_LANGUAGE = {_collapse(word): code for code, words in CHAT_WORDS.items() for word in words.split()}


def _chat_language(words: List[str]) -> Optional[Detection]:
    """The language of a short chat message told by its chat words, or None when they cannot tell."""
    if not words or len(words) > CHAT_MAX_WORDS:
        return None
    if all(word in NEUTRAL_WORDS for word in words):
        return Detection(None, 0.0)
    languages = set()
    for word in words:
        code = _CHAT_LANGUAGE.get(_collapse(word))
        languages |= {code} if code else {code for code, laugh in _LAUGHTER.items() if laugh.match(word)}
    return Detection(languages.pop(), CHAT_CONFIDENCE) if len(languages) == 1 else None


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
    chat = _chat_language(_WORD.findall(text.lower().replace("e-mail", "email")))
    if chat is not None:
        return chat
    # "y su link?": a loanword every language uses tells nothing, and to Lingua it looks English.
    text = _NEUTRAL.sub(" ", text).strip()
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
        by_names = _from_names(name_languages)
        return by_names if by_names.language else Detection(None, best, leaning=code)
    return Detection(code, best)
