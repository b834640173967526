"""Language detection as Rasa's NLU pipeline runs it, and the one rule for the reply language."""
from pathlib import Path

import pytest
import yaml

from knowledge import choose_language, conversation_language, normalize_hint
from quality.detector import parse_language
from tests.support.metrics import record

SAMPLES = yaml.safe_load((Path(__file__).parent / "data" / "language_samples.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def parse():
    """The NLU components themselves (nlu/): names found by the entity extractor are set aside."""
    return parse_language()


@pytest.fixture(scope="module")
def detect_like_the_bot(parse):
    return lambda text: parse(text)["language"]


def test_accuracy_on_labelled_short_messages(detect_like_the_bot):
    results = {}
    for language in ("es", "pt", "en"):
        samples = SAMPLES["samples"][language]
        assert len(samples) >= 60
        verdicts = [detect_like_the_bot(text) for text in samples]
        results[language] = (sum(v == language for v in verdicts), sum(v not in (None, language) for v in verdicts),
                             len(samples))
    total = sum(r[2] for r in results.values())
    correct = sum(r[0] for r in results.values())
    record("language detection accuracy", f"{correct}/{total} = {correct / total:.1%} (" + ", ".join(
        f"{lang} {c}/{n} right, {w} wrong" for lang, (c, w, n) in results.items()) + ")")
    for language, (right, wrong, count) in results.items():
        assert right / count >= 0.93, language
        assert wrong / count <= 0.03, language  # undecided is safe (the conversation keeps its language)


def test_names_and_bare_words_do_not_decide_the_language(detect_like_the_bot):
    ambiguous = SAMPLES["samples"]["ambiguous"]
    claimed = [(text, detect_like_the_bot(text)) for text in ambiguous if detect_like_the_bot(text)]
    record("ambiguous messages given a language", f"{len(claimed)}/{len(ambiguous)} {claimed}")
    assert len(claimed) <= 2, claimed


@pytest.mark.parametrize("text, expected", [
    ("bonjour, je voudrais des informations sur le sommet", "other"),
    ("Guten Tag, wo ist das Büro in Madrid?", "other"),
    ("statement on international financial architecture", "en"),   # an English-only name
    ("carta de direitos digitais", "pt"),
    ("😀😀😀", None),
    ("Oi", "pt"), ("oiii", "pt"), ("blz", "pt"), ("ok obg", "pt"), ("kkkk", "pt"), ("tá bom", "pt"),
    ("holi", "es"), ("holaaa", "es"), ("dale", "es"), ("jajaja ok", "es"),
    ("hmm", None), ("ok", None), ("pq?", None),   # no language's own words: undecided
    ("email?", None), ("e-mail?", None), ("pdf?", None), ("web?", None),   # loanwords of all three
    ("y su link?", "es"), ("e o link?", None), ("and the link?", "en"),   # the loanword tells nothing
    ("<script>alert(1)</script>", None),
])
def test_other_languages_names_and_noise(detect_like_the_bot, text, expected):
    assert detect_like_the_bot(text) == expected


@pytest.mark.parametrize("hint, expected", [
    ("pt-BR", "pt"), ("es-419", "es"), ("en_US", "en"), ("EN", "en"), ("fr", None), ("", None), (None, None), (3, None),
])
def test_channel_hints_are_normalised(hint, expected):
    assert normalize_hint(hint) == expected


def test_reply_language_precedence():
    assert choose_language(previous="pt", detected="en", hint="es", requested="es") == "es"   # explicit request
    assert choose_language(previous="pt", detected="en", hint="es") == "en"                    # confident text
    assert choose_language(previous="pt", detected=None, hint="en") == "pt"                    # sticky ("ok")
    assert choose_language(previous=None, detected=None, hint="pt-BR") == "pt"                 # channel hint
    assert choose_language(previous=None, detected="other", hint=None) == "es"                 # default Spanish


def test_a_message_that_cannot_be_told_does_not_fix_the_conversation_language():
    # "ok" first: answered in the default language, but the conversation has no language yet ...
    assert choose_language(previous=None, detected=None) == "es"
    assert conversation_language(previous=None, detected=None) is None
    # ... so the next message that can be told decides, and then it sticks.
    assert conversation_language(previous=None, detected="pt") == "pt"
    assert conversation_language(previous="pt", detected=None) == "pt"
    assert conversation_language(previous=None, detected=None, hint="en-GB") == "en"


def test_an_undecided_message_is_answered_in_the_language_it_leans_to_only_when_nothing_else_tells(parse):
    undecided = parse("todo")   # Spanish "all" or English "to-do": too little to tell, leans Spanish
    assert undecided["language"] is None and undecided["leaning"] == "es"
    assert choose_language(previous=None, detected=None, leaning="pt") == "pt"
    assert choose_language(previous="es", detected=None, leaning="pt") == "es"
    assert choose_language(previous=None, detected=None, hint="en", leaning="pt") == "en"
