"""One file is enough: stage train's .keras carries the vocabulary, maxlen and padding."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def test_the_keras_model_alone_scores_text(trained_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from imdb_sentiment.scoring.predict import load_classifier

    beside = load_classifier(
        trained_repo / "data/model.keras",
        vocab_path=trained_repo / "data/vocab.json",
        params_path=trained_repo / "params.yaml",
    )
    shutil.copy(trained_repo / "data/model.keras", tmp_path / "model.keras")
    monkeypatch.chdir(tmp_path)  # nothing else here: no data/vocab.json, no params.yaml
    assert sorted(os.listdir(tmp_path)) == ["model.keras"]
    alone = load_classifier("model.keras")
    assert alone.preprocessing == beside.preprocessing
    texts = ["a great and wonderful film", "awful, boring, the worst", "ünïcödé ★ 映画"]
    assert alone.predict(texts).tolist() == pytest.approx(beside.predict(texts).tolist(), abs=1e-7)
    assert alone.predict(texts[:1])[0] > 0.5 > alone.predict(texts[1:2])[0]
