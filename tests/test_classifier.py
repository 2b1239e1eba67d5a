"""The ensemble file: one zip that scores raw text alone, and a clear error for anything else."""

from pathlib import Path

import numpy as np
import pytest

from imdb_sentiment.ensemble.stacker import Stacker
from imdb_sentiment.members.ngrams import fit_ngram_model
from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.scoring.classifier import load_ensemble, save_ensemble
from imdb_sentiment.text.preprocessing import Preprocessing
from imdb_sentiment.text.sequences import pack
from imdb_sentiment.text.vocab import encode

VOCAB = {"<PAD>": 0, "<BOS>": 1, "<UNK>": 2, "<UNUSED>": 3, "great": 4, "awful": 5, "film": 6, "the": 7}


def test_an_ngram_only_ensemble_scores_raw_text(tmp_path: Path) -> None:
    texts = ["the great film", "great great", "the awful film", "awful"] * 10
    labels = np.array([1, 1, 0, 0] * 10)
    ids, offsets = pack([encode(t.split(), VOCAB) for t in texts])
    model = fit_ngram_model(ids, offsets, labels, base=len(VOCAB), max_n=2, min_df=1, c=1.0)
    model.save(tmp_path / "ngrams.npz")
    for name in ("ensemble.zip", "again.zip"):
        save_ensemble(
            tmp_path / name,
            Stacker(("ngrams",), (1.0,), 0.0),
            {"ngrams": tmp_path / "ngrams.npz"},
            Preprocessing(VOCAB, maxlen=10, padding="pre", truncating="pre"),
        )
    assert (tmp_path / "ensemble.zip").read_bytes() == (tmp_path / "again.zip").read_bytes()  # no timestamps
    (tmp_path / "ngrams.npz").unlink()  # the zip alone is enough
    classifier = load_ensemble(tmp_path / "ensemble.zip")
    assert list(classifier.predict_label(["A GREAT film!", "The awful, awful film."])) == [1, 0]
    assert classifier.predict([]).shape == (0,)


def test_a_file_that_is_not_an_ensemble_is_named(tmp_path: Path) -> None:
    (tmp_path / "model.zip").write_bytes(b"not a zip")
    with pytest.raises(PipelineError, match=r"model\.zip: not an ensemble model file"):
        load_ensemble(tmp_path / "model.zip")
    with pytest.raises(PipelineError, match="run `dvc repro`"):
        load_ensemble(tmp_path / "absent.zip")


def test_an_ensemble_says_what_it_was_trained_on_and_an_older_one_does_not_guess(tmp_path: Path) -> None:
    import json
    import zipfile

    from fixture_models import ngram_ensemble

    from imdb_sentiment.scoring.classifier import MANIFEST, ModelFiles, describe_training

    path = ngram_ensemble(tmp_path / "ensemble.zip", trained_on="Naver movie reviews")
    with zipfile.ZipFile(path) as bundle:
        assert json.loads(bundle.read(MANIFEST))["trained_on"] == "Naver movie reviews"
    assert load_ensemble(path).trained_on == "Naver movie reviews"
    assert ModelFiles.read(path).trained_on == "Naver movie reviews"  # from the manifest, no member loaded

    # an ensemble from before models named their data: its manifest has no trained_on
    with zipfile.ZipFile(path) as bundle:
        entries = {name: bundle.read(name) for name in bundle.namelist()}
    manifest = json.loads(entries[MANIFEST])
    del manifest["trained_on"]
    with zipfile.ZipFile(tmp_path / "older.zip", "w") as older:
        for name, data in {**entries, MANIFEST: json.dumps(manifest).encode()}.items():
            older.writestr(name, data)
    assert load_ensemble(tmp_path / "older.zip").trained_on is None
    assert ModelFiles.read(tmp_path / "older.zip").trained_on is None
    assert describe_training(None) == "trained on data its model file does not name"
    assert describe_training("IMDB movie reviews") == "trained on IMDB movie reviews"
