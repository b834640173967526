"""The knowledge file: schema, clear errors for broken edits, language parity, source links."""
import copy
import re
from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeError, load_knowledge
from knowledge.loader import DEFAULT_KNOWLEDGE_FILE
from knowledge.schema import LANGUAGES


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(DEFAULT_KNOWLEDGE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge()


def write(tmp_path: Path, document) -> Path:
    path = tmp_path / "segib.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def entry(raw, entry_id):
    return next(e for e in raw["entries"] if e["id"] == entry_id)


def test_the_brochure_facts_are_all_there(knowledge):
    assert len(knowledge.of_kind("member_country")) == 22
    assert len(knowledge.observers("associate")) == 12
    assert len(knowledge.observers("consultative")) == 19
    assert len(knowledge.of_kind("document")) == 4
    assert {o.id for o in knowledge.of_kind("office")} == {
        "headquarters", "office_mexico", "office_southern_cone", "office_andean"}
    assert knowledge.headquarters.get("phone") == "+34 91 590 19 80"
    assert "advance in human rights, put people at the centre" in knowledge.fact_for(
        "ask_secretary_general").localized("text", "en")
    assert "convergence, consensus, work, supervision and agreements" in knowledge.fact_for(
        "ask_member_countries").localized("text", "en")


def test_every_member_country_is_served_by_an_office(knowledge):
    for country in knowledge.of_kind("member_country"):
        assert knowledge.office_for(country).kind == "office"


def test_every_entry_has_an_official_https_source(knowledge):
    for item in knowledge.entries():
        assert re.match(r"^https://(www\.)?segib\.org/", item.source), item.id


def test_every_text_and_name_exists_in_all_three_languages(raw):
    for item in raw["entries"]:
        for field, value in item.items():
            if isinstance(value, dict):
                assert set(value) == set(LANGUAGES), f"{item['id']}.{field}"
                assert all(value[lang] for lang in LANGUAGES), f"{item['id']}.{field}"


def test_every_phrase_exists_in_all_three_languages(knowledge):
    for key, texts in knowledge.messages.texts.items():
        assert set(texts) == set(LANGUAGES) and all(texts.values()), key


def test_facts_not_in_the_brochure_name_their_source(raw):
    for item in (e for e in raw["entries"] if e["kind"] in ("member_country", "city")):
        assert item.get("source_note"), item["id"]


@pytest.mark.parametrize("breakage, expected", [
    (lambda d: d["entries"].append(copy.deepcopy(d["entries"][0])), "duplicate id"),
    (lambda d: entry(d, "belgium")["names"].pop("pt"), "'belgium': missing 'pt'"),
    (lambda d: entry(d, "ecuador").update(office="office_quito"), "'ecuador': office 'office_quito'"),
    (lambda d: entry(d, "lisbon").update(country="belgium"),
     "'lisbon': country 'belgium' is not a member country entry (known member countries: andorra, "),
    (lambda d: entry(d, "oecd").update(headquarters_city="Paris"), "'oecd': unknown field: 'headquarters_city'"),
    (lambda d: entry(d, "environmental_charter")["text"].update(en=""), "'environmental_charter'"),
    (lambda d: entry(d, "belgium").update(observer_type="honorary"), "'belgium'"),
    (lambda d: entry(d, "japan").update(kind="planet"), "'japan': unknown kind 'planet'"),
    (lambda d: entry(d, "peru").update(source="http://segib.org"), "'peru'"),
])
def test_a_broken_file_fails_with_one_clear_message(tmp_path, raw, breakage, expected):
    document = copy.deepcopy(raw)
    breakage(document)
    path = write(tmp_path, document)
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "segib.yml"
    path.write_text("schema_version: 1\nentries:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"segib.yml: invalid YAML at line \d+"):
        load_knowledge(path)


def test_a_name_shared_by_two_entries_is_refused(tmp_path, raw):
    document = copy.deepcopy(raw)
    entry(document, "japan")["names"]["en"].append("Belgium")
    with pytest.raises(KnowledgeError, match="'Belgium' is also a name of entry 'belgium'"):
        load_knowledge(write(tmp_path, document))


def test_validate_command_reports_ok_and_errors(tmp_path, raw, capsys):
    from knowledge.validate import main

    assert main([]) == 0
    assert "OK" in capsys.readouterr().out
    document = copy.deepcopy(raw)
    entry(document, "chile").pop("office")
    assert main([str(write(tmp_path, document))]) == 1
    assert "'chile': missing 'office'" in capsys.readouterr().err
