"""The one rule for expected reply fragments (quality/fragments.py), and every suite that follows it:
case, spacing and Unicode encoding do not count, accents do, so a reply in the neighbouring language fails."""
import unicodedata

import pytest

from quality import answer_checks, fragments
from tests.support.conversations import realistic_problems, run_conversation

SPANISH = "La cooperación iberoamericana es horizontal: Andrés Allamand, de Chile, desde 2022."
PORTUGUESE = "A COOPERAÇÃO Ibero-Americana é horizontal e organiza-se em planos."


def test_accents_count():
    assert not fragments.contains(SPANISH, "cooperaç")      # Portuguese fragment, Spanish reply
    assert not fragments.contains(PORTUGUESE, "cooperación")
    assert not fragments.contains(SPANISH, "Andres")
    assert fragments.missing("Japão", ["Japón"]) == ["Japón"]


def test_case_spacing_and_unicode_encoding_do_not_count():
    assert fragments.contains(PORTUGUESE, "cooperaç")
    assert fragments.contains(SPANISH, "ALLAMAND")
    assert fragments.contains("Andrés\n  Allamand", "andrés allamand")
    assert fragments.contains("Oficina\u00a0Subregional", "oficina subregional")
    decomposed = unicodedata.normalize("NFD", PORTUGUESE)
    assert decomposed != PORTUGUESE
    assert fragments.contains(decomposed, "cooperação")
    assert fragments.contains(PORTUGUESE, unicodedata.normalize("NFD", "Ibero-Americana é"))
    # Compared decomposed, "cooperac" would be found in "cooperac" + combining cedilla: NFC keeps ç one letter.
    assert not fragments.contains(decomposed, "cooperac")


def test_a_fact_may_list_alternatives():
    assert fragments.missing(SPANISH, [["chileno", "Chile"], ["Perú", "Lima"], "2022"]) == [["Perú", "Lima"]]
    assert fragments.contains_any(SPANISH, ["Lima", "Allamand"]) and not fragments.contains_any(SPANISH, ["Lima"])


def _suites():
    """Each suite's verdict on one reply to a Portuguese question whose expected fragment is "cooperaç"."""
    def end_to_end(reply):
        conversation = {"id": "x", "language": "pt", "turns": ["o que faz a SEGIB?"], "expect": ["cooperaç"]}
        return run_conversation(lambda sender, text: [{"text": reply}], conversation).passed

    def realistic(reply):
        conversation = {"id": "x", "language": "pt", "kind": "noisy_fact", "turns": ["?"], "expect": ["cooperaç"]}
        return not [p for p in realistic_problems(conversation, reply) if not p.startswith("reply in")]

    def answer_check(reply):
        case = answer_checks.Case("x", "organisation", "pt", ["o que faz a SEGIB?"], ["cooperaç"], 1, "f")
        [result] = answer_checks.run([case], lambda sender, text, metadata: [{"text": reply}])
        return result.passed

    return [pytest.param(end_to_end, id="end-to-end"), pytest.param(realistic, id="realistic"),
            pytest.param(answer_check, id="answer-checks")]


@pytest.mark.parametrize("suite", _suites())
def test_every_suite_follows_the_rule(suite):
    assert suite(PORTUGUESE)
    assert not suite(SPANISH)
