"""The real `dvc repro` on the fixture archive, in a temporary git repository, with tiny params."""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from archive_server import ArchiveServer
from fixture_repo import cli, commit_all, make_repo, params_changed, repo_env, repro, run, stages_run
from gensim.models import KeyedVectors

from imdb_sentiment.pipeline.io import read_json
from imdb_sentiment.sources.archive import file_md5

pytestmark = pytest.mark.pipeline

REPO = Path(__file__).parents[1]
ALL_STAGES = {
    "download", "tokenize_reviews", "reindex_vocab", "length_stats", "pad", "split", "train_word2vec",
    "build_embedding", "train", "train_ngrams", "train_ending", "combine", "evaluate",
    "export_word2vec",
}  # fmt: skip
FIRST_RUN_LOG = "first-run.log"  # beside the fixture repo: what the first `dvc repro` printed


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, fixture_archive: Path) -> Iterator[tuple[Path, set[str]]]:
    repo = make_repo(tmp_path_factory.mktemp("pipeline"), fixture_archive)
    output = run(repo, "dvc", "repro")
    (repo.parent / FIRST_RUN_LOG).write_text(output)
    yield repo, stages_run(output)


def test_first_run_runs_every_stage(pipeline: tuple[Path, set[str]]) -> None:
    _, ran = pipeline
    assert ran == ALL_STAGES


def test_every_declared_output_exists(pipeline: tuple[Path, set[str]]) -> None:
    repo, _ = pipeline
    dvc_yaml = yaml.safe_load((repo / "dvc.yaml").read_text())
    for stage in dvc_yaml["stages"].values():
        for entry in [*stage.get("outs", []), *stage.get("metrics", []), *stage.get("plots", [])]:
            path = entry if isinstance(entry, str) else next(iter(entry))
            assert (repo / path).exists(), path
    assert not list(repo.rglob(".*.tmp*")), "no temporary files may remain"


def test_metrics_describe_the_fixture(pipeline: tuple[Path, set[str]]) -> None:
    repo, _ = pipeline
    data = read_json(repo / "metrics/data.json")
    assert data["counts"]["test/neg"] == 100 and data["matches_official_counts"] is False
    stats = read_json(repo / "metrics/length_stats.json")
    assert stats["reviews"] == 400 and 20 < stats["mean"] < 80
    assert read_json(repo / "metrics/embedding.json")["coverage"] > 0.9


def test_validation_holds_out_whole_movies(pipeline: tuple[Path, set[str]]) -> None:
    import pandas as pd

    repo, _ = pipeline
    reviews = pd.read_parquet(repo / "data/raw/reviews.parquet", columns=["split", "group"]).query("split == 'train'")
    movies = reviews["group"].to_numpy()
    split = np.load(repo / "data/split/index.npz")
    assert not set(movies[split["train"]]) & set(movies[split["val"]])
    assert split["val"].size == 50 and split["train"].size == 150  # the fixture's movies have 10 reviews each


def test_model_beats_chance_on_the_test_split(pipeline: tuple[Path, set[str]]) -> None:
    repo, _ = pipeline
    scores = read_json(repo / "metrics/evaluate.json")
    assert scores["reviews"] == 200
    assert scores["accuracy"] > 0.75 and scores["roc_auc"] > 0.8


def test_exported_word2vec_loads_in_gensim(pipeline: tuple[Path, set[str]]) -> None:
    repo, _ = pipeline
    vectors = KeyedVectors.load_word2vec_format(str(repo / "data/word2vec.txt"), binary=False)
    assert vectors.vector_size == 16 and "great" in vectors.key_to_index
    assert "<PAD>" not in vectors.key_to_index
    quality = read_json(repo / "metrics/word2vec.json")
    for source in ("word2vec", "trained_embedding"):
        assert set(quality[source]) >= {"wordsim353_spearman", "simlex999_spearman", "analogy_accuracy", "neighbors"}
        # the fixture's 38 words hold too few of WordSim-353's pairs to tell: None, never NaN (not JSON)
        assert quality[source]["wordsim353_spearman"] is None or -1 <= quality[source]["wordsim353_spearman"] <= 1
        assert quality[source]["words"] > 0 and quality[source]["vector_size"] == 16
    assert len(quality["trained_embedding"]["neighbors"]["love"]) == 10


def test_dvc_metrics_show_reads_the_metrics(pipeline: tuple[Path, set[str]]) -> None:
    repo, _ = pipeline
    shown = run(repo, "dvc", "metrics", "show")
    assert "metrics/evaluate.json" in shown and "accuracy" in shown
    assert "metrics/run.json" in shown and "stages.train.seconds" in shown


def test_timings_and_machine_details_go_to_the_run_record_only(pipeline: tuple[Path, set[str]]) -> None:
    repo, _ = pipeline
    record = read_json(repo / "metrics/run.json")
    assert set(record["stages"]) == ALL_STAGES  # every stage, by run_stage
    assert record["stages"]["train"]["seconds"] > 0 <= record["stages"]["train_word2vec"]["seconds"]
    assert record["machine"]["device"] == "CPU" and record["machine"]["python"] == platform.python_version()
    assert {"model", "instruction_sets", "caches"} <= set(record["machine"]["cpu"])
    results = {path.name: path.read_text() for path in (repo / "metrics").glob("*.json") if path.name != "run.json"}
    for name, text in results.items():
        assert "seconds" not in text and platform.platform() not in text, name
    assert set(read_json(repo / "metrics/environment.json")) == {"packages"}


def test_stage_logs_carry_no_tensorflow_start_up_noise(pipeline: tuple[Path, set[str]]) -> None:
    repo, _ = pipeline
    log = (repo.parent / FIRST_RUN_LOG).read_text()
    assert "Running stage 'train'" in log and "best epoch" in log  # the project's own lines are there
    for noise in ("oneDNN", "absl::InitializeLog", "use_unbounded_threadpool", "CPU instructions", "port.cc"):
        assert noise not in log, noise


def test_nothing_reruns_when_nothing_changed(pipeline: tuple[Path, set[str]]) -> None:
    repo, _ = pipeline
    assert repro(repo) == set()


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("train.epochs", 5, {"train", "combine", "evaluate", "export_word2vec"}),
        # stage train reads only the chosen model's group (train.${train.model})
        ("train.nbsvm.dropout", 0.25, {"train", "combine", "evaluate", "export_word2vec"}),
        ("train.lstm.units", 4, set()),
        # the split's rows stay the same, so the n-gram member is not retrained
        ("pad.padding", "post", {"pad", "split", "train", "combine", "evaluate", "export_word2vec"}),
        (
            "word2vec.window",
            3,
            {"train_word2vec", "build_embedding", "train", "combine", "evaluate", "export_word2vec"},
        ),
        # a gensim-only setting reruns the stage under ppmi_svd, but its vectors keep their bytes,
        # so nothing downstream of them reruns
        ("word2vec.epochs", 3, {"train_word2vec"}),
        ("ngrams.C", 0.5, {"train_ngrams", "combine", "evaluate"}),
        # lm is not a default member, so its stage is not in the default pipeline
        ("lm.discount", 0.5, set()),
        ("ending.last_words", 10, {"train_ending", "combine", "evaluate"}),
        ("ensemble.C", 0.5, {"combine", "evaluate"}),
    ],
)
def test_a_param_change_reruns_exactly_its_stages(
    pipeline: tuple[Path, set[str]], key: str, value: Any, expected: set[str]
) -> None:
    repo, _ = pipeline
    with params_changed(repo, {key: value}):
        assert repro(repo) == expected


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("members/ngrams.py", {"train_ngrams", "train_ending", "combine", "evaluate"}),
        ("members/keras/architectures.py", {"train", "combine", "evaluate"}),
        ("ensemble/stacker.py", {"combine", "evaluate"}),
        ("text/tokenize.py", {"tokenize_reviews", "train", "combine", "evaluate"}),
        ("text/tokens.py", {"tokenize_reviews", "reindex_vocab", "train_word2vec"}),
    ],
)
def test_a_code_edit_makes_exactly_the_stages_that_run_it_stale(
    pipeline: tuple[Path, set[str]], module: str, expected: set[str]
) -> None:
    """DVC itself, on directory and file deps: an edit to a member's code, the stacker or the
    tokenizer changes the stages that run it and no other (a Python cache beside it changes none)."""
    repo, _ = pipeline
    path = repo / "src/imdb_sentiment" / module
    original = path.read_text()
    cache = path.parent / "__pycache__" / f"{path.stem}.cpython-311.pyc"
    cache.parent.mkdir(exist_ok=True)
    cache.write_bytes(b"not code")
    try:
        assert "up to date" in run(repo, "dvc", "status")  # .dvcignore: Python's cache is not code
        path.write_text(original + "\n# an edit\n")
        assert set(re.findall(r"^(\w+):$", run(repo, "dvc", "status"), re.MULTILINE)) == expected
    finally:
        path.write_text(original)
        cache.unlink()
    assert "up to date" in run(repo, "dvc", "status")


def test_a_collapsed_model_is_flagged_and_the_stage_still_succeeds(pipeline: tuple[Path, set[str]]) -> None:
    repo, _ = pipeline
    assert read_json(repo / "metrics/train.json")["collapsed"] is False
    # nbsvm starts from its naive-Bayes prior and survives even this; the tutorial's gmp does not,
    # on unscaled word vectors (at 0.02 the PPMI rows are small enough to survive it on the fixture)
    broken = {"train.model": "gmp", "train.gmp.learning_rate": 10.0, "train.gmp.embedding_scale": 1.0}
    with params_changed(repo, broken):
        output = run(repo, "dvc", "repro", "train")
        assert "looks collapsed to one answer" in output and "train.gmp.learning_rate" in output
        assert read_json(repo / "metrics/train.json")["collapsed"] is True
        shown = run(repo, "dvc", "exp", "show", "--no-pager", "--md")
        assert "collapsed" in shown


@pytest.mark.parametrize("model", ["nbsvm", "fasttext", "cnn_wide", "cnn", "lstm", "gmp"])
def test_every_model_learns_with_its_own_defaults(pipeline: tuple[Path, set[str]], model: str) -> None:
    """`-S train.model=X` alone: X trains with its own train.X settings and beats chance."""
    from imdb_sentiment.members.keras.collapse import collapse_signs
    from imdb_sentiment.members.keras.training import train
    from imdb_sentiment.pipeline.params import TrainParams, parse_group, read_params_file

    repo, _ = pipeline
    raw = read_params_file(repo / "params.yaml")  # the defaults, fixture sizes for speed
    # shared settings only: more epochs, and patience for a noisy 50-review validation split
    raw["train"].update(model=model, epochs=40, early_stopping=5)
    p = parse_group(raw, "train", TrainParams)
    assert (
        p.settings.learning_rate == yaml.safe_load((REPO / "params.yaml").read_text())["train"][model]["learning_rate"]
    )
    train_set, val_set = np.load(repo / "data/split/train.npz"), np.load(repo / "data/split/val.npz")
    result = train(p, np.load(repo / "data/embedding.npy"), train_set["x"], train_set["y"], val_set["x"], val_set["y"])
    accuracy = float(np.mean((result.val_probabilities >= 0.5) == val_set["y"]))
    assert accuracy >= 0.8, f"{model}: validation accuracy {accuracy:.2f} after {len(result.history['loss'])} epochs"
    assert not collapse_signs(result.val_probabilities, min(result.history["val_loss"]))


def test_classifier_scores_fixture_texts(pipeline: tuple[Path, set[str]]) -> None:
    from fixture_archive import synthetic_review

    from imdb_sentiment.scoring.predict import load_classifier

    repo, _ = pipeline
    ensemble = load_classifier(repo / "data/ensemble.zip")  # self-contained: no vocab or params needed
    keras_only = load_classifier(
        repo / "data/model.keras", vocab_path=repo / "data/vocab.json", params_path=repo / "params.yaml"
    )
    rng = np.random.default_rng(123)
    positive = [synthetic_review(rng, 1) for _ in range(20)]
    negative = [synthetic_review(rng, 0) for _ in range(20)]
    odd = ["", "ünïcödé ★ 映画 great", "great " * 5000]  # empty, non-ASCII, far longer than maxlen
    prepared = keras_only.preprocessing
    assert prepared.pad(*prepared.encode(odd)).shape == (3, prepared.maxlen)
    for classifier in (ensemble, keras_only):
        assert (classifier.predict(positive) > 0.5).all()
        assert (classifier.predict(negative) < 0.5).all()
        assert list(classifier.predict_label(["great wonderful love", "awful boring waste"])) == [1, 0]
        assert classifier.predict(odd).shape == (3,)
        assert classifier.predict([]).shape == (0,)
    # one review scores the same alone as in a batch
    assert ensemble.predict(positive[:1])[0] == pytest.approx(ensemble.predict(positive)[0], abs=1e-6)


def predict_cli(repo: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return cli(repo, "predict", *args, stdin=stdin)


def test_predict_cli(pipeline: tuple[Path, set[str]]) -> None:
    repo, _ = pipeline
    one = predict_cli(repo, "a great and wonderful film, I love it")
    assert one.returncode == 0, one.stderr
    probability, label = one.stdout.split()
    assert float(probability) > 0.5 and label == "positive"

    (repo / "reviews.txt").write_text("great wonderful superb\nawful boring worst, a waste\n")
    csv_run = predict_cli(repo, "--file", "reviews.txt", "--output", "out.csv")
    assert csv_run.returncode == 0, csv_run.stderr
    rows = list(csv.DictReader((repo / "out.csv").open()))
    assert [r["label"] for r in rows] == ["positive", "negative"] and rows[1]["text"] == "awful boring worst, a waste"

    jsonl = predict_cli(repo, "--file", "-", "--format", "jsonl", stdin="so boring and bad\n")
    assert [json.loads(line)["label"] for line in jsonl.stdout.splitlines()] == ["negative"]


def test_predict_cli_marks_reviews_without_known_words(pipeline: tuple[Path, set[str]]) -> None:
    """Alone, such a review is refused; in a file its row is kept unscored and the rest are scored."""
    repo, _ = pipeline
    for text in ("", "<br /><br />", "🙂 🎬"):
        alone = predict_cli(repo, text)
        assert alone.returncode == 1 and "has no word the model knows" in alone.stderr, alone.stderr
    (repo / "mixed.txt").write_text("great wonderful superb\n\n🙂\nawful boring worst\n", encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(predict_cli(repo, "--file", "mixed.txt").stdout)))
    assert [(r["label"], r["known_words"]) for r in rows] == [
        ("positive", "3"),
        ("", "0"),
        ("", "0"),
        ("negative", "3"),
    ]
    assert rows[1]["probability"] == "" and float(rows[0]["probability"]) > 0.5
    jsonl = predict_cli(repo, "--file", "mixed.txt", "--format", "jsonl").stdout.splitlines()
    assert json.loads(jsonl[1]) == {"text": "", "probability": None, "label": None, "known_words": 0}


def test_predict_cli_errors(pipeline: tuple[Path, set[str]], tmp_path: Path) -> None:
    repo, _ = pipeline
    missing_file = predict_cli(repo, "--file", "nope.txt")
    assert missing_file.returncode == 1 and "nope.txt: no such file" in missing_file.stderr
    no_model = predict_cli(repo, "fine", "--model", str(tmp_path / "model.keras"))
    assert no_model.returncode == 1 and "run `dvc repro`" in no_model.stderr
    assert "Traceback" not in no_model.stderr
    nothing = predict_cli(repo)
    assert nothing.returncode == 1 and "--file" in nothing.stderr
    usage = predict_cli(repo, "x", "--format", "xml")
    assert usage.returncode == 2


def test_a_killed_train_stage_reruns_and_finishes(pipeline: tuple[Path, set[str]]) -> None:
    """SIGKILL during training leaves the previous model, and the next `dvc repro` reruns train."""
    repo, _ = pipeline
    model_before = (repo / "data/model.keras").read_bytes()
    log = repo.parent / "killed.log"
    with params_changed(repo, {"train.epochs": 400, "train.early_stopping": 0}):
        with open(log, "w") as out:
            process = subprocess.Popen(
                ["dvc", "repro"],
                cwd=repo,
                env=repo_env(repo),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            deadline = time.monotonic() + 120
            while "Epoch 3/" not in log.read_text() and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.2)
            assert process.poll() is None, "training ended before it could be killed"
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # DVC removes a stage's outputs before running it; the atomic writes add that no
        # partial file ever takes their place.
        model = repo / "data/model.keras"
        assert not model.exists() or model.read_bytes() == model_before, "no half-written model"
        assert "train" in run(repo, "dvc", "status")
        assert repro(repo) >= {"train", "evaluate", "export_word2vec"}
        assert "up to date" in run(repo, "dvc", "status")


def test_a_download_killed_midway_leaves_nothing_and_the_rerun_finishes(
    pipeline: tuple[Path, set[str]], fixture_archive: Path
) -> None:
    """SIGKILL while the archive is downloading: no archive, no table; the next repro downloads."""
    repo, _ = pipeline
    reviews = repo / "data/raw/reviews.parquet"
    reviews_before = reviews.read_bytes()
    downloads = repo / "data/downloads"
    log = repo.parent / "killed-download.log"
    env = {key: value for key, value in repo_env(repo).items() if key != "IMDB_ARCHIVE"}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1"
    server = ArchiveServer(fixture_archive)
    try:
        with params_changed(repo, {"data.url": server.url, "data.md5": file_md5(fixture_archive)}):
            server.stall.set()
            with open(log, "w") as out:
                process = subprocess.Popen(
                    ["dvc", "repro"], cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
                )
            assert server.half_sent.wait(timeout=120), f"the download never started:\n{log.read_text()}"
            deadline = time.monotonic() + 20  # until pooch's temporary file exists
            while not list(downloads.glob("tmp*")):
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.1)
            assert process.poll() is None, f"the stage must still be downloading when it is killed:\n{log.read_text()}"
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            assert not (downloads / "aclImdb_v1.tar.gz").exists(), "a half download must not take the archive's name"
            assert not reviews.exists() or reviews.read_bytes() == reviews_before, "no table from a half archive"
            assert "download" in run(repo, "dvc", "status")

            server.stall.clear()
            done = subprocess.run(["dvc", "repro"], cwd=repo, env=env, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stdout + done.stderr
            assert "Running stage 'download'" in done.stdout
            assert sorted(p.name for p in downloads.iterdir()) == ["aclImdb_v1.tar.gz"], "partial download cleared"
            assert reviews.read_bytes() == reviews_before, "the same reviews give the same bytes"
            assert "up to date" in run(repo, "dvc", "status")
    finally:
        server.close()


# Imported by every Python process that gets this folder on PYTHONPATH: in the download stage,
# pyarrow's parquet writer is made to write half of its file and then SIGKILL the process.
KILL_DURING_PARQUET_WRITE = """
import os, signal, sys
if sys.argv and sys.argv[0].endswith("download.py"):
    import pyarrow.parquet as pq
    write_table = pq.ParquetWriter.write_table

    def write_a_row_group_then_die(self, table, *args, **kwargs):
        write_table(self, table, *args, **kwargs)  # a row group in, no footer yet
        os.kill(os.getpid(), signal.SIGKILL)

    pq.ParquetWriter.write_table = write_a_row_group_then_die
"""


def test_a_parquet_write_killed_midway_leaves_nothing_and_the_rerun_finishes(
    pipeline: tuple[Path, set[str]], tmp_path: Path
) -> None:
    """SIGKILL halfway through writing reviews.parquet: no table; the next repro rewrites it."""
    repo, _ = pipeline
    reviews = repo / "data/raw/reviews.parquet"
    reviews_before = reviews.read_bytes()
    (tmp_path / "sitecustomize.py").write_text(KILL_DURING_PARQUET_WRITE)
    killing_env = {**repo_env(repo), "PYTHONPATH": str(tmp_path)}
    # A param that download reads but that changes none of its output, so download really
    # reruns (the run cache knows the old value) and nothing downstream does.
    with params_changed(repo, {"data.url": "https://mirror.example.org/aclImdb_v1.tar.gz"}):
        killed = subprocess.run(["dvc", "repro"], cwd=repo, env=killing_env, capture_output=True, text=True)
        assert killed.returncode != 0 and "Running stage 'download'" in killed.stdout, killed.stdout + killed.stderr
        assert list(reviews.parent.glob(".reviews.*.tmp.parquet")), "the kill must land mid-write"
        assert not reviews.exists() or reviews.read_bytes() == reviews_before, "no half-written table"
        assert "download" in run(repo, "dvc", "status")

        assert repro(repo) == {"download"}
        assert reviews.read_bytes() == reviews_before
        assert [p.name for p in reviews.parent.iterdir()] == ["reviews.parquet"], "the half file is cleared"
        assert "up to date" in run(repo, "dvc", "status")


DATA_OUTPUTS = [
    "data/raw/reviews.parquet",
    "data/vocab.json",
    "data/encoded/train.npz",
    "data/encoded/test.npz",
    "data/padded/train.npz",
    "data/padded/test.npz",
    "data/split/train.npz",
    "data/split/val.npz",
    "data/split/index.npz",
    "data/word2vec/vectors.bin",
    "data/embedding.npy",
    "data/trained_embedding.npy",
    "data/model.keras",  # saved with fixed timestamps (models.save_model)
    "data/val_scores/keras.npz",
    "data/members/ngrams.npz",
    "data/val_scores/ngrams.npz",
    "data/ensemble.zip",
    "data/word2vec.txt",
    "metrics/evaluate.json",
]


@pytest.fixture(scope="module")
def committed(pipeline: tuple[Path, set[str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture run committed, with a local directory remote that holds its outputs."""
    repo, _ = pipeline
    remote = tmp_path_factory.mktemp("remote")
    run(repo, "dvc", "remote", "add", "-d", "storage", str(remote))
    commit_all(repo, "fixture run")
    run(repo, "dvc", "push")
    return repo


def test_push_then_pull_in_a_fresh_clone(committed: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    run(tmp_path, "git", "clone", "-q", str(committed), str(clone))
    run(clone, "dvc", "pull")
    assert "up to date" in run(clone, "dvc", "status")
    assert repro(clone) == set()
    assert run(clone, "dvc", "metrics", "show", "--json") == run(committed, "dvc", "metrics", "show", "--json")


def test_two_runs_from_empty_caches_are_identical(committed: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    shutil.copy(committed.parent / "aclImdb_v1.tar.gz", tmp_path)  # where repo_env points IMDB_ARCHIVE
    run(tmp_path, "git", "clone", "-q", str(committed), str(clone))
    run(clone, "dvc", "config", "--local", "cache.dir", str(tmp_path / "empty-cache"))
    # --force: length_stats' only outputs are git-tracked metrics, which a clone already has.
    assert repro(clone, "--force") == ALL_STAGES
    for output in DATA_OUTPUTS:
        assert (clone / output).read_bytes() == (committed / output).read_bytes(), output
    # A faithful reproduction changes only the run record under metrics/ (README: Reproducibility).
    # (run.json may even come out equal: the fixture's seconds are short and rounded.)
    changed = run(clone, "git", "status", "--porcelain", "--", "metrics").splitlines()
    assert {line.split()[-1] for line in changed} <= {"metrics/run.json"}, changed
    assert run(clone, "git", "status", "--porcelain", "--", "dvc.lock").strip() == "", "the same outputs, hashes"
    assert run(clone, "dvc", "metrics", "diff", "--targets", "metrics/evaluate.json").strip() == ""


def test_experiments_and_diffs(committed: Path) -> None:
    """`dvc exp run -S` runs a named experiment; exp show, params/metrics/plots diff report it."""
    repo = committed
    try:
        ran = run(repo, "dvc", "exp", "run", "-n", "fewer-epochs", "-S", "train.epochs=3")
        assert "Running stage 'train'" in ran and "Running stage 'download'" not in ran
        table = run(repo, "dvc", "exp", "show", "--csv")
        header, *rows = table.splitlines()
        assert "accuracy" in header and any(row.startswith("fewer-epochs,") for row in rows)
        assert re.search(r"train\.epochs\s+6\s+3", run(repo, "dvc", "params", "diff"))
        assert re.search(r"metrics/train\.json\s+epochs_run\s+6\s+3", run(repo, "dvc", "metrics", "diff"))
        plots = json.loads(run(repo, "dvc", "plots", "diff", "--json"))["data"]
        assert {"Loss", "Accuracy", "Confusion matrix", "ROC"} <= set(plots), list(plots)
    finally:
        run(repo, "git", "checkout", "--", "params.yaml", "dvc.lock", "metrics")
        run(repo, "dvc", "checkout")
