"""Experiment sweeps on a real Dask cluster (`dask scheduler` and `dask worker` processes on
loopback, each worker in its own folder), shared through a bare git origin and moto's S3 server:
every trial exactly once through a lost worker, a failed trial alone, a rerun that runs nothing,
two sweeps at once, a TLS-only scheduler that refuses strangers, credentials in no log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_cluster import LoopbackCluster, loopback_cluster, throwaway_tls
from fixture_repo import REPO, repo_env, run, sigint_as_in_a_terminal
from remote_servers import S3_KEY, S3_SECRET, add_remote, fresh_clone, s3_server, trained_clone

from imdb_sentiment.distributed import sweep
from imdb_sentiment.pipeline.io import PipelineError

WORKER_CREDENTIALS = {"AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET}


# --- the trials, no cluster -------------------------------------------------------------------------


def test_the_grid_is_dvc_s_grid_crossed_with_the_trials_file(tmp_path: Path) -> None:
    assert sweep.grid(["ensemble.C=0.3,1", "ngrams.C=0.1,1"]) == [
        ("ensemble.C=0.3", "ngrams.C=0.1"),
        ("ensemble.C=0.3", "ngrams.C=1"),
        ("ensemble.C=1", "ngrams.C=0.1"),
        ("ensemble.C=1", "ngrams.C=1"),
    ]
    trials = tmp_path / "trials.yaml"
    trials.write_text("- {pad.padding: pre, train: {model: lstm}}\n- {pad.padding: '3', ensemble.C: 0.5}\n")
    assert sweep.grid(["ngrams.C=0.1,1"], sweep.read_trials(trials)) == [
        ("pad.padding=pre", "train.model=lstm", "ngrams.C=0.1"),
        ("pad.padding=pre", "train.model=lstm", "ngrams.C=1"),
        ("pad.padding='3'", "ensemble.C=0.5", "ngrams.C=0.1"),  # a string that reads as a number stays one
        ("pad.padding='3'", "ensemble.C=0.5", "ngrams.C=1"),
    ]
    assert sweep.grid(["other.yaml:a=1,2"]) == [("other.yaml:a=1",), ("other.yaml:a=2",)]
    trials.write_text("[0.3, 1]\n")
    with pytest.raises(PipelineError, match=r"trial 1 is 0\.3, expected a mapping"):
        sweep.read_trials(trials)


def test_a_trial_s_name_is_its_commit_and_settings() -> None:
    name = sweep.trial_name("sweep", "a" * 40, ["ensemble.C=1", "ngrams.C=0.1"])
    assert name == sweep.trial_name("sweep", "a" * 40, ["ngrams.C=0.1", "ensemble.C=1"])  # order aside
    assert name != sweep.trial_name("sweep", "b" * 40, ["ensemble.C=1", "ngrams.C=0.1"])
    assert name != sweep.trial_name("sweep", "a" * 40, ["ensemble.C=3", "ngrams.C=0.1"])
    with pytest.raises(PipelineError, match="--name 'my sweep'"):
        sweep.make_trials("my sweep", "a" * 40, [("ensemble.C=1",)])


def test_unknown_params_and_test_metrics_are_refused() -> None:
    params = {"ensemble": {"C": 1.0}, "train": {"nbsvm": {"learning_rate": 0.01}}}
    sweep.check_params(params, ["ensemble.C=3", "train.nbsvm.learning_rate=0.1", "other.yaml:x=1", "+new=1"])
    with pytest.raises(PipelineError, match=r"-S train\.nbsvm\.lr=0\.1: params.yaml has no train\.nbsvm\.lr"):
        sweep.check_params(params, ["train.nbsvm.lr=0.1"])
    assert sweep.parse_metric(sweep.DEFAULT_METRIC, REPO) == sweep.Metric("metrics/ensemble.json", "val_accuracy")
    for test_figure in ("metrics/evaluate.json:accuracy", "metrics/ensemble.json:test_accuracy"):
        with pytest.raises(PipelineError, match="test-split figure"):
            sweep.parse_metric(test_figure, REPO)


def shown_state(rev: str, name: str | None, c: float, ngrams_c: float, metrics: dict[str, dict[str, float]]) -> dict:
    """One revision as `dvc exp show --json` gives it (params.yaml and metric files, trimmed)."""
    params = {"ensemble": {"C": c}, "ngrams": {"C": ngrams_c, "max_n": 3}, "seed": 42}
    return {
        "rev": rev,
        "name": name,
        "data": {
            "rev": rev,
            "params": {"params.yaml": {"data": params}, "other.yaml": {"data": {"a": 1}}},
            "metrics": {path: {"data": values} for path, values in metrics.items()},
        },
        "error": None,
        "experiments": None,
    }


def shown_metrics(ensemble: float, ngrams: float, accuracy: float) -> dict[str, dict[str, float]]:
    return {
        "metrics/ensemble.json": {"val_accuracy": ensemble, "folds": 5},
        "metrics/ngrams.json": {"val_accuracy": ngrams, "val_loss": 0.25},
        "metrics/evaluate.json": {"accuracy": accuracy},
        "metrics/run.json": {"seconds": ensemble * 100},  # the stages' run record: differs in every run
    }


def test_the_closing_table_has_the_swept_params_and_the_metrics_that_differ() -> None:
    """Sample `dvc exp show --json`: the workspace, the baseline (main), two of the sweep's trials,
    another experiment; hundreds of columns there, four here."""
    base = "9828e44b1c" + "0" * 30
    baseline = shown_state(base, "main", 1.0, 1.0, shown_metrics(0.91, 0.9, 0.92))
    trials = {
        "sweep-aaaa": shown_state("a" * 40, "sweep-aaaa", 0.3, 1.0, shown_metrics(0.9215, 0.9, 0.9288)),
        "sweep-bbbb": shown_state("b" * 40, "sweep-bbbb", 3.0, 1.0, shown_metrics(0.9125, 0.9, 0.93)),
        "other-cccc": shown_state("c" * 40, "other-cccc", 1.0, 0.1, shown_metrics(0.5, 0.5, 0.5)),
    }
    baseline["experiments"] = [{"revs": [state], "name": name, "executor": None} for name, state in trials.items()]
    shown = [{**shown_state("workspace", None, 9.0, 9.0, shown_metrics(0, 0, 0)), "experiments": None}, baseline]

    rows = sweep.exp_rows(shown, ["sweep-bbbb", "sweep-aaaa", "sweep-not-pulled"], leave_out=["metrics/run.json"])
    assert [row.name for row in rows] == ["main (9828e44)", "sweep-bbbb", "sweep-aaaa"]
    assert rows[1].params["ensemble.C"] == 3.0 and rows[1].params["other.yaml:a"] == 1
    assert rows[1].metrics["metrics/ensemble.json:val_accuracy"] == 0.9125
    trial_list = sweep.make_trials("sweep", base, [("ensemble.C=0.3",), ("ensemble.C=3",)])
    assert sweep.swept_params(trial_list) == ["ensemble.C"]
    assert sweep.format_table(rows, sweep.swept_params(trial_list)).splitlines() == [
        "Experiment      ensemble.C  val_accuracy  accuracy",
        "--------------  ----------  ------------  --------",
        "main (9828e44)         1.0          0.91      0.92",
        "sweep-bbbb             3.0        0.9125      0.93",
        "sweep-aaaa             0.3        0.9215    0.9288",
    ]  # the ngrams metrics, the folds and the params no trial set are the same in every row

    other = sweep.exp_rows(shown, ["other-cccc"], leave_out=["metrics/run.json"])
    assert "metrics/run.json:seconds" in sweep.exp_rows(shown, ["other-cccc"])[1].metrics
    assert sweep.format_table(other, ["ngrams.C", "other.yaml:a", "new"]).splitlines() == [
        "Experiment      ngrams.C  other.yaml:a  new  ensemble:val_accuracy  ngrams:val_accuracy  accuracy",
        "--------------  --------  ------------  ---  ---------------------  -------------------  --------",
        "main (9828e44)       1.0             1    -                   0.91                  0.9      0.92",
        "other-cccc           0.1             1    -                    0.5                  0.5       0.5",
    ]  # val_accuracy of two files: each with its file's name
    assert sweep.swept_params(
        [sweep.Trial("t", ("ngrams.C=0.1", "other.yaml:a=2", "+new=1")), sweep.Trial("u", ("ngrams.C=1",))]
    ) == ["ngrams.C", "other.yaml:a", "new"]


# --- the sweep on a real cluster ---------------------------------------------------------------------


def sweep_cli(clone: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "imdb_sentiment", "sweep", *args]
    return subprocess.run(command, cwd=clone, env={**repo_env(clone), **(env or {})}, capture_output=True, text=True)


def origin_experiments(origin: Path, commit: str) -> set[str]:
    return sweep.experiments_on(str(origin), commit)


@pytest.fixture(scope="module")
def sweep_team(trained_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """Clone A of the trained pipeline, pushed to a bare git origin and to moto's S3 (outputs and
    run cache); S3 is its default DVC remote (committed), its credentials in config.local only."""
    root = tmp_path_factory.mktemp("sweep")
    with s3_server() as s3:
        origin, a = trained_clone(trained_repo, root)
        add_remote(a, s3, commit_part=True)
        run(a, "dvc", "remote", "default", s3.name)
        run(a, "git", "add", "-A")
        run(a, "git", "-c", "user.name=a", "-c", "user.email=a@a", "commit", "-qm", "trained; team remote")
        run(a, "git", "remote", "set-url", "origin", str(origin))
        run(a, "git", "push", "-q", "origin", "HEAD:refs/heads/main")
        run(a, "dvc", "push", "--run-cache")
        commit = run(a, "git", "rev-parse", "HEAD").strip()
        yield {"root": root, "origin": origin, "a": a, "s3": s3, "commit": commit}


@pytest.fixture(scope="module")
def workers(sweep_team: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackCluster]:
    """Two workers that reach S3 with credentials of their own environment."""
    with loopback_cluster(tmp_path_factory.mktemp("sweep-cluster"), 2, env=WORKER_CREDENTIALS) as running:
        yield running


def kill_a_busy_worker(cluster: LoopbackCluster, killed: list[str], stop: threading.Event) -> None:
    """SIGKILL the first worker that has held a trial for 3 s (its nanny starts a new one)."""
    from distributed import Client

    with Client(cluster.address, set_as_default=False) as watcher:
        pids = watcher.run(os.getpid)
        busy_since: dict[str, float] = {}
        while not stop.is_set() and not killed:
            for worker, keys in watcher.processing().items():
                if keys and time.monotonic() - busy_since.setdefault(worker, time.monotonic()) > 3:
                    os.kill(pids[worker], signal.SIGKILL)
                    killed.append(worker)
                    break
            time.sleep(0.2)


@pytest.mark.slow
def test_four_trials_survive_a_killed_worker_reach_a_fresh_clone_and_are_not_run_again(
    sweep_team: dict, workers: LoopbackCluster
) -> None:
    a: Path = sweep_team["a"]
    workers.wait_for_workers(2)
    killed: list[str] = []
    stop = threading.Event()
    killer = threading.Thread(target=kill_a_busy_worker, args=(workers, killed, stop))
    killer.start()
    try:
        grid = ("-S", "ngrams.C=0.1,1", "-S", "ensemble.C=0.3,1", "--name", "grid", "--cluster", workers.address)
        done = sweep_cli(a, *grid)
    finally:
        stop.set()
        killer.join()
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert killed, "no worker was killed mid-trial"
    names = {sweep.trial_name("grid", sweep_team["commit"], trial) for trial in sweep.grid(grid[1:4:2])}
    assert origin_experiments(sweep_team["origin"], sweep_team["commit"]) == names  # each exactly once
    table = done.stdout.split("\nbest: ")[0]
    assert all(name in table for name in names), done.stdout
    best = done.stdout.split("\nbest: ")[1].split()[0]
    assert best in names and "metrics/ensemble.json:val_accuracy" in done.stdout

    teammate = fresh_clone(sweep_team["origin"], sweep_team["root"] / "teammate", [sweep_team["s3"]])
    run(teammate, "dvc", "exp", "pull", "origin")
    shown = run(teammate, "dvc", "exp", "show", "--md", "--no-pager")
    rows = [line for line in shown.splitlines() if any(name in line for name in names)]
    assert len(rows) == 4 and all(row.count("0.") >= 3 for row in rows), shown  # params and metrics

    again = sweep_cli(a, *grid)
    assert again.returncode == 0, again.stderr
    assert "4 trials, 4 already on origin, 0 to run" in again.stderr and "[1/" not in again.stderr
    logs = output + again.stdout + again.stderr + workers.logs()
    assert S3_SECRET not in logs


@pytest.mark.slow
def test_an_interrupted_sweep_resumes_and_runs_each_trial_once(sweep_team: dict, workers: LoopbackCluster) -> None:
    a: Path = sweep_team["a"]
    workers.wait_for_workers(2)
    grid = ("-S", "ensemble.C=0.6,0.8,1.2", "--name", "resume", "--cluster", workers.address)
    command = [sys.executable, "-m", "imdb_sentiment", "sweep", *grid]
    first = subprocess.Popen(
        command, cwd=a, env=repo_env(a), stderr=subprocess.PIPE, text=True, preexec_fn=sigint_as_in_a_terminal
    )
    assert first.stderr is not None
    for line in first.stderr:
        if line.startswith("[1/3]"):  # one trial finished, two to go
            break
    first.send_signal(signal.SIGINT)
    said = first.communicate(timeout=120)[1]
    assert first.returncode == 130 and "the same command resumes the sweep" in said, said
    again = sweep_cli(a, *grid)
    assert again.returncode == 0, again.stderr
    resumed = next(line for line in again.stderr.splitlines() if line.startswith("sweep resume at "))
    assert ": 3 trials, " in resumed and not resumed.endswith(" 3 to run") and ", 0 already on origin" not in resumed
    names = {sweep.trial_name("resume", sweep_team["commit"], [f"ensemble.C={c}"]) for c in ("0.6", "0.8", "1.2")}
    assert names <= origin_experiments(sweep_team["origin"], sweep_team["commit"])
    assert all(name in again.stdout for name in names)


@pytest.mark.slow
def test_a_bad_value_fails_its_trial_alone_on_a_local_cluster(sweep_team: dict, tmp_path: Path) -> None:
    """No --cluster: --workers processes here, reaching S3 with the clone's config.local."""
    a: Path = sweep_team["a"]
    trials = tmp_path / "trials.yaml"
    trials.write_text("- {ensemble.C: 0.5}\n- {ensemble.C: 2}\n- {ensemble.C: 4}\n- {ensemble.C: -1}\n")
    done = sweep_cli(a, "--trials", str(trials), "--name", "file", "--workers", "2")
    assert done.returncode == 1, done.stdout + done.stderr
    bad = sweep.trial_name("file", sweep_team["commit"], ["ensemble.C=-1"])
    good = {sweep.trial_name("file", sweep_team["commit"], [f"ensemble.C={c}"]) for c in (0.5, 2, 4)}
    assert f"failed: {bad}: " in done.stdout and "ensemble.C" in done.stdout.split(f"failed: {bad}: ")[1]
    assert good <= origin_experiments(sweep_team["origin"], sweep_team["commit"])
    assert bad not in origin_experiments(sweep_team["origin"], sweep_team["commit"])
    assert all(name in done.stdout for name in good) and "FAILED" in done.stderr
    assert S3_SECRET not in done.stdout + done.stderr


@pytest.mark.slow
def test_two_sweeps_from_two_clones_at_once_keep_their_own_experiments(
    sweep_team: dict, workers: LoopbackCluster
) -> None:
    a: Path = sweep_team["a"]
    b = fresh_clone(sweep_team["origin"], sweep_team["root"] / "b", [sweep_team["s3"]])
    run(b, "git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "--allow-empty", "-m", "b's work")
    run(b, "git", "push", "-q", "origin", "HEAD:refs/heads/b-work")
    commits = {clone: run(clone, "git", "rev-parse", "HEAD").strip() for clone in (a, b)}
    workers.wait_for_workers(2)
    grid = ("-S", "ensemble.C=0.7,1.5", "--name", "team", "--cluster", workers.address)
    env = repo_env(a)
    command = [sys.executable, "-m", "imdb_sentiment", "sweep", *grid]
    sweeps = [
        subprocess.Popen(command, cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for clone in (a, b)
    ]
    outputs = [process.communicate(timeout=900)[0] for process in sweeps]
    assert [process.returncode for process in sweeps] == [0, 0], outputs
    for clone, output in zip((a, b), outputs, strict=True):
        names = {sweep.trial_name("team", commits[clone], [f"ensemble.C={c}"]) for c in ("0.7", "1.5")}
        assert names <= origin_experiments(sweep_team["origin"], commits[clone])
        assert all(name in output for name in names)
    team_a = {n for n in origin_experiments(sweep_team["origin"], commits[a]) if n.startswith("team-")}
    team_b = {n for n in origin_experiments(sweep_team["origin"], commits[b]) if n.startswith("team-")}
    assert len(team_a) == len(team_b) == 2 and not team_a & team_b


@pytest.mark.slow
def test_a_tls_only_scheduler_refuses_a_stranger_and_runs_a_holder_s_trial(sweep_team: dict, tmp_path: Path) -> None:
    a: Path = sweep_team["a"]
    tls = throwaway_tls(tmp_path / "tls")
    with loopback_cluster(tmp_path / "cluster", 1, tls=tls, env=WORKER_CREDENTIALS) as secure:
        refused = sweep_cli(a, "-S", "ensemble.C=0.9", "--name", "tls", "--cluster", secure.address)
        assert refused.returncode == 1
        assert (
            refused.stderr.strip()
            .splitlines()[-1]
            .startswith(f"error: cannot reach the Dask scheduler at {secure.address} (named by --cluster)")
        ), refused.stderr
        done = sweep_cli(a, "-S", "ensemble.C=0.9", "--name", "tls", "--cluster", secure.address, env=tls.client_env())
        assert done.returncode == 0, done.stdout + done.stderr
        name = sweep.trial_name("tls", sweep_team["commit"], ["ensemble.C=0.9"])
        assert name in origin_experiments(sweep_team["origin"], sweep_team["commit"])
        assert S3_SECRET not in done.stdout + done.stderr + secure.logs()


@pytest.mark.slow
def test_what_a_worker_could_not_reproduce_is_refused_with_one_line(sweep_team: dict) -> None:
    root: Path = sweep_team["root"]
    clone = fresh_clone(sweep_team["origin"], root / "refusals", [sweep_team["s3"]])

    def refusal(*args: str) -> str:
        done = sweep_cli(clone, "-S", "ensemble.C=0.3", *args)
        assert done.returncode == 1, done.stdout + done.stderr
        return done.stderr.strip().splitlines()[-1]

    assert "test-split figure" in refusal("--metric", "metrics/evaluate.json:accuracy")
    assert refusal("-S", "ensemble.c=2") == "error: -S ensemble.c=2: params.yaml has no ensemble.c"
    (clone / "params.yaml").write_text((clone / "params.yaml").read_text() + "\n# a local edit\n")
    assert refusal().startswith("error: uncommitted changes")
    run(clone, "git", "checkout", "params.yaml")
    run(clone, "git", "-c", "user.name=c", "-c", "user.email=c@c", "commit", "-q", "--allow-empty", "-m", "local")
    assert " is not on origin " in refusal()
    run(clone, "git", "reset", "-q", "--hard", "origin/main")
    run(clone, "dvc", "remote", "default", "--unset")
    run(clone, "git", "-c", "user.name=c", "-c", "user.email=c@c", "commit", "-qam", "no default remote")
    run(clone, "git", "push", "-q", "origin", "HEAD:refs/heads/no-remote")
    assert refusal().startswith("error: no default DVC remote in the committed .dvc/config")
    run(clone, "git", "remote", "remove", "origin")
    assert refusal().startswith("error: this clone has no git remote 'origin'")


def test_the_sweep_never_imports_tensorflow_on_the_client() -> None:
    """The client only parses, connects and pulls: TensorFlow's seconds stay on the workers."""
    code = "import sys, imdb_sentiment.distributed.sweep, imdb_sentiment.cli; print('tensorflow' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
