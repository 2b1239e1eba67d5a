"""Experiment sweeps on a Dask cluster: every trial a ``dvc exp run`` in a fresh clone on a worker,
its result shared through the team's git origin and DVC remote.

A trial is a set of ``-S`` overrides (``dvc exp run --queue -S``'s syntax and grid meaning). On a
worker, a trial:

1. clones the git origin at the sweep's commit into the worker's own folder;
2. runs ``dvc exp run --pull -n NAME -S ...``: inputs and unchanged stages come from the DVC
   remote and its run cache, so only what the trial changes is computed;
3. pushes the experiment (``dvc exp push --run-cache origin NAME``): its git ref to the origin,
   its outputs and run cache to the DVC remote.

The client then pulls the finished experiments, prints a table of the sweep's rows (the swept
params and the metrics that differ between them, from ``dvc exp show --json``) and names the best
by a validation metric. A trial's name is the sweep's prefix and a digest of
the commit and its overrides: a trial already on the origin is not run again, so rerunning an
interrupted sweep resumes it, and sweeps from other commits never share a name.

Tasks carry the origin's URL, the commit and the overrides: never a credential. A worker reaches
the remotes with its own environment (``AWS_*``, ``~/.ssh``) or the DVC config file that its
``$IMDB_SWEEP_DVC_CONFIG`` names (copied into each trial's clone as ``.dvc/config.local``).
"""

from __future__ import annotations

import configparser
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from imdb_sentiment.distributed import cluster
from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.pipeline.params import ClusterParams

log = logging.getLogger(__name__)
CONFIG_VARIABLE = "IMDB_SWEEP_DVC_CONFIG"  # on a worker: a DVC config (credentials) for its trial clones
DEFAULT_METRIC = "metrics/ensemble.json:val_accuracy"
INTERRUPTED = "interrupted: finished trials are on origin; the same command resumes the sweep"
TEST_STAGE = "evaluate"  # the one stage that reads the test split: its metrics never choose a trial
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_PLAIN_STRING = re.compile(r"[A-Za-z_][\w./-]*")


# --- the trials ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    name: str
    overrides: tuple[str, ...]  # "[file:]param=value", as `dvc exp run -S` takes them


def hydra_value(value: Any) -> str:
    """A YAML value as `-S` override text (Hydra's grammar): strings that could read as something
    else are quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ",".join(hydra_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{key}:{hydra_value(item)}" for key, item in value.items()) + "}"
    text = str(value)
    if _PLAIN_STRING.fullmatch(text) and text.lower() not in {"true", "false", "null", "nan", "inf"}:
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def flat_trial(trial: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{ensemble: {C: 1}}`` and ``{ensemble.C: 1}`` alike as ``{"ensemble.C": 1}``."""
    flat: dict[str, Any] = {}
    for key, value in trial.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= flat_trial(value, f"{dotted}.")
        else:
            flat[dotted] = value
    return flat


def read_trials(path: Path) -> list[dict[str, Any]]:
    """A params file of trials: a YAML list (or ``trials:`` list) of mappings of param to value."""
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise PipelineError(f"--trials {path}: no such file") from None
    except yaml.YAMLError as exc:
        raise PipelineError(f"--trials {path}: not YAML ({str(exc).splitlines()[0]})") from None
    if isinstance(data, dict) and "trials" in data:
        data = data["trials"]
    if not isinstance(data, list) or not data:
        raise PipelineError(f"--trials {path}: expected a list of trials, each a mapping such as {{ensemble.C: 0.3}}")
    for number, trial in enumerate(data, 1):
        if not isinstance(trial, dict) or not trial:
            raise PipelineError(f"--trials {path}: trial {number} is {trial!r}, expected a mapping of param to value")
    return [flat_trial(trial) for trial in data]


def grid(set_params: Sequence[str], trials: Sequence[Mapping[str, Any]] = ()) -> list[tuple[str, ...]]:
    """Every trial's overrides: each trial of the file (or none) crossed with the ``-S`` grid,
    expanded as ``dvc exp run --queue -S`` expands it (DVC's own parser)."""
    from dvc.utils.cli_parse import to_path_overrides
    from dvc.utils.hydra import get_hydra_sweeps

    try:
        sweeps = get_hydra_sweeps(to_path_overrides(list(set_params))) if set_params else [{}]
    except Exception as exc:  # Hydra's grammar errors have no common base worth naming
        raise PipelineError(f"-S {' -S '.join(set_params)}: {str(exc).splitlines()[0]}") from None
    bases = [tuple(f"{key}={hydra_value(value)}" for key, value in trial.items()) for trial in trials] or [()]
    overrides = []
    for base in bases:
        for sweep in sweeps:
            swept = tuple(
                override if path == "params.yaml" else f"{path}:{override}"
                for path, path_overrides in sweep.items()
                for override in path_overrides
            )
            overrides.append(base + swept)
    return list(dict.fromkeys(overrides))


_MISSING = object()


def dotted(mapping: Mapping[str, Any], key: str) -> Any:
    """``mapping["a"]["b"]`` for ``"a.b"``; ``_MISSING`` where a part is absent."""
    value: Any = mapping
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def check_params(params: Mapping[str, Any], overrides: Sequence[str]) -> None:
    """Each params.yaml override names a param that exists (a misspelt key would be a new,
    unused param, and a trial that changes nothing)."""
    for override in overrides:
        key = override.split("=", 1)[0]
        if ":" in key or key.startswith(("+", "~")):  # another params file; Hydra's add / delete
            continue
        if dotted(params, key) is _MISSING:
            raise PipelineError(f"-S {override}: params.yaml has no {key}")


def trial_name(prefix: str, commit: str, overrides: Sequence[str]) -> str:
    """The same trial of the same commit always has the same name; any other has another."""
    digest = hashlib.blake2b("\0".join([commit, *sorted(overrides)]).encode(), digest_size=5).hexdigest()
    return f"{prefix}-{digest}"


def make_trials(prefix: str, commit: str, overrides: Sequence[tuple[str, ...]]) -> list[Trial]:
    if not _NAME.fullmatch(prefix):
        raise PipelineError(f"--name {prefix!r}: expected letters, digits, '.', '_' or '-' (a git ref's name)")
    return [Trial(trial_name(prefix, commit, trial), trial) for trial in overrides]


@dataclass(frozen=True)
class Metric:
    path: str
    key: str

    def __str__(self) -> str:
        return f"{self.path}:{self.key}"


def parse_metric(text: str, repo: Path) -> Metric:
    """FILE:KEY of a metric no test split has touched."""
    path, _, key = text.rpartition(":")
    if not path or not key:
        raise PipelineError(f"--metric {text}: expected FILE:KEY, such as {DEFAULT_METRIC}")
    test_outputs = stage_outputs(repo / "dvc.yaml", TEST_STAGE)
    if path in test_outputs or "test" in key.lower():
        raise PipelineError(
            f"--metric {text}: that is a test-split figure (stage {TEST_STAGE}); trials are chosen on "
            f"validation, such as {DEFAULT_METRIC}"
        )
    return Metric(path, key)


def stage_outputs(dvc_yaml: Path, stage: str) -> set[str]:
    """The paths a stage writes (outs, metrics, plots), as dvc.yaml names them."""
    definition = (yaml.safe_load(dvc_yaml.read_text(encoding="utf-8")).get("stages") or {}).get(stage, {})
    paths = set()
    for section in ("outs", "metrics", "plots"):
        for entry in definition.get(section, []):
            paths.add(next(iter(entry)) if isinstance(entry, dict) else str(entry))
    return paths


# --- the user's clone -----------------------------------------------------------------------------


def git(repo: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if check and done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise PipelineError(f"git {' '.join(args)} in {repo}: {reason}")
    return done.stdout.strip() if done.returncode == 0 else ""


@dataclass(frozen=True)
class Baseline:
    """What every trial starts from: a commit the origin has, and the DVC remote the clones use."""

    repo: Path
    commit: str
    origin: str


def baseline(repo: Path) -> Baseline:
    """The sweep's commit, refusing with one line what a worker could not reproduce."""
    origin = git(repo, "remote", "get-url", "origin", check=False)
    if not origin:
        raise PipelineError("this clone has no git remote 'origin': the workers clone the team's origin")
    if "://" not in origin and ":" not in origin.split("/")[0] and (repo / origin).exists():
        origin = str((repo / origin).resolve())  # a folder: the workers clone it by its absolute path
    if re.match(r"[a-z+]+://[^/@]*:[^/@]*@", origin):
        raise PipelineError("origin's URL holds a password: give the workers a git credential helper instead")
    if git(repo, "status", "--porcelain", "--untracked-files=no"):
        raise PipelineError("uncommitted changes (git status): the workers run a commit, so commit and push them")
    commit = git(repo, "rev-parse", "HEAD")
    fetched = subprocess.run(["git", "fetch", "-q", "origin"], cwd=repo, capture_output=True, text=True)
    if fetched.returncode != 0:
        raise PipelineError(f"cannot fetch origin ({origin}): {fetched.stderr.strip()}")
    if not git(repo, "for-each-ref", "--contains", commit, "refs/remotes/origin"):
        raise PipelineError(f"commit {commit[:10]} is not on origin ({origin}): git push it first")
    committed = git(repo, "show", f"{commit}:.dvc/config", check=False)
    config = configparser.ConfigParser()
    config.read_string(committed)
    if not config.has_option("core", "remote"):
        raise PipelineError(
            "no default DVC remote in the committed .dvc/config: the workers pull inputs from it and push "
            "results to it (dvc remote add -d NAME URL, then commit .dvc/config)"
        )
    return Baseline(repo, commit, origin)


def experiments_on(origin: str, commit: str) -> set[str]:
    """Names of the experiments of ``commit`` that the origin holds (refs/exps/AB/CDEF.../NAME)."""
    pattern = f"refs/exps/{commit[:2]}/{commit[2:]}/*"
    refs = subprocess.run(["git", "ls-remote", origin, pattern], capture_output=True, text=True, check=True).stdout
    return {line.rsplit("/", 1)[-1] for line in refs.splitlines() if line.strip()}


# --- a trial, on a worker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrialTask:
    """A task's whole payload: where the code is and what to set. No credential is ever here."""

    origin: str
    commit: str
    trial: Trial
    metric: Metric


@dataclass(frozen=True)
class TrialResult:
    name: str
    status: Literal["done", "failed", "on origin"]
    seconds: float = 0.0
    worker: str = ""
    value: float | None = None  # the sweep's metric
    error: str = ""


# A trial's commands die with the worker that started them (Linux), so a worker lost mid-trial
# leaves no second copy pushing the same experiment.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys; ctypes.CDLL(None).prctl(1, signal.SIGKILL); os.execvp(sys.argv[1], sys.argv[1:])"
)


def dvc_command() -> str:
    """The ``dvc`` of this environment (the lock's), whatever is first on PATH."""
    return str(Path(sys.executable).with_name("dvc"))


def _command(*args: str) -> list[str]:
    command = [dvc_command() if args[0] == "dvc" else args[0], *args[1:]]
    return [sys.executable, "-c", _DIE_WITH_PARENT, *command] if sys.platform == "linux" else command


def _tail(path: Path, lines: int = 12) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    kept = [line for line in text.splitlines() if line.strip() and "Traceback" not in line]
    return "\n".join(kept[-lines:])


def run_trial(task: TrialTask) -> TrialResult:
    """One trial in a fresh clone in this worker's folder; its clone is removed afterwards."""
    from distributed import get_worker

    worker = get_worker()
    name, started = task.trial.name, time.perf_counter()

    def result(status: Literal["done", "failed", "on origin"], **fields: Any) -> TrialResult:
        return TrialResult(name, status, round(time.perf_counter() - started, 1), str(worker.name), **fields)

    if name in experiments_on(task.origin, task.commit):  # a lost worker's run of it got that far
        return result("on origin")
    folder = Path(worker.local_directory) / "trials" / f"{name}-{uuid.uuid4().hex[:8]}"
    clone, trial_log = folder / "repo", folder / "trial.log"
    env = {key: value for key, value in os.environ.items() if key != cluster.SCHEDULER_VARIABLE}
    env["PYTHONPATH"] = str(clone / "src")  # the stages import the commit's package,
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])  # on this env's packages
    try:
        folder.mkdir(parents=True)
        with trial_log.open("w") as out:

            def step(*args: str, cwd: Path = clone) -> bool:
                out.write(f"$ {' '.join(args)}\n")
                out.flush()
                done = subprocess.run(_command(*args), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
                return done.returncode == 0

            if not step("git", "clone", "-q", "--no-checkout", task.origin, str(clone), cwd=folder):
                return result("failed", error=f"git clone of the origin failed:\n{_tail(trial_log)}")
            if not step("git", "checkout", "-q", task.commit):
                return result("failed", error=f"the origin has no commit {task.commit[:10]}:\n{_tail(trial_log)}")
            if not git(clone, "config", "user.email", check=False):  # dvc exp commits need an author
                git(clone, "config", "user.name", "imdb-sentiment sweep")
                git(clone, "config", "user.email", f"sweep@{worker.name}")
            if os.environ.get(CONFIG_VARIABLE):
                shutil.copyfile(os.environ[CONFIG_VARIABLE], clone / ".dvc" / "config.local")
            overrides = [flag for override in task.trial.overrides for flag in ("-S", override)]
            if not step("dvc", "exp", "run", "--pull", "-n", name, *overrides):
                return result("failed", error=_tail(trial_log))
            value = metric_value(json.loads((clone / task.metric.path).read_text()), task.metric)
            if not step("dvc", "exp", "push", "--run-cache", "origin", name):
                if name in experiments_on(task.origin, task.commit):  # another sweep pushed it first
                    return result("on origin")
                return result("failed", error=f"dvc exp push failed:\n{_tail(trial_log)}")
            return result("done", value=value)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def metric_value(metrics: Mapping[str, Any], metric: Metric) -> float | None:
    value = dotted(metrics, metric.key)
    return float(value) if isinstance(value, int | float) else None


# --- the sweep, on the client ---------------------------------------------------------------------


@dataclass
class Sweep:
    baseline: Baseline
    trials: list[Trial]
    metric: Metric
    results: dict[str, TrialResult] = field(default_factory=dict)

    @property
    def finished(self) -> list[str]:
        return [t.name for t in self.trials if t.name in self.results and self.results[t.name].status != "failed"]

    @property
    def failed(self) -> list[TrialResult]:
        return [r for r in self.results.values() if r.status == "failed"]


@contextmanager
def cluster_client(address: str | None, workers: int, params: ClusterParams, repo: Path) -> Iterator[Any]:
    """A client of the named scheduler (checked as the stages check it: TLS, the workers' code),
    or of a loopback cluster of ``workers`` one-thread workers that lives as long as the sweep."""
    from imdb_sentiment.distributed.loopback import loopback_cluster

    with ExitStack() as stack:
        named = (address, "--cluster") if address else cluster.scheduler_address(params)
        if named is None:
            credentials = repo / ".dvc" / "config.local"
            env = {CONFIG_VARIABLE: str(credentials)} if credentials.is_file() else {}
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="imdb-sweep-"))
            local = stack.enter_context(loopback_cluster(Path(folder), workers, env=env))
            named = (local.address, f"the sweep's own cluster of {workers} workers on this machine")
        connection = cluster.DaskRunner(*named, params)
        stack.callback(connection.close)
        log.info("trials go to %s", connection.where)
        yield connection.client


def run_trials(client: Any, sweep: Sweep, pending: Sequence[Trial]) -> None:
    """Every pending trial as one task, results as they finish; a trial whose every worker was
    lost is a failure of that trial alone."""
    from distributed import KilledWorker, as_completed

    futures = {}
    for trial in pending:
        task = TrialTask(sweep.baseline.origin, sweep.baseline.commit, trial, sweep.metric)
        # A task key of its own: two sweeps on one scheduler never share a running trial's future.
        future = client.submit(run_trial, task, key=f"trial-{trial.name}-{uuid.uuid4().hex[:8]}", pure=False)
        futures[future.key] = (trial, future)
    try:
        for count, future in enumerate(as_completed([f for _, f in futures.values()], loop=client.loop), 1):
            trial, _ = futures[future.key]
            try:
                outcome = future.result()
            except KilledWorker as exc:
                outcome = TrialResult(trial.name, "failed", error=f"lost with every worker it ran on ({exc})")
            except Exception as exc:  # the trial's own code raised: its message, not the sweep's end
                outcome = TrialResult(trial.name, "failed", error=f"{type(exc).__name__}: {exc}")
            sweep.results[trial.name] = outcome
            log.info("[%d/%d] %s", count, len(pending), describe(outcome, trial, sweep.metric))
    finally:
        for _, future in futures.values():
            future.cancel()


def describe(outcome: TrialResult, trial: Trial, metric: Metric) -> str:
    settings = " ".join(trial.overrides)
    if outcome.status == "failed":
        return f"{trial.name} ({settings}) FAILED on {outcome.worker or 'the cluster'}:\n{outcome.error}"
    if outcome.status == "on origin":
        return f"{trial.name} ({settings}): already on origin"
    return f"{trial.name} ({settings}): {metric.key} {outcome.value} in {outcome.seconds:.0f} s on {outcome.worker}"


def reason(error: str) -> str:
    """The line of a trial's log that says why: a stage's own ``error:`` line, else the last."""
    lines = [line for line in error.splitlines() if line.strip()]
    starts = [number for number, line in enumerate(lines) if line.startswith("error: ")]
    if not starts:
        return lines[-1].strip() if lines else "no message"
    said = [lines[starts[-1]]]
    for line in lines[starts[-1] + 1 :]:  # an error's indented detail lines (e.g. the params at fault)
        if not line.startswith((" ", "\t")):
            break
        said.append(line.strip())
    return "; ".join(said)


def pull(sweep: Sweep) -> None:
    """The finished experiments into the user's clone: git refs from origin, outputs from the remote."""
    names = sweep.finished
    if not names:
        return
    done = subprocess.run(
        [dvc_command(), "exp", "pull", "origin", *names],
        cwd=sweep.baseline.repo, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise PipelineError(f"dvc exp pull origin {' '.join(names)}: {done.stderr.strip()[-1000:]}")


@dataclass(frozen=True)
class Row:
    """One experiment of the closing table: its params (``ensemble.C``, ``other.yaml:a``) and
    metrics (``metrics/ensemble.json:val_accuracy``), flat."""

    name: str
    params: dict[str, Any]
    metrics: dict[str, Any]


def flat_files(
    files: Mapping[str, Any] | None, default: str | None = None, leave_out: Collection[str] = ()
) -> dict[str, Any]:
    """``dvc exp show --json``'s ``{path: {"data": {...}}}`` as ``{"path:a.b": value}``; the
    ``default`` file's keys without their path (``-S``'s spelling of params.yaml)."""
    flat: dict[str, Any] = {}
    for path, content in (files or {}).items():
        if path in leave_out:
            continue
        data = (content or {}).get("data") or {}
        for key, value in flat_trial(data).items():
            flat[key if path == default else f"{path}:{key}"] = value
    return flat


def shown_row(state: Mapping[str, Any], name: str, leave_out: Collection[str]) -> Row:
    data = state.get("data") or {}
    return Row(name, flat_files(data.get("params"), "params.yaml"), flat_files(data.get("metrics"), None, leave_out))


def exp_rows(shown: Sequence[Mapping[str, Any]], names: Sequence[str], leave_out: Collection[str] = ()) -> list[Row]:
    """The baseline and the named experiments of ``dvc exp show --json``, in ``names``' order,
    without the metric files ``leave_out``."""
    rows: list[Row] = []
    found: dict[str, Mapping[str, Any]] = {}
    for state in shown:
        if state.get("rev") == "workspace":
            continue
        experiments = state.get("experiments") or []
        if not rows:
            label = state.get("name") or ""
            rows.append(shown_row(state, f"{label} ({state['rev'][:7]})" if label else state["rev"][:7], leave_out))
        for experiment in experiments:
            for revision in experiment.get("revs") or []:
                found.setdefault(revision.get("name") or experiment.get("name"), revision)
    return rows + [shown_row(found[name], name, leave_out) for name in names if name in found]


def swept_params(trials: Sequence[Trial]) -> list[str]:
    """The params the trials set, in their order, as ``-S`` spells them."""
    keys = (override.split("=", 1)[0].lstrip("+~") for trial in trials for override in trial.overrides)
    return list(dict.fromkeys(keys))


def differing(rows: Sequence[Row]) -> list[str]:
    """The metrics whose values are not the same in every row (absent counts as a value)."""
    keys = list(dict.fromkeys(key for row in rows for key in row.metrics))
    return [key for key in keys if len({repr(row.metrics.get(key, _MISSING)) for row in rows}) > 1]


def metric_headers(keys: Sequence[str]) -> list[str]:
    """Each ``path:key`` as its key alone where that is unique, else with its file's stem, else whole."""

    def unique(names: list[str]) -> bool:
        return len(set(names)) == len(names)

    bare = [key.rpartition(":")[2] for key in keys]
    stems = [f"{Path(key.rpartition(':')[0]).stem}:{name}" for key, name in zip(keys, bare, strict=True)]
    return [
        name if bare.count(name) == 1 else stem if unique(stems) else key
        for key, name, stem in zip(keys, bare, stems, strict=True)
    ]


def cell(value: Any, metric: bool) -> str:
    """A param as ``-S`` would set it (1.0 stays 1.0); a metric to 5 significant digits, as
    ``dvc exp show`` rounds it."""
    if value is _MISSING:
        return "-"
    if metric and isinstance(value, float):
        return f"{value:.5g}"
    return hydra_value(value)


def format_table(rows: Sequence[Row], params: Sequence[str]) -> str:
    """The rows' names, the swept ``params`` and the metrics that differ between them, as aligned
    columns (numbers right-aligned): a table a terminal shows whatever the number of metrics."""
    metrics = differing(rows)
    headers = ["Experiment", *params, *metric_headers(metrics)]
    values = [
        [
            row.name,
            *(row.params.get(key, _MISSING) for key in params),
            *(row.metrics.get(key, _MISSING) for key in metrics),
        ]
        for row in rows
    ]
    first_metric = 1 + len(params)
    cells = [
        [cell(value, index >= first_metric) if index else value for index, value in enumerate(row)] for row in values
    ]
    widths = [max(len(text) for text in column) for column in zip(headers, *cells, strict=True)]
    numbers = [
        index > 0 and all(isinstance(row[index], int | float) for row in values if row[index] is not _MISSING)
        for index in range(len(headers))
    ]

    def line(texts: Sequence[str]) -> str:
        return "  ".join(
            text.rjust(width) if number else text.ljust(width)
            for text, width, number in zip(texts, widths, numbers, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * width for width in widths]), *(line(row) for row in cells)])


def table(sweep: Sweep) -> str:
    """The baseline's and the sweep's rows of ``dvc exp show --json``: the swept params and the
    metrics that differ (``dvc exp show``'s own table has a column for every param and metric).
    The stages' run record is left out: its seconds differ in every run and say nothing of a trial."""
    from imdb_sentiment.pipeline.stage import RUN_RECORD

    done = subprocess.run(
        [dvc_command(), "exp", "show", "--json"],
        cwd=sweep.baseline.repo, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise PipelineError(f"dvc exp show --json: {done.stderr.strip()[-1000:]}")
    rows = exp_rows(json.loads(done.stdout), sweep.finished, leave_out=[RUN_RECORD])
    note = f"\n(metrics equal in every row, and {RUN_RECORD}, are left out: `dvc exp show` has them all)"
    return format_table(rows, swept_params(sweep.trials)) + note


def local_metric(repo: Path, ref: str, metric: Metric) -> float | None:
    """A pulled experiment's metric, from its git commit (metrics are git-tracked)."""
    text = git(repo, "show", f"{ref}:{metric.path}", check=False)
    return metric_value(json.loads(text), metric) if text else None


def best(sweep: Sweep, minimize: bool) -> tuple[str, float] | None:
    """The finished trial with the best metric, read from the pulled experiments."""
    refs = git(sweep.baseline.repo, "for-each-ref", "--format=%(refname)", "refs/exps").splitlines()
    by_name = {ref.rsplit("/", 1)[-1]: ref for ref in refs}
    values = {
        name: local_metric(sweep.baseline.repo, by_name[name], sweep.metric)
        for name in sweep.finished
        if name in by_name
    }
    scored = [(value, name) for name, value in values.items() if value is not None]
    if not scored:
        return None
    value, name = (min if minimize else max)(scored)
    return name, value


def run_sweep(
    repo: Path,
    set_params: Sequence[str],
    trials_file: Path | None,
    *,
    address: str | None,
    workers: int,
    prefix: str,
    metric_text: str,
    minimize: bool,
) -> int:
    """``python -m imdb_sentiment sweep``: refusals first, then the trials not yet on origin, the
    pull, the table and the best trial. Exit status 1 when any trial failed."""
    from imdb_sentiment.pipeline.params import load_params, read_params_file

    if not set_params and trials_file is None:
        raise PipelineError("nothing to sweep: give -S PARAM=VALUES (e.g. -S ensemble.C=0.3,1) or --trials FILE")
    metric = parse_metric(metric_text, repo)
    overrides = grid(set_params, read_trials(trials_file) if trials_file else ())
    params = read_params_file(repo / "params.yaml")
    for settings in overrides:
        check_params(params, settings)
    base = baseline(repo)
    sweep = Sweep(base, make_trials(prefix, base.commit, overrides), metric)
    on_origin = experiments_on(base.origin, base.commit)
    sweep.results = {t.name: TrialResult(t.name, "on origin") for t in sweep.trials if t.name in on_origin}
    pending = [trial for trial in sweep.trials if trial.name not in sweep.results]
    log.info(
        "sweep %s at %s: %d trials, %d already on origin, %d to run",
        prefix, base.commit[:10], len(sweep.trials), len(sweep.trials) - len(pending), len(pending),
    )  # fmt: skip
    if pending:
        with cluster_client(address, workers, load_params(ClusterParams, repo / "params.yaml"), repo) as client:
            run_trials(client, sweep, pending)
    pull(sweep)
    print(table(sweep))
    chosen = best(sweep, minimize)
    if chosen:
        print(f"\nbest: {chosen[0]} ({metric} = {chosen[1]}, {'lowest' if minimize else 'highest'})")
    for failure in sweep.failed:
        print(f"failed: {failure.name}: {reason(failure.error)}")
    return 1 if sweep.failed else 0
