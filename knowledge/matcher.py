"""Finds knowledge entries named in a message: exact (case- and accent-insensitive) then fuzzy.

The phrase patterns come from the knowledge and messages files when the process starts, so an
observer or office added to the file is recognised without retraining.
"""
import re
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import spacy
from rapidfuzz import process
from rapidfuzz.distance import OSA, Hamming, Levenshtein
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.lang.es.stop_words import STOP_WORDS as ES_STOP_WORDS
from spacy.lang.pt.stop_words import STOP_WORDS as PT_STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.util import filter_spans

from knowledge.model import Knowledge
from knowledge.text import fold, fold_for_matching
from knowledge.words import common_words

# Entry kinds whose names are looked for in messages, and the entity type each becomes.
ENTITY_TYPE_BY_KIND = {
    "member_country": "member_country",
    "observer": "observer",
    "document": "document",
    "office": "office",
    "non_member": "non_member",
    "city": "city",
    "fact": "topic",
}
CONTACT_FIELD = "contact_field"
# Typos are forgiven in names of things; topic words and vocabulary must be written (almost) right.
FUZZY_ENTITY_TYPES = {"member_country", "observer", "document", "office", "non_member", "city"}
LANGUAGE = "language"

# Fuzzy matching is for typos in names, not for long texts: past this size only exact matches count.
FUZZY_MAX_CHARS = 300
FUZZY_MIN_CHARS = 5
SHORT_WORD_CHARS = 3
_STOP_WORDS = {fold(w) for w in EN_STOP_WORDS | ES_STOP_WORDS | PT_STOP_WORDS}
# ...unless it is the name itself with another ending: a demonym or a plural ("argentino", "uruguaya",
# "russian", "chinos", "hungaro"), which names the country as well.
_NAME_ENDINGS = re.compile(r"(?:[oa]s?|es|i?ans?|[aie]n[oa]s?|ens[ea]s?|es[ae]s?|ish)?")
_FINAL_VOWELS = "aeiouy"
# A name's last vowel swapped for -o / -a is another word ("quita" / Quito, "franco" / França, "alado" /
# ALADI, "bélico" / Belice), except the other gender of a name in -a or an English -y ("argentino",
# "chinos", "húngaro" / Hungary).
_GENDER_ENDINGS = re.compile(r"[oa]s?")
_GENDERED_FINALS = "ay"


@dataclass(frozen=True)
class Mention:
    entity: str      # entity type, e.g. "observer"
    value: str       # entry id, contact field or language code
    start: int
    end: int
    text: str        # the citizen's own words
    score: float     # 1.0 for an exact match, lower for a fuzzy one
    languages: Tuple[str, ...] = ()  # languages whose multi-word names include the words matched


def _is_common_word(alias: str) -> bool:
    """A one-word name written in lower case in the file ("clima", "hambre", "food") is a word of the
    language naming a topic, not a proper name: a typo of it is more often another word ("hombre",
    "climb") than a misspelling, so it is matched exactly only."""
    return alias == alias.lower() and len(alias.split()) == 1


def has_gender_pair(alias: str) -> bool:
    """Whether a name's final vowel can swap for the other gender: Argentina → argentino, China → chinos,
    Hungary → húngaro. Not an acronym (SELA → "selos"), nor a name whose stem folding changes (França →
    "franco" would change the ç too)."""
    stem = alias[:-1]
    return alias[-1:].lower() in _GENDERED_FINALS and not alias.isupper() and stem.lower() == fold(stem)


def _is_other_word(candidate: str, alias: str, gendered: bool = False) -> bool:
    """Whether a single word close to a one-word name is another word of the language ("hungry",
    "chica", "madre", "quita") rather than a typo or another form of the name ("Hungra", "argentino");
    `gendered`: the name has a gender pair (has_gender_pair)."""
    if " " in alias or candidate not in common_words():
        return False
    stem = alias[:-1] if alias[-1] in _FINAL_VOWELS else ""

    def other_form(base: str) -> bool:
        ending = candidate[len(base):]
        if base == stem and _GENDER_ENDINGS.fullmatch(ending) and not gendered:
            return False
        return candidate.startswith(base) and bool(_NAME_ENDINGS.fullmatch(ending))

    return not any(other_form(base) for base in (alias, stem) if base)


def _allowed_typos(length: int) -> int:
    return 1 if length < 9 else 2


def _word_close(word: str, alias_word: str) -> bool:
    """Typos are forgiven word by word, so a short word cannot grow into another word:
    "oficina de la" is not "oficina de Lima", while "Cono Sud" and "Buenos Aries" are still found."""
    if word == alias_word:
        return True
    if min(len(word), len(alias_word)) <= SHORT_WORD_CHARS:
        return len(word) == len(alias_word) == SHORT_WORD_CHARS and Hamming.distance(word, alias_word) == 1
    return OSA.distance(word, alias_word) <= _allowed_typos(len(alias_word))


class KnowledgeMatcher:
    def __init__(self, knowledge: Knowledge) -> None:
        self._nlp = spacy.blank("xx")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="ORTH")
        self._labels: Dict[str, Tuple[str, str]] = {}
        self._fuzzy_index: Dict[int, Dict[str, Tuple[str, str]]] = {}
        self._languages: Dict[str, Tuple[str, ...]] = {}
        self._gendered: set = set()   # folded names with a gender pair ("argentina": "argentino")
        for entry in knowledge.entries():
            entity = ENTITY_TYPE_BY_KIND.get(entry.kind)
            if entity and entry.names:
                self._add(entity, entry.id, entry.names)
        for field_name, by_language in knowledge.messages.contact_fields.items():
            self._add(CONTACT_FIELD, field_name, by_language)
        for code, by_language in knowledge.messages.language_names.items():
            self._add(LANGUAGE, code, by_language)
        common_words()   # read once at start-up (about 0.3 s), not during the first citizen's typo

    def _add(self, entity: str, value: str, names: Mapping[str, Sequence[str]]) -> None:
        key = f"{entity}:{value}"
        self._labels[key] = (entity, value)
        patterns, fuzzy_patterns = [], []
        for language, aliases in names.items():
            for alias in aliases:
                pattern = self._nlp.make_doc(fold_for_matching(alias))
                words = " ".join(token.text for token in pattern)
                if sum(not token.is_punct for token in pattern) >= 2:  # "Madrid" is no language's own word
                    self._languages[words] = tuple(sorted({*self._languages.get(words, ()), language}))
                patterns.append(pattern)
                if not _is_common_word(alias):
                    fuzzy_patterns.append(pattern)
                    if has_gender_pair(alias):
                        self._gendered.add(words)
        self._matcher.add(key, [p for p in patterns if len(p)])
        if entity not in FUZZY_ENTITY_TYPES:
            return
        for pattern in fuzzy_patterns:
            folded = " ".join(token.text for token in pattern)
            if len(folded) >= FUZZY_MIN_CHARS and not all(t.is_punct for t in pattern):
                self._fuzzy_index.setdefault(len(pattern), {}).setdefault(folded, (entity, value))

    def find(self, text: str) -> List[Mention]:
        """Every entry named in the text, longest names first where they overlap, in text order."""
        doc = self._nlp.make_doc(fold_for_matching(text))
        matches = self._matcher(doc)
        label_of = {(start, end): self._nlp.vocab.strings[match_id] for match_id, start, end in matches}
        kept = filter_spans([doc[start:end] for _, start, end in matches])
        mentions = [self._mention(text, span, label_of[(span.start, span.end)]) for span in kept]
        if len(text) <= FUZZY_MAX_CHARS:
            taken = {i for span in kept for i in range(span.start, span.end)}
            mentions.extend(self._fuzzy(doc, text, taken))
        return sorted(mentions, key=lambda m: m.start)

    def _mention(self, text: str, span, key: str) -> Mention:
        entity, value = self._labels[key]
        words = " ".join(token.text for token in span)
        return Mention(entity, value, span.start_char, span.end_char, text[span.start_char:span.end_char], 1.0,
                       self._languages.get(words, ()))

    def _fuzzy(self, doc, text: str, taken: set) -> List[Mention]:
        found: List[Mention] = []
        for size in sorted(self._fuzzy_index, reverse=True):
            choices = self._fuzzy_index[size]
            for start in range(0, len(doc) - size + 1):
                if any(i in taken for i in range(start, start + size)):
                    continue
                span = doc[start:start + size]
                candidate = " ".join(token.text for token in span)
                if len(candidate) < FUZZY_MIN_CHARS or (size == 1 and candidate in _STOP_WORDS):
                    continue
                best = self._closest(candidate, choices)
                if best:
                    entity, value = choices[best[0]]
                    score = 1.0 - best[1] / max(len(candidate), 1)
                    found.append(Mention(entity, value, span.start_char, span.end_char,
                                         text[span.start_char:span.end_char], round(score, 3)))
                    taken.update(range(start, start + size))
        return found

    def _closest(self, candidate: str, choices: Dict[str, Tuple[str, str]]) -> Optional[Tuple[str, int]]:
        limit = _allowed_typos(len(candidate))
        result = process.extractOne(candidate, choices.keys(), scorer=Levenshtein.distance,
                                    score_cutoff=limit)
        if result is None:
            return None
        alias, distance, _ = result
        # A typo keeps the first letter and most of the length; this avoids pairing unrelated words.
        if alias[0] != candidate[0] or abs(len(alias) - len(candidate)) > limit:
            return None
        if not all(_word_close(word, alias_word) for word, alias_word in zip(candidate.split(), alias.split())):
            return None
        if _is_other_word(candidate, alias, alias in self._gendered):
            return None
        return alias, int(distance)
