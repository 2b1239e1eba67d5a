"""MkDocs hook: the results tables, built from the committed metrics/*.json when the site is built.

A page writes a placeholder on a line of its own, e.g. `<!-- results:evaluate -->`, and the hook puts
the table in its place (PLACEHOLDERS: each name, the file it reads and the command that writes that
file). A missing file becomes a note naming the command to run; malformed JSON, a placeholder of no
known name or a record that lacks what its table needs fails the build. The table builders are pure
functions of the parsed JSON, so tests call them directly (tests/test_docs.py).
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

REPO = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"^<!-- results:([a-z_]+) -->$", re.M)
Record = dict[str, Any]


def pct(value: float) -> str:
    return f"{100 * value:.2f}%"


def gain(entry: Record) -> str:
    """A paired gain in points with its standard error, bold where it passes the two-standard-error rule."""
    points, error = entry["gain_points"], entry["standard_error_points"]
    text = f"{points:+.2f} ± {error:.2f}"
    return f"**{text}**" if points > 2 * error else text


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def split_note(record: Record) -> str:
    split = record.get("validation_split")
    if not split:
        return (
            "Validation split: not named in the record (measured with `split.group_by: review`, a shuffle of reviews)."
        )
    return f"Validation split: `split.group_by: {split['group_by']}`, {split['reviews']:,} reviews."


# --- the pipeline's own metrics ---------------------------------------------------------------


def evaluate_table(evaluate: Record) -> str:
    columns = ("accuracy", "precision", "recall", "f1")
    rows = [("**ensemble**", *(pct(evaluate[c]) for c in columns), f"{evaluate['roc_auc']:.4f}", evaluate["reviews"])]
    for name, member in evaluate.get("members", {}).items():
        rows.append(
            (f"member `{name}`", *(pct(member[c]) for c in columns), f"{member['roc_auc']:.4f}", member["reviews"])
        )
    return table(("model", "test accuracy", "precision", "recall", "F1", "ROC AUC", "test reviews"), rows)


def ensemble_table(ensemble: Record) -> str:
    rows = [
        (f"`{name}`", f"{member['weight']:.3f}", pct(member["val_accuracy"]))
        for name, member in ensemble["members"].items()
    ]
    rows.append(
        (
            f"the ensemble (bias {ensemble['bias']:.3f})",
            "—",
            f"{pct(ensemble['val_accuracy'])} ({ensemble['val_accuracy_method']})",
        )
    )
    return table(("member", "stacker weight", "validation accuracy"), rows)


def data_table(data: Record) -> str:
    missing = data.get("reviews_without_movie", {})
    rows = [
        (f"`{part}`", f"{count:,}", f"{missing[part]:,}" if part in missing else "—")
        for part, count in data["counts"].items()
    ]
    rows.append(("all", f"{data['reviews']:,}", f"{sum(missing.values()):,}"))
    facts = (
        f"{data['train_movies']:,} movies in the train set; counts match the official archive: "
        f"{'yes' if data['matches_official_counts'] else '**no**'}; archive md5 `{data['archive_md5']}`, "
        f"equal to `data.md5`: {'yes' if data['archive_md5_matches_params'] else 'no'}; "
        f"{data['invalid_utf8_reviews']} reviews not UTF-8, {data['empty_reviews']} empty."
    )
    return table(("part", "reviews", "without a movie id"), rows) + "\n\n" + facts


def lengths_table(stats: Record) -> str:
    row = (
        f"{stats['reviews']:,}",
        f"{stats['mean']:.2f}",
        f"{stats['std']:.2f}",
        f"{stats['max']:,}",
        f"{stats['maxlen']} ({stats['maxlen_source']})",
        pct(stats["coverage"]),
    )
    return table(("reviews", "mean length", "std", "longest", "maxlen", "reviews within maxlen"), [row])


def bench_table(bench: Record) -> str:
    runs = bench["noop_repro_runs_s"]
    summary = [
        ("`dvc repro` from an empty cache", f"{bench['cold_repro_s']:.0f} s"),
        (
            "`dvc repro` with nothing to do",
            f"{bench['noop_repro_s']:.2f} s (median of {len(runs)} runs, {min(runs):.2f} to {max(runs):.2f} s)",
        ),
        ("the same for a one-stage repository (DVC's own floor)", f"{bench['noop_repro_one_stage_repo_s']:.2f} s"),
        ("what `uv run` adds to a command", f"{bench['uv_run_overhead_s']:.2f} s"),
        ("largest stage's peak memory", f"{bench['max_stage_peak_rss_mib'] / 1024:.1f} GiB"),
        ("Python API, raw text to probability", f"{bench['predict_reviews_per_s']:,} reviews/s"),
        ("machine", f"{bench['cpu_count']} CPU cores, Python {bench['python']}"),
    ]
    base = bench.get("baseline")
    if base:
        summary.insert(1, (f"the same for `{base['commit'][:7]}`, right after", f"{base['cold_repro_s']:.0f} s "
                           f"(this commit's: {bench['cold_repro_over_baseline']:.2f} of it)"))  # fmt: skip
    header = ("stage", "seconds", "peak memory (MiB)", *((f"seconds at `{base['commit'][:7]}`",) if base else ()))
    stages = [
        (f"`{name}`", f"{s['seconds']:.1f}", f"{s['peak_rss_mib']:,}",
         *((f"{base['stages'][name]['seconds']:.1f}" if name in base["stages"] else "—",) if base else ()))
        for name, s in bench["stages"].items()
    ]  # fmt: skip
    return table(("measure", "value"), summary) + "\n\n" + table(header, stages)


def inference_table(bench: Record) -> str:
    """One review from the command line, and the NBSVM's arrays against Keras on the test reviews."""
    inference = bench["inference"]
    rows = []
    for key, what in (
        ("predict_cli", "the ensemble (`data/ensemble.zip`)"),
        ("predict_cli_keras_model", "stage `train`'s Keras model alone (`--model data/model.keras`)"),
    ):
        run = inference[key]
        rows.append((what, f"{run['median_s']:.2f} s", f"{min(run['runs_s']):.2f} to {run['max_s']:.2f} s",
                     len(run["runs_s"]), f"{run['peak_rss_mib']:,} MiB"))  # fmt: skip
    check = inference["arrays_vs_keras"]
    note = (
        f"On the {check['reviews']:,} test reviews the NBSVM member's numpy arrays and the Keras model they "
        f"came from differ by at most {check['max_abs_difference']:.1e} in probability (mean "
        f"{check['mean_abs_difference']:.1e}; tolerance {check['tolerance']:g}), with "
        f"{'the same' if check['same_labels'] else 'different'} labels; {check['explained_reviews']} exact "
        f"explanations add up to the arrays' log-odds within {check['explanation_max_gap_to_log_odds']:.1e}. "
        f"Commit `{inference['commit'][:7]}`."
    )
    header = (f'`predict "{inference["review"]}"` with', "median", "range", "runs", "peak memory")
    return table(header, rows) + "\n\n" + note


def peers_table(record: Record) -> str:
    """The pipeline and its peers in one run: test accuracy and seconds, settings chosen on validation."""
    pipeline = record["pipeline"]
    cold = f"{pipeline['cold_repro_s']:.0f} s (cold `dvc repro`)" if pipeline["cold_repro_s"] else "—"
    rows = [("this pipeline, default ensemble", pct(pipeline["test_accuracy"]), cold, "")]
    rows += [(f"member `{name}` (in the same run)", pct(value), "", "") for name, value in
             pipeline["members_test_accuracy"].items()]  # fmt: skip
    for name, peer in record["peers"].items():
        setting = ", ".join(f"{key} {value}" for key, value in peer["setting"].items())
        rows.append((f"{name} {peer['version']}", pct(peer["test_accuracy"]), f"{peer['seconds']:.1f} s",
                     f"{setting} (validation {pct(peer['val_accuracy'])})"))  # fmt: skip
    note = f"Commit `{record['commit'][:7]}`, {record['cpu_count']} cores."
    if "cold_repro_over_sklearn_nbsvm" in record:
        note += f" The cold run takes {record['cold_repro_over_sklearn_nbsvm']:.1f}x scikit-learn NBSVM's seconds."
    return table(("system", "test accuracy", "seconds", "setting chosen on validation"), rows) + "\n\n" + note


def nsmc_table(record: Record) -> str:
    """Korean reviews: the pipeline and its peers on one split in one run, the targets beside."""
    pipeline, peers = record["pipeline"], record.get("peers") or {}
    rows = [("this pipeline, Korean recipe", pct(pipeline["test_accuracy"]), f"{pipeline['cold_repro_s']:.0f} s (cold)",
             f"ensemble {pct(pipeline['val_accuracy'])}", "morphemes (kiwipiepy)")]  # fmt: skip
    rows += [(f"member `{name}` (in the same run)", pct(value), "", pct(pipeline["members_val_accuracy"][name]), "")
             for name, value in pipeline["members_test_accuracy"].items()]  # fmt: skip
    for name, peer in peers.items():
        setting = ", ".join(f"{key} {value}" for key, value in peer["setting"].items())
        rows.append((f"{name} {peer['version']}", pct(peer["test_accuracy"]), f"{peer['seconds']:.1f} s",
                     f"{pct(peer['val_accuracy'])} ({setting})", peer["tokens"]))  # fmt: skip
    targets, unknown = record["targets"], record["unknown_words"]
    ratio = targets["cold_repro_over_sklearn_nbsvm"]
    notes = [
        f"Commit `{record['commit'][:7]}`, {record['machine']['cpu_count']} cores, one run.",
        "The ensemble's validation accuracy is cross-validated within validation (the stacker is fitted there);"
        " the members' and the peers' are on the whole validation split, fitted on the rest of train.",
        f"The cold run takes {ratio:.2f}x scikit-learn NBSVM's seconds (target: at most 4x)." if ratio else "",
        f"The heaviest stage peaked at {pipeline['peak_rss_mib']:,} MiB (target: at most 4 GiB).",
        f"Reviews with no word the model knows: {pct(unknown['test']['share'])} of the "
        f"{unknown['test']['reviews']:,} test reviews (movies it never saw), "
        f"{pct(unknown['movies_outside_the_sample']['share'])} of {unknown['movies_outside_the_sample']['reviews']:,} "
        "reviews of movies outside the sample.",
    ]
    header = ("system", "test accuracy", "seconds", "validation accuracy (setting)", "tokens")
    return table(header, rows) + "\n\n" + " ".join(note for note in notes if note)


def nsmc_stages_table(record: Record) -> str:
    """The Korean recipe's cold run, stage by stage."""
    stages = record["pipeline"]["stages"]
    rows = [(f"`{name}`", f"{stage['seconds']:.1f}", f"{stage['peak_rss_mib']:,}") for name, stage in stages.items()]
    return table(("stage", "seconds", "peak MiB"), rows)


def nsmc_neighbors_table(record: Record) -> str:
    """The Korean probe words' nearest neighbours in both vector sets of the benchmark's run."""
    neighbors = record["pipeline"]["neighbors"]
    sources = list(neighbors)
    words = list(neighbors[sources[0]])
    rows = [(f"`{word}`", *(", ".join(neighbors[source][word] or ["(not in the vectors)"]) for source in sources))
            for word in words]  # fmt: skip
    return table(("word", *(f"nearest in `{source}`" for source in sources)), rows)


def nsmc_candidates_table(study: Record) -> str:
    """Settings tried for Korean reviews, each a cold run judged on validation only."""
    rows = [
        (f"`{name}`", "; ".join([f"`{key}: {value}`" for key, value in entry["changes"].items()]
                                + ([entry["note"]] if entry.get("note") else [])) or "the recipe",
         pct(entry["val_accuracy"]), ", ".join(f"{m} {pct(v)}" for m, v in entry["members_val_accuracy"].items()))
        for name, entry in study["candidates"].items()
    ]  # fmt: skip
    return table(("try", "changes to the recipe", "ensemble validation", "members' validation"), rows)


def serve_table(bench: Record) -> str:
    serve = bench["serve"]
    runs = [value for value in serve.values() if isinstance(value, dict) and "reviews_per_request" in value]
    rows = [
        (
            f"{run['reviews_per_request']} review{'s' if run['reviews_per_request'] > 1 else ''}",
            f"{run['reviews_per_s']:,.0f}",
            f"{run['requests']:,}",
            f"{run['p50_ms']:.0f} ms",
            f"{run['p99_ms']:.0f} ms",
            run["errors"],
        )
        for run in runs
    ]
    note = f"`{serve['model']}`, {serve['clients']} concurrent clients, {serve['seconds']:.0f} s per request size."
    if "first_answer" in serve:
        first = serve["first_answer"]
        note += (f" From starting `serve` to its first answer: {first['median_s']:.2f} s median of "
                 f"{len(first['runs_s'])} cold starts (at most {first['max_s']:.2f} s).")  # fmt: skip
    return table(("requests of", "reviews/s", "requests", "p50 latency", "p99 latency", "errors"), rows) + "\n\n" + note


def platforms_table(platforms: Record) -> str:
    """The committed platform check's own table (bench/check_platforms.py's `markdown`)."""
    markdown: Callable[[list[Record]], str] = load_module(REPO / "bench" / "check_platforms.py").markdown
    return markdown(platforms["pairs"])


def experiments_table(record: Record) -> str:
    rows = []
    for name, run in record["experiments"].items():
        dim = run["params"].get("embedding.dim")
        embedding = f"{run['embedding']}, {dim}-d" if dim else run["embedding"]
        if run["params"].get("word2vec.sg") == 1:
            embedding += ", skip-gram"
        rows.append(
            (
                f"`{name}`",
                run["model"],
                run["padding"],
                embedding,
                pct(run["test_accuracy"]),
                pct(run["val_accuracy"]),
                f"{run['epochs_run']} ({run['best_epoch']})",
                f"{run['train_seconds']:.0f}",
            )
        )
    header = ("experiment", "model", "padding", "embedding", "test", "validation", "epochs (best)", "train s")
    findings = ", ".join(f"`{key}: {json.dumps(value)}`" for key, value in record.get("findings", {}).items())
    return table(header, rows) + (f"\n\nFindings checked by the runner: {findings}." if findings else "")


def model_defaults_table(record: Record) -> str:
    rows = []
    for name, run in record["models"].items():
        settings = run["settings"]
        refit = f"on, {run['refit_epochs']} epochs" if run["refit_full"] else "off"
        rows.append(
            (
                f"`{name}`",
                settings["learning_rate"],
                settings["batch_size"],
                settings["embedding_scale"],
                refit,
                pct(run["val_accuracy"]),
                pct(run["test_accuracy"]),
                pct(run["floor"]),
                "yes" if run["meets_floor"] else "**no**",
                pct(run["ensemble_test_accuracy"]),
                f"{run['epochs_run']} ({run['best_epoch']})",
                f"{run['train_seconds']:.0f}",
            )
        )
    header = ("model", "Adam lr", "batch", "embedding scale", "refit", "validation", "test", "floor", "meets it")
    return table((*header, "with `ngrams`, test", "epochs (best)", "train s"), rows)


def word_vectors_table(record: Record) -> str:
    """Both vector sets' quality on the standard sets, then the probe words' nearest neighbours."""
    sources = list(record)
    quality = [
        (f"`{source}`", f"{record[source]['words']:,} x {record[source]['vector_size']}",
         f"{record[source]['wordsim353_spearman']:.3f}", f"{record[source]['simlex999_spearman']:.3f}",
         pct(record[source]["analogy_accuracy"]))
        for source in sources
    ]  # fmt: skip
    words = list(record[sources[0]]["neighbors"])
    rows = [
        (f"`{word}`", *(", ".join(record[source]["neighbors"][word] or ["(not in the vectors)"]) for source in sources))
        for word in words
    ]
    header = ("vectors", "words x dimensions", "WordSim-353 (Spearman)", "SimLex-999 (Spearman)", "Google analogies")
    return table(header, quality) + "\n\n" + table(("word", *(f"nearest in `{source}`" for source in sources)), rows)


# --- the model-selection studies (metrics/studies/) ---------------------------------------------


def member_cv_table(study: Record) -> str:
    members = [
        (f"`{name}`", pct(member["accuracy_out_of_fold"]), f"{member['seconds']:.0f}")
        for name, member in study["members"].items()
    ]
    gains = []
    for key, entry in study["gains"].items():
        candidate, base = key.split(" over ", 1)
        gains.append((f"`{candidate}`", base, pct(entry["stacked_accuracy"]), gain(entry)))
    baselines = ", ".join(f"{name}: {pct(value)}" for name, value in study["baseline"].items())
    return "\n\n".join(
        (
            table(("member", "accuracy out of fold", "fitting seconds (all folds)"), members),
            table(("candidate", "over", "stacked accuracy", "gain (points ± SE)"), gains),
            f"Protocol: {study['protocol']}. Baseline: {baselines}.",
        )
    )


def ensemble_candidates_table(study: Record) -> str:
    stacked, gains = study["stacked_val_accuracy"], study.get("gain_over_keras_ngrams_3", {})
    rows = []
    for name, candidate in study["candidates"].items():
        with_keras = stacked.get(f"keras + {name}")
        with_both = stacked.get(f"keras + ngrams-3 + {name}")
        both = "—"
        if with_both:
            both = pct(with_both) + (f" ({gain(gains[name])})" if name in gains else "")
        rows.append(
            (
                f"`{name}`",
                pct(candidate["val_accuracy"]),
                f"{candidate['seconds']:.0f}",
                pct(with_keras) if with_keras else "—",
                both,
            )
        )
    header = (
        "candidate",
        "validation accuracy",
        "fitting seconds",
        "stacked with `keras`",
        "with `keras` + `ngrams-3`",
    )
    return table(header, rows) + "\n\n" + split_note(study)


def keras_members_table(study: Record) -> str:
    part = study["keras_members"]
    baseline = {name: value for name, value in part["baseline"].items() if not name.endswith("_seconds")}
    rows = [
        (
            f"`{name}`",
            pct(c["val_accuracy_half_b"]),
            pct(c["stacked_val_accuracy_half_b"]),
            gain(c),
            f"{c['seconds']:.0f}",
        )
        for name, c in part["candidates"].items()
    ]
    (members, accuracy), *_ = baseline.items()
    header = ("candidate", "alone, half B", "the default members + it", f"gain over {members} ({pct(accuracy)})")
    notes = f"Protocol: {part['protocol']}; half B is {part['half_b_reviews']:,} reviews. {split_note(part)}"
    return table((*header, "fitting seconds"), rows) + "\n\n" + notes


def language_models_table(study: Record) -> str:
    part = study["language_models"]
    rows = [
        (f"`{name}`", pct(c["val_accuracy"]), gain(c), f"{c['seconds']:.0f}")
        for name, c in part.items()
        if isinstance(c, dict) and "gain_points" in c
    ]
    header = ("candidate", "validation accuracy", "gain over `keras` + `ngrams-3`", "fitting seconds")
    return table(header, rows) + "\n\n" + split_note(part)


def view_candidates_table(study: Record) -> str:
    baselines = list(study["baselines"])
    rows = [
        (
            f"`{name}`",
            pct(c["val_accuracy"]),
            f"{c['seconds']:.0f}",
            f"{c['scoring_reviews_per_s']:,}",
            *(gain(c["gain_over"][base]) for base in baselines),
        )
        for name, c in study["candidates"].items()
    ]
    over = [f"over {base} ({pct(study['baselines'][base])})" for base in baselines]
    header = ("candidate", "alone", "seconds (fit + score)", "scores reviews/s", *over)
    settings = [(f"`{name}`", text) for name, text in study.get("settings", {}).items() if isinstance(text, str)]
    parts = [table(header, rows)]
    if settings:
        parts.append(table(("candidate", "what it is"), settings))
    parts.append(f"Protocol: {study['protocol']}. {split_note(study)}")
    return "\n\n".join(parts)


def changes(params: Record, skip: Iterable[str]) -> str:
    """`key: value` of each changed parameter, as params.yaml writes it."""
    shown = [
        f"`{key}: {json.dumps(v) if isinstance(v, bool) else v}`" for key, v in params.items() if key not in set(skip)
    ]
    return ", ".join(shown) or "—"


def training_candidates_table(study: Record) -> str:
    skip = ("train.model", "train.epochs", "train.early_stopping")
    rows = [
        (
            f"`{name}`",
            c["model"],
            changes(c["changes"], skip),
            pct(c["val_accuracy"]),
            f"{c['best_epoch']} ({c['epochs_run']})",
            f"{c['seconds']:.0f}",
        )
        for name, c in study.items()
    ]
    header = ("candidate", "model", "changes from the defaults", "validation accuracy", "best epoch (of)", "seconds")
    return table(header, rows) + "\n\n" + split_note(study)


def model_selection_table(study: Record) -> str:
    skip = ("train.model", "train.refit_full")
    rows = [
        (
            f"`{name}`",
            run["model"],
            changes(run["params"], skip),
            pct(run["val_accuracy"]),
            f"{run['epochs_run']} ({run['best_epoch']})",
            f"{run['train_seconds']:.0f}",
        )
        for name, run in study["experiments"].items()
    ]
    header = ("candidate", "model", "changes from the defaults", "validation accuracy", "epochs (best)", "train s")
    return table(header, rows) + "\n\n" + split_note(study)


# --- placeholders -----------------------------------------------------------------------------

REPRO = "uv run dvc repro"
NSMC = "uv sync --extra korean --group peers && uv run python bench/nsmc.py"


def scale_table(record: Record) -> str:
    """Per stage and size: seconds per 1,000 reviews and peak MiB; then the 10x targets."""
    results = sorted((r for r in record["results"] if r["stages"]), key=lambda r: r["size"])
    checks = record.get("targets", {}).get("stages", {})
    stages = list(dict.fromkeys(stage for r in results for stage in r["stages"]))
    header = [
        "stage",
        *(f"{r['size']}x ({r['reviews']:,})" for r in results),
        "time per review, largest ÷ 1x",
        "peak ≤ 8 GiB",
    ]
    rows = []
    for stage in stages:
        cells = []
        for r in results:
            f = r["stages"].get(stage)
            cells.append(
                f"{f['seconds']:,.1f} s, {f['seconds_per_1000_reviews']:.3f} s/1k, {f['peak_rss_mib']:,} MiB"
                if f
                else "—"
            )
        check = checks.get(stage, {})
        ratio, peak = check.get("time_per_review_ratio", {}), check.get("peak_rss_mib", {})
        ratio_cell = "—" if ratio.get("value") is None else f"{ratio['value']:.2f} {'✓' if ratio['met'] else '✗'}"
        peak_cell = "—" if peak.get("value") is None else f"{peak['value']:,} MiB {'✓' if peak['met'] else '✗'}"
        rows.append((f"`{stage}`", *cells, ratio_cell, peak_cell))
    missed = record.get("targets", {}).get("missed", [])
    note = (
        "Every stage measured meets both targets."
        if not missed
        else "Missed: "
        + "; ".join(
            f"`{m['stage']}` {m['target']} {m['value']} (limit {m['limit']}, {m['over_by_pct']}% over)" for m in missed
        )
    )
    state = "" if record.get("complete") else " The run is not complete: the record holds the sizes done so far."
    return table(header, rows) + f"\n\nCommit `{record['commit'][:7]}`. {note}{state}"


def cluster_table(record: Record) -> str:
    """bench/scale.py's cluster column: each row-parallel stage here, on 1 and 2 loopback
    workers, and the estimate for 10 workers from the one-worker run's task timings."""
    measured = [r for r in record["results"] if r.get("cluster")]
    if not measured:
        return "No cluster column in this record yet."
    result = measured[-1]
    columns = sorted(result["cluster"], key=lambda name: int(name.split("_")[0]))
    counts = [int(name.split("_")[0]) for name in columns]
    header = ["stage", "here", *(f"{n} worker{'s' if n > 1 else ''}" for n in counts), "10 workers, estimated"]
    rows = []
    for stage in result["cluster"][columns[0]]:
        here = result["stages"].get(stage, {}).get("seconds")
        cells = [f"{result['cluster'][name][stage]['seconds']:,.1f} s" for name in columns]
        estimate = result["cluster"][columns[0]][stage].get("estimate_10_workers_s")
        rows.append((f"`{stage}`", "—" if here is None else f"{here:,.1f} s", *cells,
                     "—" if estimate is None else f"{estimate:,.1f} s"))  # fmt: skip
    text = table(header, rows) + (
        f"\n\n{result['size']}x corpus ({result['reviews']:,} reviews), commit `{record['commit'][:7]}`, "
        f"{record.get('cpu_count', '?')} cores: the workers share the client's cores."
    )
    before = record.get("local_vs_before")
    if before:
        paired = [
            (f"`{stage}`", f"{f['seconds']:,.1f} s", f"{f['baseline_seconds']:,.1f} s", f"{f['paired_ratio']:.2f}",
             f"{f['peak_mib']:,} / {f['baseline_peak_mib']:,} MiB", f["runs"])
            for stage, f in before["stages"].items()
        ]  # fmt: skip
        header = ("stage, here", "now", f"before (`{before['baseline_commit']}`)", "paired ratio (median)",
                  "peak, now / before", "pairs")  # fmt: skip
        same = "the same output bytes" if before.get("outputs_identical") else "different outputs"
        text += f"\n\nWith no cluster, against the code before it ({same}):\n\n" + table(header, paired)
    return text


def sweep_table(bench: Record) -> str:
    """bench/sweep.py: the sweep's wall time with each worker count, and the 10-worker estimate."""
    sweep = bench["sweep"]
    runs = sorted((name for name in sweep if name.endswith("_workers")), key=lambda name: int(name.split("_")[0]))
    rows = []
    for name in runs:
        run = sweep[name]
        count = int(name.split("_")[0])
        rows.append((f"{count} worker{'s' if count > 1 else ''}", len(run["trials"]), f"{run['wall_s']:,.0f} s",
                     f"{run['trial_seconds_total']:,.0f} s", f"{run['longest_trial_s']:,.0f} s"))  # fmt: skip
    if "estimate_10_workers_s" in sweep:
        rows.append(("10 workers, estimated", len(sweep[runs[0]]["trials"]), f"{sweep['estimate_10_workers_s']:,.0f} s",
                     "—", "—"))  # fmt: skip
    best = sweep[runs[0]].get("best") if runs else None
    note = f"Grid `-S {' -S '.join(sweep['grid'])}`, commit `{sweep['commit'][:7]}`."
    if best:
        note += f" Best trial: `{best['name']}`, {best['metric']} = {best['value']:.4f}."
    header = ("workers", "trials", "sweep wall time", "trials' seconds in all", "longest trial")
    return table(header, rows) + "\n\n" + note


class Source(NamedTuple):
    path: str  # relative to the repository root
    build: Callable[[Record], str]
    command: str  # writes the file
    needs: str | None = None  # the part of the file the table reads, if not all of it


PLACEHOLDERS: dict[str, Source] = {
    "evaluate": Source("metrics/evaluate.json", evaluate_table, REPRO),
    "ensemble": Source("metrics/ensemble.json", ensemble_table, REPRO),
    "data": Source("metrics/data.json", data_table, REPRO),
    "lengths": Source("metrics/length_stats.json", lengths_table, REPRO),
    "word_vectors": Source("metrics/word2vec.json", word_vectors_table, REPRO),
    "bench": Source("metrics/bench.json", bench_table, "uv run python bench/run.py"),
    "scale": Source("metrics/scale.json", scale_table, "uv run python bench/scale.py"),
    "scale_word_vectors": Source(
        "metrics/scale_train_word2vec.json",
        scale_table,
        "uv run python bench/scale.py --sizes 1,10 --stages train_word2vec "
        "--out metrics/scale_train_word2vec.json --plot /tmp/scale_train_word2vec.png",
    ),
    "cluster": Source(
        "metrics/cluster.json",
        cluster_table,
        "uv run python bench/scale.py --sizes 4 "
        "--stages download,tokenize_reviews,reindex_vocab,train_ngrams,train_ending,evaluate "
        "--cluster-size 4 "
        "--out metrics/cluster.json --plot /tmp/cluster.png",
    ),
    "serve": Source("metrics/bench.json", serve_table, "uv run python bench/serve.py", needs="serve"),
    "inference": Source("metrics/bench.json", inference_table, "uv run python bench/inference.py", needs="inference"),
    "peers": Source("metrics/peers.json", peers_table, "uv sync --group peers && uv run python bench/peers.py"),
    "nsmc": Source("metrics/nsmc.json", nsmc_table, NSMC),
    "nsmc_stages": Source("metrics/nsmc.json", nsmc_stages_table, NSMC),
    "nsmc_neighbors": Source("metrics/nsmc.json", nsmc_neighbors_table, NSMC),
    "nsmc_candidates": Source(
        "metrics/studies/nsmc_candidates.json",
        nsmc_candidates_table,
        "uv run python bench/nsmc.py --no-peers --try NAME",
    ),
    "sweep": Source("metrics/bench.json", sweep_table, "uv run python bench/sweep.py", needs="sweep"),
    "platforms": Source("metrics/platforms.json", platforms_table, "uv run python bench/check_platforms.py"),
    "experiments": Source("metrics/experiments.json", experiments_table, "uv run python studies/experiments.py"),
    "model_defaults": Source(
        "metrics/model_defaults.json", model_defaults_table, "uv run python studies/model_defaults.py"
    ),
    "member_cv": Source("metrics/studies/member_cv.json", member_cv_table, "uv run python studies/member_cv.py"),
    "ensemble_candidates": Source(
        "metrics/studies/ensemble_candidates.json",
        ensemble_candidates_table,
        "uv run python studies/ensemble_candidates.py --only stacking",
        needs="candidates",
    ),
    "keras_members": Source(
        "metrics/studies/ensemble_candidates.json",
        keras_members_table,
        "uv run python studies/ensemble_candidates.py --only keras-members",
        needs="keras_members",
    ),
    "language_models": Source(
        "metrics/studies/ensemble_candidates.json",
        language_models_table,
        "uv run python studies/ensemble_candidates.py --only language-models",
        needs="language_models",
    ),
    "view_candidates": Source(
        "metrics/studies/view_candidates.json", view_candidates_table, "uv run python studies/view_candidates.py"
    ),
    "training_candidates": Source(
        "metrics/studies/training_candidates.json",
        training_candidates_table,
        "uv run python studies/training_candidates.py",
    ),
    "model_selection": Source(
        "metrics/studies/model_selection.json",
        model_selection_table,
        "uv run python studies/experiments.py --definitions studies/model_selection.yaml --target train "
        "--out metrics/studies/model_selection.json",
    ),
}


def load_module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_record(path: Path) -> Record | None:
    """The parsed file, None if it does not exist; malformed JSON raises, naming the file."""
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: malformed JSON: {error}") from error
    if not isinstance(record, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(record).__name__}")
    return record


def results(name: str, repo: Path = REPO) -> str:
    """The markdown that replaces `<!-- results:NAME -->`, read from the files under `repo`."""
    if name not in PLACEHOLDERS:
        raise KeyError(f"<!-- results:{name} -->: no such table (known: {', '.join(PLACEHOLDERS)})")
    source = PLACEHOLDERS[name]
    record = read_record(repo / source.path)
    if record is None or (source.needs is not None and source.needs not in record):
        what = "does not exist" if record is None else f"has no `{source.needs}` part"
        return f'!!! note "Not measured yet"\n    `{source.path}` {what}: run `{source.command}` to write it.'
    try:
        return source.build(record)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{source.path}: not the record <!-- results:{name} --> expects ({error!r})") from error


def render(markdown: str, repo: Path = REPO) -> str:
    """`markdown` with every results placeholder replaced by its table."""
    return PLACEHOLDER.sub(lambda match: results(match[1], repo), markdown)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """MkDocs' hook: the page's placeholders filled from the repository that holds mkdocs.yml."""
    return render(markdown, Path(config.config_file_path).parent)
