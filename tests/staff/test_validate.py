"""`make validate`: the repository passes, and broken edits are reported with their file and line."""
import copy
from pathlib import Path

import pytest
import yaml

from knowledge import load_knowledge
from knowledge.loader import DEFAULT_KNOWLEDGE_FILE
from knowledge.matcher import KnowledgeMatcher
from quality import parity, reachability, validate
from quality.domain import domain_entities, domain_intents


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(DEFAULT_KNOWLEDGE_FILE.read_text(encoding="utf-8"))


def write_knowledge(tmp_path: Path, document) -> Path:
    path = tmp_path / "segib.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def reach(path: Path):
    knowledge = load_knowledge(path)
    return reachability.check(knowledge, KnowledgeMatcher(knowledge), domain_intents(), domain_entities(),
                              knowledge_file=path)


def test_the_repository_validates_without_errors(tmp_path):
    output = validate.run(with_rasa=False, reports_dir=tmp_path, render=False)
    assert output["ok"], [p for p in output["problems"] if p["severity"] == "error"]
    assert (tmp_path / "validation.json").exists()


def test_a_name_made_of_common_words_is_flagged_at_the_entry_line(tmp_path, raw):
    document = copy.deepcopy(raw)
    document["entries"].append({"id": "ghost_org", "kind": "observer", "observer_type": "consultative",
                                "names": {"es": ["de la"], "pt": ["Organização Fantasma"],
                                          "en": ["Ghost Organisation"]},
                                "source": "https://www.segib.org/"})
    path = write_knowledge(tmp_path, document)
    problems = [p for p in reach(path) if "ghost_org" in p.message]
    line = path.read_text(encoding="utf-8").splitlines().index("- id: ghost_org") + 1
    assert [(p.severity, p.message, p.line) for p in problems] == [
        ("warning", "entry 'ghost_org': the es name 'de la' is only common words: ordinary messages that contain "
                    "them would be taken as this entry", line)]


def test_names_the_matcher_does_not_find_or_gives_to_another_entry(tmp_path, raw):
    class Matcher:
        def find(self, text):
            class Mention:
                entity, value = "observer", "france"
            return [Mention()] if text == "Belgium" else []

    knowledge = load_knowledge()
    problems = reachability._names_problems(knowledge.get("belgium"), "observer", Matcher(), "segib.yml", 7)
    messages = [(p.severity, p.message) for p in problems]
    assert ("warning", "entry 'belgium': the en name 'Belgium' is recognised as observer:france instead") in messages
    assert ("error", "entry 'belgium': none of its pt names is recognised as this entry, so citizens writing in pt "
                     "cannot ask about it") in messages


def test_a_fact_for_an_unknown_intent_is_unreachable(tmp_path, raw):
    document = copy.deepcopy(raw)
    document["entries"].append({"id": "budget", "kind": "fact", "intent": "ask_budget",
                                "text": {"es": "x", "pt": "x", "en": "x"}, "source": "https://www.segib.org/"})
    problems = reach(write_knowledge(tmp_path, document))
    assert any("entry 'budget': it answers the intent 'ask_budget', which is not in domain.yml" in p.message
               for p in problems)


def test_knowledge_errors_point_at_the_entry_line(tmp_path, raw):
    document = copy.deepcopy(raw)
    next(e for e in document["entries"] if e["id"] == "belgium")["names"].pop("pt")
    path = write_knowledge(tmp_path, document)
    line = path.read_text(encoding="utf-8").splitlines().index("- id: belgium") + 1
    with pytest.raises(Exception) as error:
        load_knowledge(path)
    assert reachability.knowledge_error_line(str(error.value), path) == line


def test_training_data_parity_names_the_file_and_intent(tmp_path):
    for language, extra in (("es", "- intent: ask_budget\n  examples: |\n    - presupuesto\n"), ("pt", ""), ("en", "")):
        text = Path(f"data/nlu/{language}.yml").read_text(encoding="utf-8")
        if language == "pt":  # drop one intent from Portuguese
            text = text.replace("- intent: ask_privacy", "- intent: ask_privacy_removed")
        (tmp_path / f"{language}.yml").write_text(text + extra, encoding="utf-8")
    problems = parity.check(domain_intents(), tmp_path)
    messages = [str(p) for p in problems if p.severity == "error"]
    assert any("es.yml:" in m and "intent 'ask_budget' is not in domain.yml" in m for m in messages)
    assert any("pt.yml: ERROR intent 'ask_privacy' has no examples in pt" in m for m in messages)
