"""The user-facing command line: `python -m imdb_sentiment predict|serve|report ...`."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from imdb_sentiment.pipeline.io import PipelineError, atomic_output
from imdb_sentiment.scoring.classifier import NO_KNOWN_WORDS, Scores, describe_training
from imdb_sentiment.scoring.predict import (
    DEFAULT_MODEL,
    DEFAULT_PARAMS,
    DEFAULT_VOCAB,
    Classifier,
    ModelFiles,
    label_of,
)


def terms_cell(terms: list[dict[str, Any]]) -> str:
    return "; ".join(f"{t['term']}:{t['weight']:+.3f}" for t in terms)


def write_predictions(
    texts: list[str],
    scores: Scores,
    out: TextIO,
    fmt: str,
    explanations: list[dict[str, Any] | None] | None = None,
) -> None:
    """CSV (text, probability, label, known_words) or JSON lines with the same fields; a review
    with no known word gets no probability or label (empty in CSV, null in JSON). Explained, CSV
    adds the top terms and the method, JSON lines the whole explanation."""
    rows: list[dict[str, Any]] = [
        {
            "text": text,
            "probability": None if p is None else round(p, 6),
            "label": None if p is None else label_of(p),
            "known_words": int(n),
        }
        for text, p, n in zip(texts, scores.probability_or_none(), scores.known_words, strict=True)
    ]
    for row, explanation in zip(rows, explanations or [], strict=False):
        if fmt == "csv":
            row |= {
                "positive_terms": terms_cell(explanation["positive"]) if explanation else None,
                "negative_terms": terms_cell(explanation["negative"]) if explanation else None,
                "method": explanation["method"] if explanation else None,
            }
        else:
            row["explanation"] = explanation and {
                key: value for key, value in explanation.items() if key != "probability"
            }
    if fmt == "csv":
        writer = csv.DictWriter(
            out, fieldnames=list(rows[0]) if rows else ["text", "probability", "label", "known_words"]
        )
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def output_format(requested: str | None, output: str | None) -> str:
    if requested:
        return requested
    if output and output.endswith((".jsonl", ".json")):
        return "jsonl"
    return "csv"


def read_reviews_file(path: str) -> list[str]:
    if path == "-":
        return sys.stdin.read().splitlines()
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        raise PipelineError(f"{path}: no such file (expected one review per line)") from None
    except IsADirectoryError:
        raise PipelineError(f"{path} is a directory (expected a text file, one review per line)") from None


def predict_command(args: argparse.Namespace) -> None:
    if args.text is None and args.file is None:
        raise PipelineError("give a review to score, or --file FILE (one review per line, - for stdin)")
    texts = [args.text] if args.text is not None else read_reviews_file(args.file)
    explanations: list[dict[str, Any] | None] | None = None
    if args.file is not None and not args.explain:  # a file of reviews: scored in parts, here or on a Dask cluster
        model = chosen_model_files(args)
        scores = score_file_texts(model, texts)
        trained_on = model.trained_on
    else:
        classifier = load_chosen_classifier(args)
        scores = classifier.score(texts)
        trained_on = classifier.trained_on
        if args.text is not None and scores.unscored[0]:
            raise PipelineError(f"the review {NO_KNOWN_WORDS}")
        if args.explain:
            from imdb_sentiment.scoring.explain import Explainer

            explainer = Explainer(classifier)
            explanations = [
                None if unscored else explainer.explain([text], args.top)[0].as_dict()
                for text, unscored in zip(texts, scores.unscored, strict=True)
            ]
    # on stderr: stdout is the predictions, which scripts parse
    print(f"model {model_label(args)}: {describe_training(trained_on)}", file=sys.stderr)
    if args.text is not None and args.output is None and args.format is None:
        p = float(scores.probabilities[0])
        print(f"{p:.4f}\t{label_of(p)}")
        if explanations and explanations[0]:
            print_explanation(explanations[0])
        return
    fmt = output_format(args.format, args.output)
    if args.output:
        with atomic_output(args.output) as tmp, open(tmp, "w", encoding="utf-8", newline="") as out:
            write_predictions(texts, scores, out, fmt, explanations)
    else:
        write_predictions(texts, scores, sys.stdout, fmt, explanations)


def score_file_texts(model: ModelFiles, texts: list[str]) -> Scores:
    import logging

    from imdb_sentiment.distributed import cluster
    from imdb_sentiment.pipeline.params import ClusterParams, load_params
    from imdb_sentiment.scoring.classifier import score_texts

    # Where the parts go is said on stderr (stdout may be the predictions).
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("imdb_sentiment.distributed.cluster").setLevel(logging.INFO)
    settings = load_params(ClusterParams) if Path(DEFAULT_PARAMS).is_file() else ClusterParams()
    with cluster.runner(settings) as work:
        return score_texts(model, texts, work)


def print_explanation(explanation: dict[str, Any]) -> None:
    """The top terms of one review, strongest first, as `+0.932  wonderful` lines."""
    print(f"method: {explanation['method']}")
    for heading, key in (("towards positive", "positive"), ("towards negative", "negative")):
        print(f"{heading}:")
        for term in explanation[key]:
            print(f"  {term['weight']:+.3f}  {term['term']}")


def serve_command(args: argparse.Namespace) -> None:
    """Load the model first (a bad one stops here, with one line), then serve until interrupted."""
    import uvicorn

    from imdb_sentiment.scoring.serve.app import create_app

    classifier = load_chosen_classifier(args)
    app = create_app(classifier, model_name=model_label(args))
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=args.log_level == "debug")


def model_label(args: argparse.Namespace) -> str:
    """The model as --model, --rev or --stage chose it: data/ensemble.zip, data/ensemble.zip@v1.0.0, ...#prod."""
    where = f"@{args.rev}" if args.rev else f"#{args.stage}" if args.stage else ""
    return f"{args.model}{where}"


def load_chosen_classifier(args: argparse.Namespace) -> Classifier:
    """--model (and for a .keras model --vocab, --params) from the workspace, or at --rev, or the
    version in registry stage --stage."""
    from imdb_sentiment.scoring.predict import load_classifier, load_classifier_at_revision, load_classifier_in_stage

    if args.stage is not None:
        return load_classifier_in_stage(args.stage)
    if args.rev is not None:
        return load_classifier_at_revision(args.rev, args.model, vocab_path=args.vocab, params_path=args.params)
    return load_classifier(args.model, vocab_path=args.vocab, params_path=args.params)


def chosen_model_files(args: argparse.Namespace) -> ModelFiles:
    """The files of the model ``load_chosen_classifier`` would load, as bytes a worker can load too."""
    from imdb_sentiment.scoring.predict import model_files_at_revision, model_files_in_stage

    if args.stage is not None:
        return model_files_in_stage(args.stage)
    if args.rev is not None:
        return model_files_at_revision(args.rev, args.model, vocab_path=args.vocab, params_path=args.params)
    return ModelFiles.read(args.model, args.vocab, args.params)


def report_command(args: argparse.Namespace) -> None:
    from imdb_sentiment.sharing.report import write_report

    print(write_report(Path(args.out), base=args.base))


def cluster_command(args: argparse.Namespace) -> None:
    from imdb_sentiment.distributed.loopback import serve_until_interrupted

    serve_until_interrupted(Path(args.folder).resolve(), args.workers)


def sweep_command(args: argparse.Namespace) -> None:
    import logging

    from imdb_sentiment.distributed.sweep import DEFAULT_METRIC, INTERRUPTED, run_sweep

    logging.basicConfig(level=logging.WARNING, format="%(message)s")  # progress on stderr, the table on stdout
    for name in ("imdb_sentiment.distributed.sweep", "imdb_sentiment.distributed.cluster"):
        logging.getLogger(name).setLevel(logging.INFO)
    repo = Path.cwd()
    try:
        status = run_sweep(
            repo, args.set_params, args.trials, address=args.cluster, workers=args.workers, prefix=args.name,
            metric_text=args.metric or DEFAULT_METRIC, minimize=args.minimize,
        )  # fmt: skip
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)
    sys.exit(status)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the ensemble (.zip) or a Keras model (.keras)")
    parser.add_argument("--vocab", default=DEFAULT_VOCAB, help="for a .keras model without its vocabulary only")
    parser.add_argument("--params", default=DEFAULT_PARAMS, help="padding for a .keras model without it only")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--rev",
        help="a registered model version (v1.0.0 = tag imdb-sentiment@v1.0.0) or any git revision: the model "
        "as committed there, fetched through DVC from the cache or the remote, instead of the workspace's",
    )
    source.add_argument("--stage", help="the model version a registry stage points to (e.g. prod)")


def reproduction_command(args: argparse.Namespace) -> None:
    from imdb_sentiment.sharing.reproduction import check_reproduction, describe

    check = check_reproduction(Path("."), args.against)
    print(describe(check, args.against))
    if not check.reproduced:
        sys.exit(1)


def positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return int(value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m imdb_sentiment", description="IMDB sentiment tools")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="score reviews with the trained model")
    predict.add_argument("text", nargs="?", help="one review to score")
    predict.add_argument("--file", help="reviews, one per line ('-' for stdin)")
    predict.add_argument("--output", help="write predictions here (.csv or .jsonl) instead of stdout")
    predict.add_argument("--format", choices=["csv", "jsonl"], help="default: from --output's extension, else csv")
    predict.add_argument("--explain", action="store_true", help="also list each review's top terms")
    predict.add_argument("--top", type=positive_int, default=10, help="terms per direction with --explain (default 10)")
    add_model_arguments(predict)
    serve = commands.add_parser("serve", help="serve the model over HTTP: POST /predict, GET /health, page at /")
    add_model_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: this machine only)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                       help="uvicorn's; 'debug' also logs each request")  # fmt: skip
    report = commands.add_parser("report", help="metrics, params and plots of the workspace against a base revision")
    report.add_argument("--base", default="HEAD", help="the revision to compare with (default HEAD; in CI: main)")
    report.add_argument("--out", default="report", help="folder for report.md and plots/ (default report/)")
    reproduction = commands.add_parser(
        "check-reproduction", help="compare this run's results and outputs with a committed run's (exit 1 if off)"
    )
    reproduction.add_argument("--against", default="HEAD", help="the committed run's revision (default HEAD)")
    local_cluster = commands.add_parser(
        "cluster", help="a Dask scheduler and workers on this machine's loopback, until Ctrl-C (docs: cluster)"
    )
    local_cluster.add_argument("--workers", type=positive_int, default=2, help="worker processes (one thread each)")
    local_cluster.add_argument("--folder", default=".dask-cluster", help="the processes' logs and working folders")
    sweep = commands.add_parser(
        "sweep", help="`dvc exp run` trials on a Dask cluster, shared through origin and the DVC remote (docs: sweeps)"
    )
    sweep.add_argument("-S", "--set-param", dest="set_params", action="append", default=[],
                       metavar="[FILE:]PARAM=VALUES",
                       help="as `dvc exp run --queue -S`: a,b,c or range(...) is a grid axis")  # fmt: skip
    sweep.add_argument("--trials", type=Path, help="a YAML list of trials, each a mapping of param to value")
    sweep.add_argument("--cluster", metavar="ADDRESS", help="a Dask scheduler (tls://host:8786); default: "
                       "$DASK_SCHEDULER_ADDRESS or cluster.scheduler, else --workers processes here")  # fmt: skip
    sweep.add_argument("--workers", type=positive_int, default=2, help="the local cluster's worker processes")
    sweep.add_argument("--name", default="sweep", help="the trials' name prefix (default sweep)")
    sweep.add_argument("--metric", help="FILE:KEY that picks the best trial; never a test figure "
                       "(default: the ensemble's validation accuracy)")  # fmt: skip
    sweep.add_argument("--minimize", action="store_true", help="the lowest metric is best (a loss)")
    args = parser.parse_args(argv)
    commands_by_name = {
        "predict": predict_command,
        "serve": serve_command,
        "report": report_command,
        "check-reproduction": reproduction_command,
        "cluster": cluster_command,
        "sweep": sweep_command,
    }
    try:
        commands_by_name[args.command](args)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
