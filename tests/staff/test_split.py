"""The held-out split: stratified by intent and language, reproducible, disjoint."""
from quality import split


def test_split_is_stratified_disjoint_complete_and_reproducible():
    first = split.make_split(fraction=0.2, seed=7)
    again = split.make_split(fraction=0.2, seed=7)
    other = split.make_split(fraction=0.2, seed=8)
    assert first.test == again.test and first.train == again.train
    assert first.test != other.test
    for language, intents in first.test.items():
        examples = split.read_examples(split.NLU_DIR / f"{language}.yml")
        assert set(intents) == set(examples)
        for intent, texts in examples.items():
            unique = list(dict.fromkeys(texts))
            test, train = first.test[language][intent], first.train[language][intent]
            assert not set(test) & set(train)
            assert sorted(test + train) == sorted(unique)
            assert test and train, (language, intent)
            assert abs(len(test) - 0.2 * len(unique)) <= 1


def test_editing_one_intent_does_not_reshuffle_the_others():
    examples = [f"example {i}" for i in range(20)]
    _, test_a = split.split_intent(examples, 0.2, 42, "es", "greet")
    _, test_b = split.split_intent(examples + ["one more"], 0.2, 42, "es", "goodbye")
    _, test_c = split.split_intent(examples, 0.2, 42, "es", "greet")
    assert test_a == test_c and len(test_a) == 4 and test_b


def test_written_split_is_rasa_nlu_data_that_reads_back(tmp_path):
    data = split.make_split()
    train, test = split.write_split(data, tmp_path)
    for language in ("es", "pt", "en"):
        assert split.read_examples(test / f"{language}.yml") == {k: v for k, v in data.test[language].items() if v}
        assert split.read_examples(train / f"{language}.yml") == {k: v for k, v in data.train[language].items() if v}
