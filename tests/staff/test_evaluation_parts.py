"""The pieces of `make evaluate`: intent scores, entity scores, detector accuracy, confusion picture."""
import json

from quality import detector, entities, intents


def test_intent_scores_per_language_and_misclassified_examples(tmp_path):
    (tmp_path / "intent_successes.json").write_text(json.dumps([
        {"text": "hola", "intent": "greet", "intent_prediction": {"name": "greet", "confidence": 0.9}},
        {"text": "olá", "intent": "greet", "intent_prediction": {"name": "greet", "confidence": 0.8}},
        {"text": "hi", "intent": "greet", "intent_prediction": {"name": "greet", "confidence": 0.9}}]))
    (tmp_path / "intent_errors.json").write_text(json.dumps([
        {"text": "adiós", "intent": "goodbye", "intent_prediction": {"name": "greet", "confidence": 0.4}}]))
    predictions = intents.read_rasa_predictions(tmp_path)
    examples = [("es", "greet", "hola"), ("es", "goodbye", "adiós"), ("pt", "greet", "olá"), ("en", "greet", "hi")]
    result = intents.evaluate(examples, predictions)
    es = result["by_language"]["es"]
    assert es["accuracy"] == 0.5 and es["support"] == 2
    assert es["per_intent"]["greet"] == {"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1}
    assert es["per_intent"]["goodbye"]["f1"] == 0.0
    assert abs(es["macro_f1"] - 1 / 3) < 1e-9
    assert result["by_language"]["pt"]["macro_f1"] == 1.0
    assert result["misclassified"] == [{"language": "es", "text": "adiós", "expected": "goodbye",
                                        "predicted": "greet", "confidence": 0.4}]
    png = intents.confusion_png(es["pairs"], "es", tmp_path / "confusion.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_entity_scores_compare_sets_per_example():
    found = {"¿Bélgica o Bélgica?": ["observer:belgium", "observer:belgium"],
             "sede de Madrid": ["office:headquarters", "topic:summits"],
             "hola": []}
    examples = [("es", "¿Bélgica o Bélgica?", ["observer:belgium"], 1),
                ("es", "sede de Madrid", ["office:headquarters", "contact_field:address"], 2),
                ("pt", "hola", [], 3)]
    result = entities.evaluate(examples, lambda text: found[text])
    es = result["by_language"]["es"]
    assert (es["right"], es["found"], es["support"]) == (2, 3, 3)
    assert abs(es["precision"] - 2 / 3) < 1e-9 and abs(es["recall"] - 2 / 3) < 1e-9
    assert result["by_language"]["pt"]["f1"] == 1.0
    assert result["by_type"]["topic"]["precision"] == 0.0
    assert result["errors"] == [{"language": "es", "text": "sede de Madrid", "line": 2,
                                 "expected": ["contact_field:address", "office:headquarters"],
                                 "found": ["office:headquarters", "topic:summits"],
                                 "missing": ["contact_field:address"], "extra": ["topic:summits"]}]


def test_the_labelled_entity_examples_load():
    examples, problems = entities.load_examples()
    assert problems == []
    assert {lang for lang, *_ in examples} == {"es", "pt", "en"} and len(examples) >= 120


def test_detector_accuracy_counts_undecided_apart(tmp_path):
    path = tmp_path / "samples.yml"
    path.write_text("samples:\n  es: [hola, gracias, sí]\n  pt: [obrigado]\n  en: [thanks]\n  ambiguous: [ok, CEPAL]\n",
                    encoding="utf-8")
    verdicts = {"hola": "es", "gracias": "pt", "sí": None, "obrigado": "pt", "thanks": "en", "ok": None, "CEPAL": "es"}
    result = detector.evaluate(lambda text: (verdicts[text], 0.9), path)
    assert result["by_language"]["es"] == {"total": 3, "correct": 1, "wrong": 1, "undecided": 1, "accuracy": 1 / 3}
    assert result["overall_accuracy"] == 3 / 5
    assert result["ambiguous"] == {"total": 2, "decided": 1, "undecided": 1, "undecided_rate": 0.5}
    assert [e["text"] for e in result["errors"]] == ["gracias", "sí"]
