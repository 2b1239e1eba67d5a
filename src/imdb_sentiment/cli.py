"""The user-facing command line: `python -m imdb_sentiment predict ...`."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import TextIO

from imdb_sentiment.io import PipelineError, atomic_output


def write_predictions(texts: list[str], probabilities: list[float], out: TextIO, fmt: str) -> None:
    """CSV (text, probability, label) or JSON lines with the same fields."""
    rows = [
        {"text": text, "probability": round(float(p), 6), "label": "positive" if p >= 0.5 else "negative"}
        for text, p in zip(texts, probabilities, strict=True)
    ]
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=["text", "probability", "label"])
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
    from imdb_sentiment.predict import load_classifier

    if args.text is None and args.file is None:
        raise PipelineError("give a review to score, or --file FILE (one review per line, - for stdin)")
    texts = [args.text] if args.text is not None else read_reviews_file(args.file)
    classifier = load_classifier(args.model, vocab_path=args.vocab, params_path=args.params)
    probabilities = classifier.predict(texts).tolist()
    if args.text is not None and args.output is None and args.format is None:
        p = probabilities[0]
        print(f"{p:.4f}\t{'positive' if p >= 0.5 else 'negative'}")
        return
    fmt = output_format(args.format, args.output)
    if args.output:
        with atomic_output(args.output) as tmp, open(tmp, "w", encoding="utf-8", newline="") as out:
            write_predictions(texts, probabilities, out, fmt)
    else:
        write_predictions(texts, probabilities, sys.stdout, fmt)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m imdb_sentiment", description="IMDB sentiment tools")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="score reviews with the trained model")
    predict.add_argument("text", nargs="?", help="one review to score")
    predict.add_argument("--file", help="reviews, one per line ('-' for stdin)")
    predict.add_argument("--output", help="write predictions here (.csv or .jsonl) instead of stdout")
    predict.add_argument("--format", choices=["csv", "jsonl"], help="default: from --output's extension, else csv")
    predict.add_argument("--model", default="data/ensemble.zip", help="the ensemble (.zip) or a Keras model (.keras)")
    predict.add_argument("--vocab", default="data/vocab.json", help="for a .keras model only")
    predict.add_argument("--params", default="params.yaml", help="padding for a .keras model only")
    args = parser.parse_args(argv)
    try:
        predict_command(args)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
