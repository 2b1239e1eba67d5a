"""The row-parallel stages here and on a real Dask cluster (`dask scheduler` and `dask worker`
processes on loopback, each worker in its own folder): the same bytes whatever the cut, the
place or the number of workers, and no review data in the task graph; lost workers, a worker out
of memory, a lost scheduler, an interrupted client; a TLS-only scheduler that refuses strangers;
`python -m imdb_sentiment cluster` through killed workers."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from fixture_cluster import LoopbackCluster, loopback_cluster, throwaway_tls
from fixture_repo import commit_all, make_repo, repo_env, run, set_params, sigint_as_in_a_terminal
from fixture_tables import TABLE_PARAMS, review_frame, write_csv, write_parquet
from remote_servers import S3_KEY
from vocab_reference import build_vocab

from imdb_sentiment.distributed import cluster
from imdb_sentiment.distributed.loopback import free_port
from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.pipeline.params import ClusterParams
from imdb_sentiment.scoring.classifier import part_scores
from imdb_sentiment.text.encoding import encode_part
from imdb_sentiment.text.tokenize import tokenize
from imdb_sentiment.text.tokenizing import tokenize_part
from imdb_sentiment.text.vocab import StreamingEncoder, encode

STAGES = ("tokenize_reviews", "reindex_vocab", "train_ngrams", "train_ending", "evaluate")
OUTPUTS = (
    "data/vocab.json",
    "data/encoded/train.npz",
    "data/encoded/test.npz",
    "data/members/ngrams.npz",
    "data/members/ending.npz",
    "data/val_scores/ngrams.npz",
    "data/val_scores/ending.npz",
    "metrics/ngrams.json",
    "metrics/ending.json",
    "metrics/evaluate.json",
    "metrics/evaluate/plots/sklearn/confusion_matrix.json",
    "metrics/evaluate/plots/sklearn/roc.json",
)
SECRET = "imdb-cluster-test-secret-3f9c"  # a credential in every environment: it must reach no log
TESTS = {"PYTHONPATH": str(Path(__file__).parent)}  # workers import this module's task functions


def settings(**changes: object) -> ClusterParams:
    values: dict[str, object] = {"scheduler": None, "partition_rows": 25_000, "retries": 2, "connect_timeout_s": 2.0}
    return ClusterParams(**{**values, **changes})  # type: ignore[arg-type]


def digests(repo: Path, paths: tuple[str, ...] = OUTPUTS) -> dict[str, str]:
    return {path: hashlib.md5((repo / path).read_bytes()).hexdigest() for path in paths}


def rerun(repo: Path, stages: tuple[str, ...], env: dict[str, str] | None = None, **params: object) -> str:
    """Force ``stages`` to run again with the cluster settings ``params`` and the environment ``env``."""
    set_params(repo / "params.yaml", {f"cluster.{key}": value for key, value in params.items()})
    done = subprocess.run(
        ["dvc", "repro", "-s", "-f", *stages],
        cwd=repo,
        env={**repo_env(repo), **(env or {})},
        capture_output=True,
        text=True,
    )
    run(repo, "git", "checkout", "params.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


# --- here, no cluster -------------------------------------------------------------------------


def test_without_a_scheduler_the_work_runs_here_and_dask_is_never_imported() -> None:
    script = textwrap.dedent(
        """
        import sys
        from imdb_sentiment.distributed import cluster
        from imdb_sentiment.pipeline.params import ClusterParams
        params = ClusterParams(scheduler=None, partition_rows=2, retries=0, connect_timeout_s=1.0)
        with cluster.runner(params) as work:
            parts = list(cluster.batch_parts([[1, 2], [3]]))
            print(work.where, cluster.run_parts(work, sum, parts), [p.label for p in parts])
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")))
        """
    )
    env = {key: value for key, value in os.environ.items() if key != cluster.SCHEDULER_VARIABLE}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.splitlines() == ["this process [3, 3] ['rows 0 to 2', 'rows 2 to 3']", "[]"]


@pytest.mark.parametrize("named_by", ["env", "param"])
def test_an_unreachable_scheduler_is_an_error_naming_it_not_a_local_run(
    named_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    if named_by == "env":
        monkeypatch.setenv(cluster.SCHEDULER_VARIABLE, address)
        params, setting = settings(scheduler="tcp://ignored:1"), "$DASK_SCHEDULER_ADDRESS"
    else:
        monkeypatch.delenv(cluster.SCHEDULER_VARIABLE, raising=False)
        params, setting = settings(scheduler=address), "params.yaml cluster.scheduler"
    with pytest.raises(PipelineError) as raised, cluster.runner(params):
        pytest.fail("the runner should not have opened")
    message = str(raised.value)
    assert message.startswith(f"cannot reach the Dask scheduler at {address} (named by {setting})")
    assert "\n" not in message


def test_parts_encode_to_build_vocab_and_encode_whatever_the_cut() -> None:
    texts = [f"w{i % 7} w{i % 3} the film {'good' if i % 2 else 'bad'} w{i}" for i in range(40)]
    splits = ["train" if i % 4 else "test" for i in range(40)]
    splits[5] = "unlabeled"
    table = pa.table({"split": splits, "label": [i % 2 for i in range(40)], "text": texts})
    train_tokens = [tokenize(t) for t, s in zip(texts, splits, strict=True) if s == "train"]
    expected_vocab = build_vocab(train_tokens, num_words=12)
    results = []
    for rows in (40, 7, 1):
        encoder = StreamingEncoder()
        flat: dict[str, list[np.ndarray]] = {"train": [], "test": []}
        for batch in table.to_batches(max_chunksize=rows):
            part = encode_part(tokenize_part(batch).to_batches()[0])
            provisional = encoder.merge(part.words, part.train_counts)
            for split, (ids, _, _) in part.splits.items():
                flat[split].append(provisional[ids])
        vocab, final = encoder.vocab(12)
        assert vocab == expected_vocab
        train_ids = final[np.concatenate(flat["train"])].tolist()
        assert train_ids == [i for tokens in train_tokens for i in encode(tokens, vocab)[1:]]
        results.append((vocab, train_ids, final[np.concatenate(flat["test"])].tolist()))
    assert results[0] == results[1] == results[2]


# --- a real cluster ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackCluster]:
    env = {"AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": SECRET, **TESTS}  # the workers' own credentials
    with loopback_cluster(tmp_path_factory.mktemp("cluster2"), 2, env=env) as running:
        yield running


@pytest.fixture(scope="module")
def cluster_repo(trained_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained fixture pipeline whose stages the tests rerun."""
    repo = tmp_path_factory.mktemp("cluster-repo") / "repo"
    shutil.copytree(trained_repo, repo, symlinks=True)
    shutil.copy(trained_repo.parent / "aclImdb_v1.tar.gz", repo.parent / "aclImdb_v1.tar.gz")
    return repo


@pytest.mark.slow
def test_the_outputs_are_the_same_bytes_here_in_parts_and_on_one_or_two_workers(
    cluster_repo: Path, two_workers: LoopbackCluster, tmp_path: Path
) -> None:
    reference = digests(cluster_repo)  # written by `dvc repro` here, in one part (460 reviews < 25,000)
    variants = {
        "here, 4 parts of 115": ({}, {"partition_rows": 115}),
        "2 workers, 10 parts of 50": (two_workers.client_env(), {"partition_rows": 50}),
        "2 workers, 1 part": (two_workers.client_env(), {}),
    }
    for name, (env, params) in variants.items():
        log = rerun(cluster_repo, STAGES, env, **params)
        assert digests(cluster_repo) == reference, name
        if env:
            assert f"row-parallel work goes to the Dask cluster at {two_workers.address}" in log
            assert "encode_part: 10 parts" in log or params == {}
    with loopback_cluster(tmp_path / "one", 1) as one_worker:
        rerun(cluster_repo, STAGES, one_worker.client_env(), partition_rows=115)
    assert digests(cluster_repo) == reference, "1 worker, 4 parts"
    assert SECRET not in two_workers.logs()


@pytest.mark.slow
def test_a_csv_corpus_gives_the_same_bytes_here_and_on_two_workers(
    fixture_archive: Path, two_workers: LoopbackCluster, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path, fixture_archive)
    write_csv(review_frame(), repo / "reviews" / "reviews.csv")
    set_params(repo / "params.yaml", {**TABLE_PARAMS, "data.table.path": "reviews/reviews.csv"})
    run(repo, "dvc", "repro", "train_ngrams", "train_ending")
    outputs = tuple(path for path in OUTPUTS if not path.startswith("metrics/evaluate"))
    reference = digests(repo, outputs)
    commit_all(repo, "csv corpus")
    rerun(repo, STAGES[:3], two_workers.client_env(), partition_rows=60)
    assert digests(repo, outputs) == reference


@pytest.mark.slow
def test_workers_read_your_files_from_s3_themselves_into_the_same_table(
    two_workers: LoopbackCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Parquet file's three row groups and a CSV file in moto's S3, each a task that carries the
    file's URL: the reviews table of a local read, byte for byte."""
    import boto3
    import pyarrow.parquet as pq
    from remote_servers import s3_server

    from imdb_sentiment.sources.tables import TableSpec, write_table_source

    frame = review_frame()
    parquet = tmp_path / "part-1.parquet"
    pq.write_table(
        pq.read_table(write_parquet(frame.iloc[:250], tmp_path / "tmp.parquet")), parquet, row_group_size=100
    )
    csv = write_csv(frame.iloc[250:], tmp_path / "part-2.csv")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    with s3_server() as remote:
        endpoint = remote.shared["endpointurl"]
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        for path in (parquet, csv):
            s3.upload_file(str(path), "imdb-team", f"corpus/{path.name}")
        columns = TABLE_PARAMS["data.table.columns"]
        spec = TableSpec("s3://imdb-team/corpus/", "auto", columns, TABLE_PARAMS["data.table.labels"], 0.2, 0,
                         storage_options={"endpoint_url": endpoint})  # fmt: skip
        here = write_table_source(spec, str(tmp_path / "here.parquet")).as_dict()
        work = cluster.DaskRunner(two_workers.address, "the test", settings())
        try:
            there = write_table_source(spec, str(tmp_path / "there.parquet"), work).as_dict()
        finally:
            work.close()
    assert len(work.times.seconds) == 4  # three row groups and the CSV file
    assert (tmp_path / "here.parquet").read_bytes() == (tmp_path / "there.parquet").read_bytes()
    assert here == there and here["files"] == [
        "s3://imdb-team/corpus/part-1.parquet",
        "s3://imdb-team/corpus/part-2.csv",
    ]
    assert SECRET not in two_workers.logs()


@pytest.mark.slow
def test_predict_file_gives_the_same_output_here_and_on_two_workers(
    cluster_repo: Path, two_workers: LoopbackCluster, tmp_path: Path
) -> None:
    reviews = tmp_path / "reviews.txt"
    reviews.write_text(
        "".join(f"review {i}: a great film, wonderful\nreview {i}: dull and awful\n" for i in range(1500))
    )
    set_params(cluster_repo / "params.yaml", {"cluster.partition_rows": 1024})  # 3,000 reviews: three parts
    outputs = {}
    for where, env in {"here": {}, "cluster": two_workers.client_env()}.items():
        out = tmp_path / f"{where}.csv"
        done = subprocess.run(
            [sys.executable, "-m", "imdb_sentiment", "predict", "--file", str(reviews), "--output", str(out)],
            cwd=cluster_repo, env={**repo_env(cluster_repo), **env}, capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs[where] = out.read_bytes()
        if env:
            assert f"the Dask cluster at {two_workers.address}" in done.stderr
            assert f"{part_scores.__name__}: 3 parts" in done.stderr
    run(cluster_repo, "git", "checkout", "params.yaml")
    assert outputs["here"] == outputs["cluster"]
    assert outputs["here"].count(b"\n") == 3001


def slow_part(payload: tuple[int, float]) -> int:
    time.sleep(payload[1])
    return payload[0]


def hog_memory(payload: int) -> int:
    chunks = []
    for _ in range(200):  # up to 10 GB, 50 MB at a time: the nanny stops the worker long before
        chunks.append(np.ones(50_000_000 // 8))
        time.sleep(0.02)
    return payload


@pytest.mark.slow
def test_a_worker_killed_mid_task_costs_a_retry_not_a_result(two_workers: LoopbackCluster) -> None:
    from distributed import Client

    parts = [cluster.Part(cluster.rows_label(i, i + 1), (i, 0.5)) for i in range(8)]
    with Client(two_workers.address, set_as_default=False) as watcher:
        pids = watcher.run(os.getpid)
        work = cluster.DaskRunner(two_workers.address, "the test", settings())
        try:
            results = work.map(slow_part, parts)
            first = next(results)
            busy = next(worker for worker, keys in watcher.processing().items() if keys)
            os.kill(pids[busy], signal.SIGKILL)
            rest = list(results)
        finally:
            work.close()
        assert [first, *rest] == list(range(8))
        watcher.wait_for_workers(2, timeout=60)  # the nanny started a new worker
    assert "Remove worker" in two_workers.log("scheduler") or "removed" in two_workers.log("scheduler").lower()


@pytest.mark.slow
def test_a_worker_out_of_memory_is_reported_with_its_part(tmp_path: Path) -> None:
    env = {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1", **TESTS}
    with loopback_cluster(tmp_path, 1, memory_limit="400MB", env=env) as small:
        work = cluster.DaskRunner(small.address, "the test", settings())
        try:
            parts = [cluster.Part("rows 0 to 1", 0), cluster.Part("rows 1 to 2", 1)]
            with pytest.raises(PipelineError) as raised:
                list(work.map(hog_memory, parts))
        finally:
            work.close()
    message = str(raised.value)
    assert message.startswith("rows 0 to 1 was lost with every worker it ran on")
    assert "out of memory" in message


@pytest.mark.slow
def test_a_tls_only_scheduler_refuses_strangers_and_runs_a_holder_s_stage(cluster_repo: Path, tmp_path: Path) -> None:
    tls = throwaway_tls(tmp_path / "tls")
    stranger = throwaway_tls(tmp_path / "other", name="stranger")
    reference = digests(cluster_repo)
    secret_env = {"AWS_SECRET_ACCESS_KEY": SECRET}
    with loopback_cluster(tmp_path / "cluster", 1, tls=tls, env=secret_env) as secure:
        for who, env in {
            "no certificate": {"DASK_SCHEDULER_ADDRESS": secure.address},
            "another CA's certificate": stranger.client_env() | {"DASK_SCHEDULER_ADDRESS": secure.address},
            "plain TCP": {"DASK_SCHEDULER_ADDRESS": secure.address.replace("tls://", "tcp://")},
        }.items():
            done = subprocess.run(
                [sys.executable, "stages/tokenize_reviews.py", "--reviews=data/raw/reviews.parquet",
                 f"--out={tmp_path}/t.out"],
                cwd=cluster_repo, env={**repo_env(cluster_repo), **env}, capture_output=True, text=True,
            )  # fmt: skip
            assert done.returncode == 1, who
            error = done.stderr.strip().splitlines()[-1]
            assert error.startswith("error: cannot reach the Dask scheduler at "), (who, done.stderr)
            assert not list(tmp_path.glob("*.out")), who
        log = rerun(cluster_repo, STAGES, {**secure.client_env(), **secret_env}, partition_rows=115)
        assert "row-parallel work goes to the Dask cluster at tls://" in log
        assert digests(cluster_repo) == reference
        assert SECRET not in secure.logs() + log


@pytest.mark.slow
def test_a_stage_interrupted_on_the_client_leaves_no_output_and_no_tasks(
    cluster_repo: Path, two_workers: LoopbackCluster
) -> None:
    from distributed import Client

    repo = cluster_repo
    model = repo / "data/members/ngrams.npz"
    before = model.read_bytes()
    set_params(repo / "params.yaml", {"cluster.partition_rows": 1})  # hundreds of tiny tasks
    try:
        stage = subprocess.Popen(
            [sys.executable, "stages/train_ngrams.py", "--train", "data/encoded/train.npz", "--index",
             "data/split/index.npz", "--vocab", "data/vocab.json", "--model", "interrupted.npz",
             "--val-scores", "interrupted-scores.npz", "--metrics", "interrupted.json"],
            cwd=repo, env={**repo_env(repo), **two_workers.client_env()},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=sigint_as_in_a_terminal,
        )  # fmt: skip
        assert stage.stdout is not None
        for line in stage.stdout:
            if "row-parallel work goes to" in line:
                break
        time.sleep(1.0)
        assert stage.poll() is None, "the stage ended before it could be interrupted"
        stage.send_signal(signal.SIGINT)
        stage.wait(60)
    finally:
        run(repo, "git", "checkout", "params.yaml")
    assert stage.returncode != 0
    assert not list(repo.glob("interrupted*")) and not list(repo.glob(".interrupted*"))
    assert model.read_bytes() == before
    with Client(two_workers.address, set_as_default=False) as watcher:
        deadline = time.monotonic() + 30
        while any(watcher.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(watcher.processing().values())


def shifted_sums(packed: tuple[np.ndarray, np.ndarray], tables: list[np.ndarray], shift: int) -> np.ndarray:
    """A part of packed rows against shared tables, as ``part_features`` takes them."""
    ids, offsets = packed
    return np.add.reduceat(ids, offsets[:-1]) + tables[0][: offsets.size - 1] + tables[1].sum() + shift


class Said(logging.Handler):
    """Every record of a logger, whatever its propagation (distributed's loggers do not propagate)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.mark.slow
def test_parts_and_shared_values_travel_outside_the_task_graph(two_workers: LoopbackCluster) -> None:
    """About 8 MiB of parts (tuples of arrays, as the n-gram stages send) and 3 MiB of shared
    tables: with a warning threshold of 1 MiB, Dask would warn of a large graph were either in
    it. The results are the local runner's, byte for byte."""
    import dask

    rng = np.random.default_rng(0)
    ids = rng.integers(0, 50_000, size=1_000_000, dtype=np.int64)
    offsets = np.arange(0, 1_000_001, 100, dtype=np.int64)  # 10,000 rows of 100 ids
    cuts = cluster.row_ranges(offsets.size - 1, 2_500)
    packed = [(ids[offsets[first] : offsets[end]], offsets[first : end + 1] - offsets[first]) for first, end in cuts]
    parts = [cluster.Part(cluster.rows_label(*cut), payload) for cut, payload in zip(cuts, packed, strict=True)]
    shared = {"tables": [rng.integers(0, 9, size=200_000), rng.integers(0, 9, size=200_000)], "shift": 3}
    here = cluster.run_parts(cluster.LocalRunner(2_500), shifted_sums, parts, shared)
    said = Said()
    logging.getLogger("distributed").addHandler(said)
    try:
        with (
            dask.config.set({"distributed.admin.large-graph-warning-threshold": "1MiB"}),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            work = cluster.DaskRunner(two_workers.address, "the test", settings())
            try:
                there = cluster.run_parts(work, shifted_sums, parts, shared)
            finally:
                work.close()
    finally:
        logging.getLogger("distributed").removeHandler(said)
    assert len(there) == 4 and [a.tobytes() for a in there] == [a.tobytes() for a in here]
    warned = [str(warning.message) for warning in caught] + said.messages
    assert not [message for message in warned if "large graph" in message.lower()], warned


@pytest.mark.slow
def test_a_lost_scheduler_ends_a_stage_with_one_line_naming_it_and_nothing_written(tmp_path: Path) -> None:
    """A stage (run_stage, as stages/*.py run) whose scheduler is killed while its parts run."""
    script = textwrap.dedent(
        """
        from pathlib import Path
        from imdb_sentiment.distributed import cluster
        from imdb_sentiment.pipeline.io import atomic_output
        from imdb_sentiment.pipeline.params import ClusterParams
        from imdb_sentiment.pipeline.stage import run_stage
        from test_cluster import slow_part

        def main():
            params = ClusterParams(scheduler=None, partition_rows=1, retries=0, connect_timeout_s=2.0)
            with cluster.runner(params) as work:
                results = work.map(slow_part, [cluster.Part(f"rows {i} to {i + 1}", (i, 0.5)) for i in range(40)])
                first = next(results)
                print("first part done", flush=True)
                with atomic_output("out.txt") as tmp:
                    Path(tmp).write_text(str([first, *results]))

        run_stage(main)
        """
    )
    with loopback_cluster(tmp_path / "cluster", 1, env=TESTS) as doomed:
        stage = subprocess.Popen(
            [sys.executable, "-c", script], cwd=tmp_path, env={**os.environ, **TESTS, **doomed.client_env()},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert stage.stdout is not None and stage.stdout.readline() == "first part done\n"
        os.kill(doomed.process_id("scheduler"), signal.SIGKILL)
        _, stderr = stage.communicate(timeout=120)
    assert stage.returncode == 1, stderr
    error = stderr.strip().splitlines()[-1]
    assert error.startswith(f"error: lost the Dask scheduler at {doomed.address} (at rows "), stderr
    assert "Traceback" not in stderr and "CancelledError" not in error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cluster"]  # no out.txt, no temporary


def worker_pids(client: Any, gone: set[int], count: int, timeout_s: float = 90) -> dict[str, int]:
    """The worker processes' ids by worker name, once there are ``count`` and none of ``gone``."""
    deadline = time.monotonic() + timeout_s
    while True:
        ran = client.run(os.getpid, on_error="return")
        names = {address: info["name"] for address, info in client.scheduler_info(n_workers=-1)["workers"].items()}
        pids = {names[address]: pid for address, pid in ran.items() if isinstance(pid, int) and address in names}
        if len(pids) == count and not gone & set(pids.values()):
            return pids
        assert time.monotonic() < deadline, f"workers {pids}, waiting for {count} without {gone}"
        time.sleep(0.5)


@pytest.mark.slow
def test_the_cluster_command_outlives_a_killed_worker_and_a_killed_nanny(tmp_path: Path) -> None:
    """`python -m imdb_sentiment cluster --workers 2`: a worker process killed (its nanny starts it
    again), then a worker's nanny killed (the command starts it again), and the cluster still has
    two workers that run tasks; the scheduler killed ends the command with one line naming it."""
    import operator

    import psutil
    from distributed import Client

    command = subprocess.Popen(
        [sys.executable, "-m", "imdb_sentiment", "cluster", "--workers", "2", "--folder", str(tmp_path / "c")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={key: value for key, value in os.environ.items() if key != cluster.SCHEDULER_VARIABLE},
    )  # fmt: skip
    try:
        assert command.stdout is not None
        address = command.stdout.readline().split("=", 1)[1].split()[0]
        with Client(address, set_as_default=False, timeout=30) as client:
            client.wait_for_workers(2, timeout=120)
            pids = worker_pids(client, set(), 2)
            os.kill(pids["worker-0"], signal.SIGKILL)  # the worker process, not its nanny
            again = worker_pids(client, {pids["worker-0"]}, 2)
            assert client.submit(operator.add, 1, 2, pure=False).result(timeout=60) == 3
            nanny = psutil.Process(again["worker-1"]).ppid()
            os.kill(nanny, signal.SIGKILL)  # the nanny: its worker process ends with it
            worker_pids(client, {again["worker-1"]}, 2)
            assert client.submit(operator.add, 2, 3, pure=False).result(timeout=60) == 5
            assert command.poll() is None
            started = psutil.Process(command.pid).children(recursive=True)
            scheduler = next(child.pid for child in started if "scheduler" in child.cmdline())
        os.kill(scheduler, signal.SIGKILL)
        stdout, stderr = command.communicate(timeout=120)
    finally:
        if command.poll() is None:
            command.send_signal(signal.SIGINT)
            command.wait(60)
    assert "worker-1 exited (-9): started it again" in stdout, stdout
    assert command.returncode == 1, stderr
    assert stderr.strip().splitlines()[-1].startswith(f"error: the Dask scheduler at {address} exited (-9)"), stderr
    assert not [process for process in started if alive(process)], "the workers outlived the command"


def alive(process: Any) -> bool:
    import psutil

    try:
        return bool(process.is_running() and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False
