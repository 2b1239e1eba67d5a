"""`predict` says on stderr what the model was trained on; stdout stays the predictions alone."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from fixture_models import ngram_ensemble
from fixture_repo import cli

from imdb_sentiment.text.vocab import SPECIAL_TOKENS


def test_predict_says_what_the_model_was_trained_on(tmp_path: Path) -> None:
    ngram_ensemble(tmp_path / "naver.zip", trained_on="Naver movie reviews")
    said = "model naver.zip: trained on Naver movie reviews"

    one = cli(tmp_path, "predict", "--model", "naver.zip", "a great film")
    assert one.returncode == 0, one.stderr
    assert re.fullmatch(r"0\.\d{4}\tpositive\n", one.stdout) and said in one.stderr.splitlines()

    (tmp_path / "reviews.txt").write_text("a great film\nboring, awful\n")
    # a file of reviews is scored in parts: the line comes from the file's metadata, no member loaded
    rows = cli(tmp_path, "predict", "--model", "naver.zip", "--file", "reviews.txt")
    assert rows.returncode == 0, rows.stderr
    assert [row["label"] for row in csv.DictReader(io.StringIO(rows.stdout))] == ["positive", "negative"]
    assert said in rows.stderr.splitlines()

    explained = cli(tmp_path, "predict", "--model", "naver.zip", "--file", "reviews.txt", "--explain", "--top", "50")
    assert explained.returncode == 0, explained.stderr
    assert said in explained.stderr.splitlines()
    for row in csv.DictReader(io.StringIO(explained.stdout)):
        cells = f"{row['positive_terms']}; {row['negative_terms']}".split("; ")  # term:+0.123
        terms = [cell.rsplit(":", 1)[0] for cell in cells if cell]
        assert terms and not [term for term in terms if set(term.split()) & set(SPECIAL_TOKENS)], terms


def test_predict_does_not_call_an_older_model_imdbs(tmp_path: Path) -> None:
    ngram_ensemble(tmp_path / "old.zip", trained_on=None)
    done = cli(tmp_path, "predict", "--model", "old.zip", "--explain", "boring, awful")
    assert done.returncode == 0, done.stderr
    assert "model old.zip: trained on data its model file does not name" in done.stderr.splitlines()
    assert not any(token in done.stdout for token in SPECIAL_TOKENS), done.stdout
