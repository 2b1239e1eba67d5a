"""Korean reviews through the whole pipeline with the morpheme tokenizer: 600 Naver movie reviews
(tests/data/naver_reviews.csv: ratings 1-4 and 9-10 sampled from the public-domain reviews NSMC was
built from, one movie id each), read as your own table, split by movie, scored and explained."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_repo import OWN_DATA, cli, commit_all, make_repo, repro, run, set_params

from imdb_sentiment.pipeline.io import read_json

pytestmark = pytest.mark.pipeline
FIXTURE = Path(__file__).parent / "data" / "naver_reviews.csv"
MIDDLE_RATINGS = 24  # reviews rated 5-8 added to the fixture's 600: excluded, counted
KOREAN_PARAMS = {
    "data.name": "Naver movie reviews",
    "data.source": "table",
    "data.table.path": f"{OWN_DATA}/naver_reviews.csv",
    "data.table.columns": {"text": "review", "label": "rating", "split": None, "group": "movie"},
    "data.table.labels": {"negative": [1, 2, 3, 4], "positive": [9, 10]},  # NSMC's labelling
    "data.table.exclude": [5, 6, 7, 8],  # the middle ratings, left out as NSMC's authors did
    "data.table.test_size": 0.25,
    "text.tokenizer": "korean",
    "vocab.num_words": 3000,  # the fixture's own tiny vocabulary (60) would keep only particles
}


@pytest.fixture(scope="module")
def korean_repo(tmp_path_factory: pytest.TempPathFactory, fixture_archive: Path) -> Iterator[tuple[Path, set[str]]]:
    pytest.importorskip("kiwipiepy", reason="the korean extra: uv sync --extra korean (.ci/run installs it)")
    repo = make_repo(tmp_path_factory.mktemp("korean"), fixture_archive)
    middle = "".join(f"그냥 볼만한 영화 {i},{5 + i % 4},{90000 + i}\n" for i in range(MIDDLE_RATINGS))
    (repo / OWN_DATA / FIXTURE.name).write_text(FIXTURE.read_text(encoding="utf-8") + middle, encoding="utf-8")
    set_params(repo / "params.yaml", KOREAN_PARAMS)
    ran = repro(repo)
    commit_all(repo, "korean reviews")
    yield repo, ran


def test_every_stage_runs_on_morphemes(korean_repo: tuple[Path, set[str]]) -> None:
    repo, ran = korean_repo
    assert {"download", "tokenize_reviews", "reindex_vocab", "train_word2vec", "train", "train_ngrams", "combine",
            "evaluate"} <= ran  # fmt: skip
    vocab = read_json(repo / "data/vocab.json")
    assert {"영화", "최고", "재미", "는", "이"} <= set(vocab)  # nouns, and particles split off them
    assert not any(" " in word for word in vocab)
    data = read_json(repo / "metrics/data.json")
    assert data["reviews"] == 600 and sum(data["excluded"].values()) == MIDDLE_RATINGS
    assert read_json(repo / "metrics/evaluate.json")["reviews"] > 100  # a quarter of the movies


def test_a_korean_review_is_scored_and_explained_on_its_own_characters(korean_repo: tuple[Path, set[str]]) -> None:
    repo, _ = korean_repo
    from imdb_sentiment.scoring.explain import Explainer
    from imdb_sentiment.scoring.predict import load_classifier

    classifier = load_classifier(repo / "data/ensemble.zip")
    assert classifier.preprocessing.tokenizer_name == "korean"  # the model file says how to read text
    assert classifier.trained_on == "Naver movie reviews"  # and what it was trained on (data.name)
    text = "정말 최고의 영화였어요. 배우들 연기도 좋았다"
    (explanation,) = Explainer(classifier).explain([text], top_k=5)
    assert 0.0 <= explanation.probability <= 1.0
    shaded = [word for word in explanation.words if word.start is not None]
    assert shaded and all(text[word.start : word.end] == word.text for word in shaded)
    terms = [term["term"] for term in explanation.as_dict()["positive"] + explanation.as_dict()["negative"]]
    assert "<BOS>" not in terms and "최고" in {word.text for word in explanation.words}
    done = cli(repo, "predict", text)
    assert done.returncode == 0, done.stderr
    assert re.match(r"0\.\d{4}\t(positive|negative)", done.stdout)
    assert "trained on Naver movie reviews" in done.stderr


def test_another_tokenizer_changes_exactly_the_stages_that_read_tokens(korean_repo: tuple[Path, set[str]]) -> None:
    repo, _ = korean_repo
    set_params(repo / "params.yaml", {"text.tokenizer": "char_ngrams"})
    try:
        changed = set(re.findall(r"^(\w+):$", run(repo, "dvc", "status"), re.MULTILINE))
        assert changed == {"tokenize_reviews", "train", "combine"}  # then what reads its tokens, if they change
    finally:
        run(repo, "git", "checkout", "params.yaml")
    assert "up to date" in run(repo, "dvc", "status")


@pytest.mark.parametrize("model", ["lstm", "cnn"])
def test_the_tutorial_s_keras_models_train_on_morphemes(korean_repo: tuple[Path, set[str]], model: str) -> None:
    """Stage train with the tutorial's LSTM and CNN on Korean ids; the committed outputs come back after."""
    repo, _ = korean_repo
    set_params(repo / "params.yaml", {"train.model": model, "train.epochs": 2})
    try:
        run(repo, "dvc", "repro", "--single-item", "train")
        trained = read_json(repo / "metrics/train.json")
        assert trained["model"] == model and trained["train_reviews"] > 300
        assert 0.0 < trained["val_accuracy"] <= 1.0
    finally:
        run(repo, "git", "checkout", "--", "params.yaml", "metrics", "dvc.lock")
        run(repo, "dvc", "checkout", "--force", "train")
