"""Benchmark how each stage's time and peak memory grow with the data: 1x, 2x, 4x and 10x IMDB.

    IMDB_ARCHIVE=$(realpath ../shared/data/aclImdb_v1.tar.gz) uv run python bench/scale.py

Nothing else may run on the machine meanwhile (no tests, no other benchmark, no second
engineer's jobs): the figures are wall seconds and peak memory, and the growth between sizes is
only meaningful when every size ran under the same load, in the same run. It takes hours (the
10x run alone is ten times the cold pipeline) and several GB of disk under $TMPDIR (/tmp).

The corpora come from the real reviews ($IMDB_ARCHIVE through imdb_sentiment.sources.archive, or
`--reviews` a reviews table already written as Parquet). Size k holds k times the base reviews in
IMDB's proportions: copy 0 is every real review unchanged, so 1x is exactly the real data; copy
c (1..k-1) of a review mixes its sentences, alternately, with those of another review of the
same cell until about the original's length, so vocabulary and lengths stay realistic. A cell is
a split and a label, and for train reviews also a bucket: their movies hashed into 500 buckets.
Above 1x a train review's group (what validation holds out whole) is its bucket, for the original
and for every copy: a copy shares sentences only with reviews of its own bucket, so no sentence
is on both sides of the validation split. Test reviews have no group and mix only with test
reviews. The partners come from one seeded permutation per cell: copy c of the review at
position p is mixed with the review at position p + c, so a review's copies have distinct
partners (while c < the cell's size) and a smaller size's copies are those of a larger one. Each
corpus is one Parquet file in the own-data format (columns text, label "neg"/"pos"/null, split
"train"/"test"/"unlabeled", group), written in batches.

For each size it clones the current commit (HEAD: commit first, the work tree is not measured)
into a temporary directory with its own empty DVC cache, puts the corpus at
reviews/reviews.parquet, sets data.source: table (data.table.path, columns and labels; every
other param keeps its default) and runs each stage in pipeline order with
`dvc repro --single-item --force`, timing it and reading its peak resident memory (the stage
and its children, from wait4), as bench/run.py does. The stages import the clone's own code
(PYTHONPATH), and $IMDB_ARCHIVE is not passed to them: the table is their only source. Each
clone is deleted when its size is done (`--keep` keeps them).

`--stages a,b` records only those stages; the unselected stages upstream of them still run first
(in pipeline order, printed as "upstream", not recorded), since a stage needs its inputs, and
the other stages do not run at all.

The smallest and the largest size run first, then the others in order, so a run cut short has
still judged the targets. Results go to metrics/scale.json, rewritten after every stage
(`complete` turns true at the end): each size's review counts and each stage's seconds,
seconds per 1,000 reviews and peak memory, and `targets`, computed from those figures: each
stage's peak memory at the largest size against 8 GiB, and its time per review at the largest
size over that at the smallest (1x) against 1.3. The plot (docs/scale.png) shows both against
size.

`--cluster-size 4` adds the cluster column: at that size, once the stages ran here, the
row-parallel ones among them (download, tokenize_reviews, reindex_vocab, train_ngrams, train_ending, evaluate) run
again on a real loopback cluster (imdb_sentiment.distributed.loopback: one `dask scheduler`, one-thread
`dask worker` processes running the clone's code) of each `--cluster-workers` count (1,2), each
stage's seconds recorded with every parallel step it logged (parts, wall, task total, longest
task) and, from the one-worker run, an estimate for ten workers: the stage's serial part plus,
for each step, its task total over ten but never less than its longest task.

`--base-reviews N` takes the first N reviews of each split and label as the base instead
of all of them: for smoke tests only (it is recorded).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from measure import run_measured, run_measured_log, stage_edges, stage_order

REPO = Path(__file__).resolve().parents[1]
SIZES = (1, 2, 4, 10)
BATCH_ROWS = 20_000  # rows of a corpus built and written at a time (about 25 MiB of IMDB text)
CORPUS = Path("reviews/reviews.parquet")  # inside each clone
BUCKETS = 500  # train reviews' movies hashed into this many cells (and groups above 1x): about 50 a bucket at 1x
MEMORY_LIMIT_MIB = 8192  # 8 GiB: each stage's peak at the largest size
TIME_RATIO_LIMIT = 1.3  # time per review at the largest size / at 1x
# The reviews table's split names -> the own-data format's; its labels (int8) -> the format's.
SPLIT_NAMES = {"train": "train", "test": "test", "unsup": "unlabeled"}
LABEL_NAMES: dict[int | None, str | None] = {0: "neg", 1: "pos", None: None}
CORPUS_SCHEMA = pa.schema(
    [("text", pa.string()), ("label", pa.string()), ("split", pa.string()), ("group", pa.string())]
)
TABLE_PARAMS: dict[str, Any] = {
    "path": str(CORPUS),
    "columns": {"text": "text", "label": "label", "split": "split", "group": "group"},
    "labels": {"negative": ["neg"], "positive": ["pos"]},
}
# The stages whose work is Dask tasks on a cluster (imdb_sentiment.distributed.cluster), and the line each
# parallel step logs there: "<step>: N parts in W s (tasks T s in all, longest L s) on ...".
CLUSTER_STAGES = ("download", "tokenize_reviews", "reindex_vocab", "train_ngrams", "train_ending", "evaluate")
_STEP_LINE = re.compile(r"(\w+): (\d+) parts in ([\d.]+) s \(tasks ([\d.]+) s in all, longest ([\d.]+) s\)")
# A sentence ends at . ! or ? followed by white space, or at a paragraph break (IMDB's <br /><br />).
_SENTENCE_END = re.compile(r"((?<=[.!?])\s+|\s*<br\s*/?>\s*<br\s*/?>\s*)")
_TRAILING_BREAKS = re.compile(r"(?:\s|<br\s*/?>)+$")


# --- the corpora ------------------------------------------------------------------------------


@dataclass
class Base:
    """The real reviews every corpus is made of, in table order (Python lists: random access)."""

    splits: list[str]
    labels: list[int | None]
    texts: list[str]
    groups: list[str | None]

    def __len__(self) -> int:
        return len(self.texts)


def read_base(reviews: Path | None, per_split_label: int | None) -> tuple[Base, str]:
    """The base reviews (from `reviews` or $IMDB_ARCHIVE) and a description of where they came from."""
    if reviews is not None:
        table, source = pq.read_table(reviews), str(reviews)
    else:
        archive = os.environ.get("IMDB_ARCHIVE")
        if not archive:
            raise SystemExit("set IMDB_ARCHIVE to the real archive, or pass --reviews (the benchmark never downloads)")
        from imdb_sentiment.sources.archive import read_reviews

        table, _ = read_reviews(archive)
        source = f"archive {Path(archive).name}"
    group = "group" if "group" in table.column_names else "movie"  # the column's name before and after its rename
    columns = {name: table.column(name).to_pylist() for name in ("split", "label", "text")}
    base = Base(columns["split"], columns["label"], columns["text"], table.column(group).to_pylist())
    return (first_per_split_label(base, per_split_label) if per_split_label else base), source


def first_per_split_label(base: Base, count: int) -> Base:
    """The first ``count`` reviews of each (split, label), in table order: both classes stay."""
    taken: dict[tuple[str, int | None], int] = {}
    keep = []
    for row, key in enumerate(zip(base.splits, base.labels, strict=True)):
        if taken.get(key, 0) < count:
            taken[key] = taken.get(key, 0) + 1
            keep.append(row)
    return Base(
        [base.splits[row] for row in keep],
        [base.labels[row] for row in keep],
        [base.texts[row] for row in keep],
        [base.groups[row] for row in keep],
    )


def bucket(group: str | None, row: int) -> int:
    """The bucket of a review's movie (of the review itself without one), fixed by the movie alone."""
    key = group if group is not None else f"row {row}"
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") % BUCKETS


def cell_of(base: Base, row: int) -> tuple[str, int | None, int]:
    """The cell a review's copies find their partners in: split, label and, for train, bucket."""
    split = base.splits[row]
    return split, base.labels[row], bucket(base.groups[row], row) if split == "train" else 0


def cell_cycles(base: Base, seed: int) -> list[np.ndarray]:
    """Per cell, in order of first appearance: its rows in a seeded random order."""
    cells: dict[tuple[str, int | None, int], list[int]] = {}
    for row in range(len(base)):
        cells.setdefault(cell_of(base, row), []).append(row)
    return [np.random.default_rng([seed, number]).permutation(rows) for number, rows in enumerate(cells.values())]


def partners(cycles: Sequence[np.ndarray], rows: int, copy: int) -> np.ndarray:
    """For every base row, the row whose sentences its copy ``copy`` mixes in: the one ``copy``
    places further along its cell's cycle (distinct for each copy while copy < the cell's size)."""
    partner = np.empty(rows, dtype=np.int64)
    for cycle in cycles:
        partner[cycle] = np.roll(cycle, -copy)
    return partner


def sentences(text: str) -> list[str]:
    """The text's sentences, each with the white space or paragraph break that ends it."""
    parts = _SENTENCE_END.split(text)
    units: list[str] = []
    for sentence, end in zip(parts[::2], [*parts[1::2], ""], strict=True):
        if sentence.strip() or not units:
            units.append(sentence + end)
        else:  # a break right after a sentence's end: it belongs to that sentence
            units[-1] += end
    return [unit for unit in units if unit.strip()]


def mix(text: str, other: str) -> str:
    """A new review: sentences of ``text`` and ``other`` alternately, starting with ``text``'s
    first, while a sentence brings the length closer to ``text``'s (at least one of each, so no
    copy repeats its original)."""
    sources = (sentences(text), sentences(other))
    picked: list[str] = []
    taken, length, turn = [0, 0], 0, 0
    while taken[0] < len(sources[0]) or taken[1] < len(sources[1]):
        if taken[turn] >= len(sources[turn]):  # this one has run out: the other goes on
            turn = 1 - turn
        unit = sources[turn][taken[turn]]
        required = not picked or (turn == 1 and not taken[1])
        if not required and length + len(unit) / 2 > len(text):
            break
        if picked and not picked[-1][-1:].isspace() and not picked[-1].endswith(">"):
            unit = " " + unit
        picked.append(unit)
        taken[turn] += 1
        length += len(unit)
        turn = 1 - turn
    return _TRAILING_BREAKS.sub("", "".join(picked))


def corpus_group(base: Base, row: int, size: int) -> str | None:
    """A review's group in the corpus of ``size``, its copies' too: its movie at 1x, its bucket
    above for train reviews; none for test reviews; the original's for unlabeled ones."""
    split, group = base.splits[row], base.groups[row]
    if split == "test":
        return None
    if split == "train" and size > 1:
        return f"bucket-{bucket(group, row)}"
    return group


def corpus_batches(base: Base, size: int, seed: int) -> Iterator[pa.RecordBatch]:
    """The corpus of ``size`` times the base, split by split, copy by copy, in batches."""
    cycles = cell_cycles(base, seed)
    groups = [corpus_group(base, row, size) for row in range(len(base))]  # the same for every copy
    split_rows: dict[str, list[int]] = {}
    for row, split in enumerate(base.splits):
        split_rows.setdefault(split, []).append(row)
    for split, rows in split_rows.items():
        for copy in range(size):
            partner = partners(cycles, len(base), copy) if copy else None
            for start in range(0, len(rows), BATCH_ROWS):
                chunk = rows[start : start + BATCH_ROWS]
                texts = [
                    base.texts[r] if partner is None else mix(base.texts[r], base.texts[partner[r]]) for r in chunk
                ]
                labels = [LABEL_NAMES[base.labels[r]] for r in chunk]
                columns = [texts, labels, [SPLIT_NAMES[split]] * len(chunk), [groups[r] for r in chunk]]
                yield pa.RecordBatch.from_arrays([pa.array(c, type=pa.string()) for c in columns], schema=CORPUS_SCHEMA)


def write_corpus(base: Base, size: int, path: Path, seed: int) -> dict[str, int]:
    """Write the corpus of ``size`` as one Parquet file, batch by batch; return its review counts."""
    counts = dict.fromkeys(SPLIT_NAMES.values(), 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(path, CORPUS_SCHEMA, compression="zstd", use_dictionary=["label", "split"]) as writer:
        for batch in corpus_batches(base, size, seed):
            writer.write_batch(batch)
            counts[batch.column(2)[0].as_py()] += batch.num_rows
    return counts


# --- the pipeline on a corpus -------------------------------------------------------------------


def clone_repo(root: Path) -> Path:
    """A clone of this repository's HEAD under ``root``, with its own empty DVC cache."""
    clone = root / "repo"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    subprocess.run(["dvc", "config", "--local", "cache.dir", str(root / "cache")], cwd=clone, check=True)
    return clone


def set_table_params(params_path: Path) -> None:
    """data.source: table and data.table's path, columns and labels; every other param as it is."""
    import yaml

    params = yaml.safe_load(params_path.read_text())
    data = params.setdefault("data", {})
    data["source"] = "table"
    table = data.get("table") or {}
    data["table"] = table | TABLE_PARAMS
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))


def stage_env(clone: Path) -> dict[str, str]:
    """The stages' environment: this Python's tools, the clone's own code, no archive."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env["PYTHONPATH"] = os.pathsep.join([str(clone / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.pop("IMDB_ARCHIVE", None)
    return env


def stages_to_run(order: list[str], edges: list[tuple[str, str]], selected: Sequence[str] | None) -> list[str]:
    """The stages to run, in pipeline order: the selected ones (all by default) and their upstream."""
    if not selected:
        return order
    unknown = sorted(set(selected) - set(order))
    if unknown:
        raise SystemExit(f"--stages: no such stage {', '.join(unknown)} (stages: {', '.join(order)})")
    needed, frontier = set(selected), list(selected)
    while frontier:
        stage = frontier.pop()
        for upstream, downstream in edges:
            if downstream == stage and upstream not in needed:
                needed.add(upstream)
                frontier.append(upstream)
    return [stage for stage in order if stage in needed]


def reviews_table_rows(clone: Path) -> int | None:
    """Rows of the reviews table stage download wrote (its out in dvc.yaml), if it is there."""
    import yaml

    download = yaml.safe_load((clone / "dvc.yaml").read_text())["stages"]["download"]
    path = clone / download["outs"][0]
    return pq.ParquetFile(path).metadata.num_rows if path.is_file() else None


def stage_figures(seconds: float, peak_mib: float, reviews: int) -> dict[str, float]:
    return {
        "seconds": round(seconds, 2),
        "seconds_per_1000_reviews": round(seconds / reviews * 1000, 5),
        "peak_rss_mib": round(peak_mib),
    }


# --- the record ---------------------------------------------------------------------------------


def targets(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Each stage's peak memory at the largest size vs 8 GiB, and its time per review at the
    largest size over that at the smallest vs 1.3; the stages that miss, by how much."""
    done = [result for result in results if result["stages"]]
    if not done:
        return {}
    first, last = min(done, key=lambda r: r["size"]), max(done, key=lambda r: r["size"])
    per_stage: dict[str, Any] = {}
    missed = []
    for stage, figures in last["stages"].items():
        base = first["stages"].get(stage)
        ratio = None
        if base and base["seconds_per_1000_reviews"] > 0:
            ratio = round(figures["seconds_per_1000_reviews"] / base["seconds_per_1000_reviews"], 3)
        checks = {
            "peak_rss_mib": (figures["peak_rss_mib"], MEMORY_LIMIT_MIB),
            "time_per_review_ratio": (ratio, TIME_RATIO_LIMIT),
        }
        per_stage[stage] = {}
        for target, (value, limit) in checks.items():
            met = value is not None and value <= limit
            per_stage[stage][target] = {"value": value, "limit": limit, "met": met}
            if value is not None and not met:
                over = value - limit
                missed.append(
                    {
                        "stage": stage,
                        "target": target,
                        "value": value,
                        "limit": limit,
                        "over_by": round(over, 3),
                        "over_by_pct": round(100 * over / limit, 1),
                    }
                )
    return {
        "baseline_size": first["size"],
        "largest_size": last["size"],
        "limits": {"peak_rss_mib": MEMORY_LIMIT_MIB, "time_per_review_ratio": TIME_RATIO_LIMIT},
        "stages": per_stage,
        "missed": missed,
        "met": not missed and all(all(t["met"] for t in s.values()) for s in per_stage.values()),
    }


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "memory_total_mib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20),
    }


def write_atomic(path: Path, write: Any) -> None:
    """Call ``write(temporary path)`` beside ``path``, then rename it onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    try:
        write(Path(name))
        os.chmod(name, 0o644)  # mkstemp made it private
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def write_record(path: Path, record: dict[str, Any]) -> None:
    record["results"].sort(key=lambda result: result["size"])
    record["targets"] = targets(record["results"])
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(record, indent=2) + "\n"))


def plot(record: dict[str, Any], path: Path) -> None:
    """Seconds per 1,000 reviews and peak memory against size, one line per stage."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    results = [r for r in record["results"] if r["stages"]]
    sizes = [r["size"] for r in results]
    stages = list(dict.fromkeys(stage for r in results for stage in r["stages"]))
    figure, (time_axes, memory_axes) = plt.subplots(1, 2, figsize=(13, 5.5), layout="constrained")
    tab20 = [matplotlib.colormaps["tab20"](i) for i in range(20)]  # an int picks the i-th of its colours
    colors = tab20[::2] + tab20[1::2]  # the ten strong colours first, then their light pairs
    for number, stage in enumerate(stages):
        points = [(r["size"], r["stages"][stage]) for r in results if stage in r["stages"]]
        style = {"color": colors[number % len(colors)], "marker": "os^Dv"[number % 5], "label": stage}
        time_axes.plot([x for x, _ in points], [f["seconds_per_1000_reviews"] for _, f in points], **style)
        memory_axes.plot([x for x, _ in points], [f["peak_rss_mib"] for _, f in points], **style)
    memory_axes.axhline(MEMORY_LIMIT_MIB, color="black", linestyle="--", linewidth=1, label="limit: 8 GiB")
    reviews = {r["size"]: r["reviews"] for r in results}
    for axes, ylabel, title in (
        (time_axes, "seconds per 1,000 reviews (log)", "Time per review (flat = linear growth)"),
        (memory_axes, "peak resident memory (MiB)", "Peak memory of each stage"),
    ):
        axes.set_xscale("log")
        axes.set_xticks(sizes, [f"{s}x\n{reviews[s]:,}" for s in sizes])
        axes.minorticks_off()
        axes.set_xlabel("corpus size (reviews)")
        axes.set_ylabel(ylabel)
        axes.set_title(title)
        axes.grid(True, alpha=0.3)
    time_axes.set_yscale("log")
    plain = matplotlib.ticker.LogFormatter(labelOnlyBase=False)  # 30, not 3 x 10^1
    time_axes.yaxis.set_major_formatter(plain)
    time_axes.yaxis.set_minor_formatter(plain)
    memory_axes.set_ylim(bottom=0)
    handles, labels = memory_axes.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside right center", title="stage")
    figure.suptitle(f"Pipeline stages against data size (commit {record['commit'][:10]}, {record['cpu_count']} cores)")
    write_atomic(path, lambda tmp: figure.savefig(tmp, format="png", dpi=110))
    plt.close(figure)


# --- the run ------------------------------------------------------------------------------------


def measure_size(size: int, base: Base, args: argparse.Namespace, record: dict[str, Any], out: Path) -> None:
    """Build the corpus of ``size``, run the pipeline on it in a fresh clone and record the figures."""
    root = Path(tempfile.mkdtemp(prefix=f"imdb-scale-{size}x-"))
    try:
        clone = clone_repo(root)
        env = stage_env(clone)
        record["commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True
        ).stdout.strip()
        order = stage_order(clone, env)
        run = stages_to_run(order, stage_edges(clone, env), args.stages)
        set_table_params(clone / "params.yaml")
        started = time.perf_counter()
        counts = write_corpus(base, size, clone / CORPUS, args.seed)
        reviews = sum(counts.values())
        corpus_mib = (clone / CORPUS).stat().st_size / 2**20
        built = time.perf_counter() - started
        print(
            f"{size:>3}x corpus: {reviews:,} reviews {counts}, {corpus_mib:.0f} MiB, built in {built:.1f} s", flush=True
        )
        result: dict[str, Any] = {
            "size": size,
            "reviews": reviews,
            "counts": counts,
            "corpus_mib": round(corpus_mib, 1),
        }
        result["stages"] = {}
        record["results"].append(result)
        for stage in run:
            recorded = not args.stages or stage in args.stages
            seconds, peak = run_measured(["dvc", "repro", "--single-item", "--force", stage], clone, env)
            print(
                f"{size:>3}x {stage:<16} {seconds:9.1f} s {peak:8.0f} MiB{'' if recorded else '  (upstream)'}",
                flush=True,
            )
            if recorded:
                result["stages"][stage] = stage_figures(seconds, peak, reviews)
                write_record(out, record)
        if size == args.cluster_size:
            parallel = [stage for stage in run if stage in CLUSTER_STAGES and (not args.stages or stage in args.stages)]
            result["cluster"] = measure_cluster(clone, env, parallel, args)
            write_record(out, record)
        result["reviews_table_rows"] = rows = reviews_table_rows(clone)
        if rows is not None and rows != reviews:
            print(
                f"warning: {size}x: the pipeline's reviews table holds {rows:,} rows, the corpus {reviews:,}",
                flush=True,
            )
        write_record(out, record)
    finally:
        if args.keep:
            print(f"{size}x clone kept: {root}", flush=True)
        else:
            shutil.rmtree(root, ignore_errors=True)


def cluster_steps(log: str) -> list[dict[str, float]]:
    """The parallel steps a stage logged on a cluster: parts, wall, task total and longest task."""
    return [
        {"step": m[0], "parts": int(m[1]), "wall": float(m[2]), "tasks": float(m[3]), "longest": float(m[4])}
        for m in _STEP_LINE.findall(log)
    ]


def ten_worker_estimate(seconds: float, steps: list[dict[str, Any]], workers: int = 10) -> float:
    """A stage's time on ``workers`` one-thread workers, from a run on one: what is not a parallel
    step stays (the client's reading, merging, fits), and each step takes its task total spread
    evenly, but never less than its longest task."""
    serial = seconds - sum(step["wall"] for step in steps)
    return serial + sum(max(step["tasks"] / workers, step["longest"]) for step in steps)


def measure_cluster(
    clone: Path, env: dict[str, str], stages: Sequence[str], args: argparse.Namespace
) -> dict[str, Any]:
    """The row-parallel ``stages`` again on a real loopback cluster of each --cluster-workers count
    (one-thread workers running the clone's code): seconds per stage and each parallel step."""
    from imdb_sentiment.distributed.loopback import loopback_cluster

    column: dict[str, Any] = {}
    for workers in args.cluster_workers:
        figures: dict[str, Any] = {}
        with loopback_cluster(
            clone.parent / f"cluster-{workers}", workers, env={"PYTHONPATH": env["PYTHONPATH"]}
        ) as running:
            for stage in stages:
                command = ["dvc", "repro", "--single-item", "--force", stage]
                seconds, peak, log = run_measured_log(command, clone, env | running.client_env())
                steps = cluster_steps(log)
                figures[stage] = {"seconds": round(seconds, 1), "client_peak_mib": round(peak), "steps": steps}
                if workers == 1:
                    figures[stage]["estimate_10_workers_s"] = round(ten_worker_estimate(seconds, steps), 1)
                print(f"cluster {workers} worker(s) {stage:<16} {seconds:9.1f} s {peak:8.0f} MiB", flush=True)
        column[f"{workers}_workers"] = figures
    return column


def run_order(sizes: Sequence[int]) -> list[int]:
    """The smallest and the largest size first, then the others: the targets compare those two,
    so a run cut short (it takes hours) has still judged them."""
    ordered = sorted(sizes)
    return [*dict.fromkeys([ordered[0], ordered[-1], *ordered])]


def parse_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="multiples of the base data (default 1,2,4,10)"
    )
    parser.add_argument("--stages", type=parse_list, help="record only these stages (their upstream still runs)")
    parser.add_argument("--reviews", type=Path, help="a reviews table (Parquet) instead of $IMDB_ARCHIVE")
    parser.add_argument("--out", type=Path, default=REPO / "metrics" / "scale.json")
    parser.add_argument("--plot", type=Path, default=REPO / "docs" / "scale.png")
    parser.add_argument("--seed", type=int, default=0, help="of the mixed reviews' partners")
    parser.add_argument("--keep", action="store_true", help="keep each size's clone (for debugging)")
    parser.add_argument(
        "--base-reviews", type=int, metavar="N", help="smoke tests only: first N of each split and label"
    )
    parser.add_argument("--cluster-size", type=int, help="at this size, rerun the row-parallel stages on a cluster")
    parser.add_argument(
        "--cluster-workers", default="1,2", help="the loopback cluster's one-thread workers, each count in turn"
    )
    args = parser.parse_args(argv)
    args.cluster_workers = [int(count) for count in parse_list(args.cluster_workers)]
    try:
        args.sizes = sorted({int(size) for size in parse_list(args.sizes)})
    except ValueError:
        parser.error(f"--sizes: expected whole numbers such as 1,2,4,10, got {args.sizes!r}")
    if not args.sizes or args.sizes[0] < 1:
        parser.error("--sizes: at least one size, each 1 or more")
    if args.base_reviews is not None and args.base_reviews < 1:
        parser.error("--base-reviews: 1 or more")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    base, source = read_base(args.reviews, args.base_reviews)
    record: dict[str, Any] = {"commit": "", **machine(), "reviews_source": source, "base_reviews": len(base)}
    if args.base_reviews:
        record["base_reviews_per_split_label"] = args.base_reviews  # a smoke test, not the real data
    record |= {"seed": args.seed, "sizes": args.sizes, "stages_selected": args.stages, "complete": False, "results": []}
    for size in run_order(args.sizes):
        measure_size(size, base, args, record, args.out)
    record["complete"] = True
    write_record(args.out, record)
    plot(record, args.plot)
    missed = record["targets"].get("missed")
    print(f"{args.out} and {args.plot} written; " + (f"targets missed: {missed}" if missed else "every target met"))


if __name__ == "__main__":
    main()
