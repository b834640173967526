"""The unseen messages: what is left out, and that the committed set stays unseen."""
from quality import unseen
from quality.common import LANGUAGES, NLU_DIR
from quality.split import read_examples

NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - {0}
"""


def test_messages_already_trained_on_are_left_out_ignoring_case_accents_and_punctuation(tmp_path):
    (tmp_path / "nlu").mkdir()
    (tmp_path / "unseen").mkdir()
    for language in LANGUAGES:
        (tmp_path / "nlu" / f"{language}.yml").write_text(NLU.format("¿Qué tal?"), encoding="utf-8")
    (tmp_path / "unseen" / "es.yml").write_text(NLU.format("que tal") + "    - buenas, ¿hay alguien?\n",
                                                encoding="utf-8")
    kept, left_out = unseen.load(tmp_path / "unseen", tmp_path / "nlu")
    assert kept == [("es", "greet", "buenas, ¿hay alguien?")]
    assert left_out == 1


def test_the_committed_unseen_set_covers_every_intent_in_every_language_and_mostly_stays_unseen():
    kept, left_out = unseen.load()
    for language in LANGUAGES:
        trained_intents = set(read_examples(NLU_DIR / f"{language}.yml"))
        unseen_intents = {intent for lang, intent, _ in kept if lang == language}
        assert unseen_intents <= trained_intents, f"{language}: unknown intents {unseen_intents - trained_intents}"
        assert len(unseen_intents) >= len(trained_intents) - 2
    # copying these messages into the training data would make the figure meaningless
    assert left_out <= 0.35 * (len(kept) + left_out)
