"""The whole pipeline on your own labelled files (data.source: table): Parquet tracked with
`dvc add` in data/own, the same rows as CSV, and CSV in an S3 bucket (moto's server)."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixture_repo import OWN_DATA, cli, commit_all, make_repo, repo_env, repro, run, set_params
from fixture_tables import TABLE_PARAMS, review_frame, write_csv, write_parquet

from imdb_sentiment.pipeline.io import read_json

pytestmark = pytest.mark.pipeline
REVIEWS = "data/raw/reviews.parquet"  # what stage download writes, whatever the source


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def own_repo(tmp_path_factory: pytest.TempPathFactory, fixture_archive: Path) -> Iterator[tuple[Path, set[str]]]:
    """The fixture pipeline, pointed at a Parquet file of product reviews added with `dvc add`."""
    repo = make_repo(tmp_path_factory.mktemp("own"), fixture_archive)
    write_parquet(review_frame(), repo / OWN_DATA / "reviews.parquet")
    run(repo, "dvc", "add", str(OWN_DATA / "reviews.parquet"))
    set_params(repo / "params.yaml", {**TABLE_PARAMS, "data.table.path": str(OWN_DATA / "reviews.parquet")})
    ran = repro(repo)
    commit_all(repo, "own data")
    yield repo, ran


def test_every_stage_runs_on_your_own_reviews(own_repo: tuple[Path, set[str]]) -> None:
    repo, ran = own_repo
    assert {"download", "reindex_vocab", "train", "train_ngrams", "combine", "evaluate"} <= ran
    data = read_json(repo / "metrics/data.json")
    assert data["source"] == "table" and data["counts"]["test/positive"] == 100 and data["counts"]["unlabeled"] == 60
    assert data["files"] == ["reviews/reviews.parquet"]  # as params.yaml names it: the same on every clone
    assert read_json(repo / "metrics/evaluate.json")["accuracy"] > 0.8  # the fixture's words carry the label
    reviews = pd.read_parquet(repo / REVIEWS, columns=["split", "group"])
    index = np.load(repo / "data/split/index.npz")
    train_groups = reviews.query("split == 'train'")["group"].to_numpy()
    assert not set(train_groups[index["train"]]) & set(train_groups[index["val"]])  # whole products held out


def test_predict_and_explain_score_text_with_the_model_of_your_data(own_repo: tuple[Path, set[str]]) -> None:
    repo, _ = own_repo
    done = cli(repo, "predict", "--explain", "a great and wonderful product, I love it")
    assert done.returncode == 0, done.stderr
    assert "positive" in done.stdout


def test_the_same_rows_as_csv_rerun_download_and_nothing_after_it(own_repo: tuple[Path, set[str]]) -> None:
    """Same rows, another format: the reviews table is byte-identical, so DVC stops after download."""
    repo, _ = own_repo
    before = md5(repo / REVIEWS)
    write_csv(review_frame(), repo / OWN_DATA / "reviews.csv")
    set_params(repo / "params.yaml", {"data.table.path": str(OWN_DATA / "reviews.csv")})
    try:
        assert repro(repo) == {"download"}
        assert md5(repo / REVIEWS) == before
    finally:
        (repo / OWN_DATA / "reviews.csv").unlink()
        run(repo, "git", "checkout", "params.yaml")
    assert repro(repo) <= {"download"}  # DVC's run cache may bring the Parquet run's table back
    assert "up to date" in run(repo, "dvc", "status")


def test_an_edit_of_the_tracked_file_reruns_the_pipeline(own_repo: tuple[Path, set[str]]) -> None:
    repo, _ = own_repo
    status = run(repo, "dvc", "status")
    assert "up to date" in status
    frame = review_frame()
    frame.loc[5, "review"] = "Awful, awful, awful."
    write_parquet(frame, repo / OWN_DATA / "reviews.parquet")
    try:
        assert "download" in run(repo, "dvc", "status")
    finally:
        run(repo, "dvc", "checkout", "-q", "--force", str(OWN_DATA / "reviews.parquet.dvc"))
    assert "up to date" in run(repo, "dvc", "status")


def test_a_bad_label_stops_download_with_one_line_and_no_table(own_repo: tuple[Path, set[str]], tmp_path: Path) -> None:
    repo, _ = own_repo
    frame = review_frame()
    frame.loc[9, "sentiment"] = "meh"
    bad = write_csv(frame, repo / OWN_DATA / "bad.csv")
    set_params(repo / "params.yaml", {"data.table.path": str(OWN_DATA / "bad.csv")})
    try:
        done = cli_repro(repo)
        assert done.returncode != 0
        assert "bad.csv row 10 column 'sentiment': label 'meh' is not one of the values" in done.stderr
        assert "Traceback" not in done.stderr
        assert not (repo / REVIEWS).exists() and not list((repo / REVIEWS).parent.glob(".reviews.*"))
    finally:
        bad.unlink()
        run(repo, "git", "checkout", "params.yaml", "metrics/data.json")  # DVC removed the stage's outputs
        run(repo, "dvc", "checkout", "-q", "--force")
    assert "up to date" in run(repo, "dvc", "status")


def cli_repro(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["dvc", "repro"], cwd=repo, env=repo_env(repo), capture_output=True, text=True)


def test_a_csv_in_an_s3_bucket(own_repo: tuple[Path, set[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """data.table.path s3://... read by fsspec from moto's S3 server: the same reviews table."""
    import boto3
    from remote_servers import S3_KEY, S3_SECRET, s3_server

    repo, _ = own_repo
    before = md5(repo / REVIEWS)
    local = write_csv(review_frame(), repo.parent / "upload" / "reviews.csv")
    with s3_server() as remote:
        endpoint = remote.shared["endpointurl"]
        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET,
                          region_name="us-east-1")  # fmt: skip
        s3.upload_file(str(local), "imdb-team", "exports/2026/reviews.csv")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_KEY)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
        changes = {
            "data.table.path": "s3://imdb-team/exports/2026/",
            "data.table.storage_options": {"endpoint_url": endpoint},
        }
        set_params(repo / "params.yaml", changes)
        try:
            assert repro(repo) == {"download"}
            assert md5(repo / REVIEWS) == before
            assert read_json(repo / "metrics/data.json")["files"] == ["s3://imdb-team/exports/2026/reviews.csv"]
        finally:
            run(repo, "git", "checkout", "params.yaml", "dvc.lock", "metrics/data.json")
            run(repo, "dvc", "checkout", "-q", "--force")
    assert "up to date" in run(repo, "dvc", "status")
