"""Small labelled tables in your-own-data form (CSV, Parquet, JSONL), from the fixture's synthetic reviews."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from fixture_archive import synthetic_review

# data.table settings that read these tables (the README's example uses the same column names)
TABLE_PARAMS = {
    "data.source": "table",
    "data.table.columns": {"text": "review", "label": "sentiment", "split": "subset", "group": "product"},
    "data.table.labels": {"negative": ["bad", 0], "positive": ["good", 1]},
}


def review_frame(per_class: int = 100, unlabeled: int = 60, seed: int = 0) -> pd.DataFrame:
    """Reviews of products (five a product), labelled 'good' / 'bad', with a train / test /
    unlabeled column; the unlabeled rows have no label."""
    rng = np.random.default_rng(seed)
    rows = []
    for subset in ("train", "test"):
        for label in ("good", "bad"):
            for i in range(per_class):
                rows.append((synthetic_review(rng, int(label == "good")), label, subset, f"{subset}-p{i // 5}"))
    rows += [(synthetic_review(rng, None), None, "unlabeled", f"u{i // 5}") for i in range(unlabeled)]
    return pd.DataFrame(rows, columns=["review", "sentiment", "subset", "product"])


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return path


def write_jsonl(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path
