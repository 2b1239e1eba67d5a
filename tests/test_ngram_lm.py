"""Class-conditional n-gram language models: proper distributions, word order, files, explanations."""

from pathlib import Path

import numpy as np
import pytest

from imdb_sentiment.members.language_model import ClassLanguageModels, LanguageModel, fit_class_language_models
from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.text.sequences import pack

WORDS = ["<PAD>", "<BOS>", "<UNK>", "<UNUSED>", "it", "was", "not", "bad", "very", "good", "film"]
ID = {word: i for i, word in enumerate(WORDS)}


def encode(*reviews: str) -> tuple[np.ndarray, np.ndarray]:
    return pack([[ID["<BOS>"], *(ID[w] for w in review.split())] for review in reviews])


def corpus() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both classes use the same words; only their order tells them apart."""
    positive = ["it was not bad", "not bad film", "very good film it was not bad"] * 10
    negative = ["it was very bad", "very bad film", "not good film it was very bad"] * 10
    ids, offsets = encode(*positive, *negative)
    return ids, offsets, np.array([1] * len(positive) + [0] * len(negative))


def test_each_context_gives_a_distribution_over_the_vocabulary() -> None:
    ids, offsets, _ = corpus()
    model = LanguageModel.fit(ids, offsets, order=3, base=len(WORDS), discount=0.75)
    for context in (("it", "was"), ("not", "bad"), ("<BOS>", "very"), ("film", "good"), ("<UNK>", "<UNK>")):
        keys = np.array([(ID[context[0]] * len(WORDS) + ID[context[1]]) * len(WORDS) + w for w in range(len(WORDS))])
        assert np.exp(model.log_probabilities(keys)).sum() == pytest.approx(1.0, abs=1e-9), context


def test_word_order_decides_where_a_bag_of_words_cannot() -> None:
    models = fit_class_language_models(*corpus(), base=len(WORDS), order=3, discount=0.75)
    p = models.predict(*encode("it was not bad", "it was very bad", "very good film", "not good film"))
    assert p[0] > 0.5 > p[1] and p[2] > 0.5 > p[3]
    # one word of a single-word review has no full context: nothing to score, the prior alone
    assert models.predict(*encode("bad"))[0] == pytest.approx(0.5)


def test_the_file_round_trips_and_a_wrong_file_is_named(tmp_path: Path) -> None:
    models = fit_class_language_models(*corpus(), base=len(WORDS), order=3, discount=0.75)
    models.save(tmp_path / "lm.npz")
    again = ClassLanguageModels.load(tmp_path / "lm.npz")
    reviews = encode("it was not bad", "very bad film it was")
    np.testing.assert_array_equal(again.predict(*reviews), models.predict(*reviews))
    np.savez(tmp_path / "other.npz", weights=np.zeros(3))
    with pytest.raises(PipelineError, match=r"other\.npz: not a class language model file"):
        ClassLanguageModels.load(tmp_path / "other.npz")


def test_one_class_only_is_refused() -> None:
    ids, offsets, labels = corpus()
    with pytest.raises(PipelineError, match="both labels"):
        fit_class_language_models(ids, offsets, np.ones_like(labels), base=len(WORDS), order=3, discount=0.75)


def test_the_explanation_adds_up_to_the_score_and_blames_the_order() -> None:
    from imdb_sentiment.scoring.explain.methods import LanguageModelExplainer

    models = fit_class_language_models(*corpus(), base=len(WORDS), order=3, discount=0.75)
    explainer = LanguageModelExplainer(models)
    for review in ("it was not bad", "it was very bad", "film"):
        ids, offsets = encode(review)
        attribution = explainer.attribute(ids, None, WORDS)  # type: ignore[arg-type]
        assert attribution.base + attribution.positions.sum() == pytest.approx(models.decision(ids, offsets)[0])
        assert attribution.base + sum(attribution.terms.values()) == pytest.approx(models.decision(ids, offsets)[0])
    ids, _ = encode("it was very bad")
    terms = explainer.attribute(ids, None, WORDS).terms  # type: ignore[arg-type]
    assert min(terms, key=terms.get) in (("very",), ("bad",))
