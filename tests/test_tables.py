"""Your own labelled files in (imdb_sentiment.sources.tables): every format to the same reviews table,
however it is cut, and one clear line for each kind of bad input, with nothing written."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fixture_tables import review_frame, write_csv, write_jsonl, write_parquet

from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.sources import tables
from imdb_sentiment.sources.tables import TableSpec, write_table_source

COLUMNS = {"text": "review", "label": "sentiment", "split": "subset", "group": "product"}
LABELS: dict[str, list[Any]] = {"negative": ["bad"], "positive": ["good"]}


def spec(path: Path | str, **changes: Any) -> TableSpec:
    settings: dict[str, Any] = {"path": str(path), "format": "auto", "columns": COLUMNS, "labels": LABELS,
                                "test_size": 0.2, "seed": 0} | changes  # fmt: skip
    return TableSpec(**settings)


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_csv_rows_become_the_reviews_table(tmp_path: Path) -> None:
    frame = review_frame()
    report = write_table_source(spec(write_csv(frame, tmp_path / "in.csv")), str(tmp_path / "out.parquet"))
    table = pd.read_parquet(tmp_path / "out.parquet")
    assert list(table.columns) == ["split", "label", "rating", "id", "text", "group"]
    assert table["split"].tolist() == frame["subset"].replace({"unlabeled": "unsup"}).tolist()
    labelled = table["split"] != "unsup"
    assert table.loc[labelled, "label"].tolist() == (frame.loc[labelled, "sentiment"] == "good").astype(int).tolist()
    assert table.loc[~labelled, "label"].isna().all()  # unlabeled rows need no label
    assert table["text"].tolist() == frame["review"].tolist() and table["id"].tolist() == list(range(len(frame)))
    assert table["group"].tolist() == frame["product"].tolist()
    summary = report.as_dict()
    assert summary["counts"] == {"train/negative": 100, "train/positive": 100, "test/negative": 100,
                                 "test/positive": 100, "unlabeled": 60}  # fmt: skip
    assert summary["train_groups"] == 20 and summary["files"] == [str(tmp_path / "in.csv")]


def test_every_format_and_batch_size_gives_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CSV, Parquet and JSONL of the same rows, read in batches of 20,000 or of 7 rows: one result."""
    frame = review_frame()
    written = [write(frame, tmp_path / f"in{suffix}") for write, suffix in
               ((write_csv, ".csv"), (write_parquet, ".parquet"), (write_jsonl, ".jsonl"))]  # fmt: skip
    outputs = [tmp_path / f"out{i}.parquet" for i in range(4)]
    for source, out in zip(written, outputs, strict=False):
        write_table_source(spec(source), str(out))
    monkeypatch.setattr(tables, "READ_ROWS", 7)
    monkeypatch.setattr("imdb_sentiment.sources.reviews.ROW_GROUP_ROWS", 50_000)
    write_table_source(spec(written[0]), str(outputs[3]))
    assert len({md5(out) for out in outputs}) == 1


def test_a_folder_or_a_glob_reads_its_files_in_name_order_as_one(tmp_path: Path) -> None:
    frame = review_frame()
    write_csv(frame, tmp_path / "whole.csv")
    folder = tmp_path / "parts"
    write_parquet(frame.iloc[:250], folder / "part-1.parquet")
    write_csv(frame.iloc[250:], folder / "part-2.csv")
    (folder / "README.md").write_text("not a table")  # a folder's other files are left alone
    write_table_source(spec(tmp_path / "whole.csv"), str(tmp_path / "whole.parquet"))
    report = write_table_source(spec(folder), str(tmp_path / "folder.parquet"))
    write_table_source(spec(f"{folder}/part-*"), str(tmp_path / "glob.parquet"))
    assert md5(tmp_path / "whole.parquet") == md5(tmp_path / "folder.parquet") == md5(tmp_path / "glob.parquet")
    assert [Path(name).name for name in report.files] == ["part-1.parquet", "part-2.csv"]


def test_without_a_split_column_a_hash_of_the_group_makes_the_test_set(tmp_path: Path) -> None:
    frame = review_frame(per_class=400, unlabeled=0)
    path = write_csv(frame.drop(columns="subset"), tmp_path / "in.csv")
    columns = {**COLUMNS, "split": None}
    write_table_source(spec(path, columns=columns, test_size=0.3), str(tmp_path / "a.parquet"))
    table = pd.read_parquet(tmp_path / "a.parquet")
    assert 0.2 < (table["split"] == "test").mean() < 0.4
    assert table.groupby("group")["split"].nunique().max() == 1  # each product wholly on one side
    shuffled = write_csv(frame.drop(columns="subset").sample(frac=1, random_state=1), tmp_path / "shuffled.csv")
    write_table_source(spec(shuffled, columns=columns, test_size=0.3), str(tmp_path / "b.parquet"))
    other = pd.read_parquet(tmp_path / "b.parquet")
    # the same review lands on the same side whatever the row order; another seed moves them
    assert dict(zip(table["text"], table["split"], strict=True)) == dict(
        zip(other["text"], other["split"], strict=True)
    )
    write_table_source(spec(path, columns=columns, test_size=0.3, seed=1), str(tmp_path / "c.parquet"))
    assert not pd.read_parquet(tmp_path / "c.parquet")["split"].equals(table["split"])


def test_without_a_group_each_review_is_hashed_by_its_text(tmp_path: Path) -> None:
    frame = review_frame(per_class=300, unlabeled=0).drop(columns=["subset", "product"])
    frame = pd.concat([frame, frame.iloc[:50]])  # repeated reviews
    path = write_csv(frame, tmp_path / "in.csv")
    report = write_table_source(
        spec(path, columns={**COLUMNS, "split": None, "group": None}), str(tmp_path / "o.parquet")
    )
    table = pd.read_parquet(tmp_path / "o.parquet")
    assert table.groupby("text")["split"].nunique().max() == 1  # a repeated text never straddles train and test
    assert table["group"].isna().all()
    summary = report.as_dict()
    assert summary["duplicate_reviews"] == 50 and summary["reviews_without_group"]["train"] > 0


def test_labels_map_by_the_listed_values_whatever_their_type(tmp_path: Path) -> None:
    frame = review_frame().assign(sentiment=lambda f: f["sentiment"].map({"good": 1, "bad": 0}))
    path = write_parquet(frame, tmp_path / "in.parquet")
    write_table_source(spec(path, labels={"negative": [0], "positive": [1]}), str(tmp_path / "out.parquet"))
    table = pd.read_parquet(tmp_path / "out.parquet")
    np.testing.assert_array_equal(table["label"].dropna().to_numpy(), frame["sentiment"].dropna().to_numpy())


def test_empty_texts_are_kept_and_counted(tmp_path: Path) -> None:
    frame = review_frame()
    frame.loc[[3, 7], "review"] = ["", "   "]
    report = write_table_source(spec(write_parquet(frame, tmp_path / "in.parquet")), str(tmp_path / "out.parquet"))
    assert report.as_dict()["empty_reviews"] == 2 and pq.read_metadata(tmp_path / "out.parquet").num_rows == 460


def broken(frame: pd.DataFrame, tmp_path: Path, case: str) -> tuple[Path, dict[str, Any]]:
    """A file with one kind of fault, and the spec changes that read it."""
    if case == "missing column":
        return write_csv(frame.rename(columns={"sentiment": "stars"}), tmp_path / "in.csv"), {}
    if case == "unlisted label":
        frame.loc[17, "sentiment"] = "meh"
        return write_csv(frame, tmp_path / "in.csv"), {}
    if case == "unlisted label in jsonl":
        frame.loc[17, "sentiment"] = "meh"
        return write_jsonl(frame, tmp_path / "in.jsonl"), {}
    if case == "not utf-8":
        path = write_csv(frame, tmp_path / "in.csv")
        text = path.read_bytes().replace(
            frame.loc[41, "review"].encode(), frame.loc[41, "review"].encode() + b" caf\xe9"
        )
        path.write_bytes(text)
        return path, {}
    if case == "text not strings":
        return write_parquet(frame.assign(review=np.arange(len(frame))), tmp_path / "in.parquet"), {}
    if case == "no rows":
        return write_csv(frame.iloc[:0], tmp_path / "in.csv"), {}
    if case == "empty file":
        (tmp_path / "in.csv").write_bytes(b"")
        return tmp_path / "in.csv", {}
    if case == "bad split":
        frame.loc[300, "subset"] = "dev"
        return write_parquet(frame, tmp_path / "in.parquet"), {}
    if case == "no such path":
        return tmp_path / "nowhere.csv", {}
    if case == "no test class":
        return write_csv(frame[~((frame.subset == "test") & (frame.sentiment == "bad"))], tmp_path / "in.csv"), {}
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "missing column",
            r"in\.csv: no column 'sentiment' \(data\.table\.columns\.label\); its columns are: 'review'",
        ),
        ("unlisted label", r"in\.csv row 18 column 'sentiment': label 'meh' is not one of the values .*'bad'.*'good'"),
        ("unlisted label in jsonl", r"in\.jsonl row 18 column 'sentiment': label 'meh' is not one of the values"),
        ("not utf-8", r"in\.csv row 42 column 'review': bytes that are not UTF-8"),
        (
            "text not strings",
            r"in\.parquet: column 'review' \(data\.table\.columns\.text\) holds int64, expected strings",
        ),
        ("no rows", r"in\.csv: no rows"),
        ("empty file", r"in\.csv: the file is empty"),
        ("bad split", r"in\.parquet row 301 column 'subset': split 'dev' is not one of train, test, unlabeled"),
        ("no such path", r"nowhere\.csv: no such file or folder"),
        ("no test class", r"no reviews in test/negative"),
    ],
)
def test_bad_input_is_one_line_naming_file_row_and_column_and_writes_nothing(
    tmp_path: Path, case: str, message: str
) -> None:
    path, changes = broken(review_frame(), tmp_path, case)
    out = tmp_path / "out" / "reviews.parquet"
    with pytest.raises(PipelineError, match=message) as raised:
        write_table_source(spec(path, **changes), str(out))
    assert "\n" not in str(raised.value)
    assert not out.parent.exists() or not list(out.parent.iterdir())  # no output, not even a temporary file


def test_a_value_listed_for_both_classes_is_refused(tmp_path: Path) -> None:
    path = write_csv(review_frame(), tmp_path / "in.csv")
    with pytest.raises(PipelineError, match="lists 'bad' under both negative and positive"):
        write_table_source(spec(path, labels={"negative": ["bad"], "positive": ["good", "bad"]}), str(tmp_path / "o"))


def test_a_parquet_file_s_row_groups_are_parts_with_the_bytes_of_the_whole(tmp_path: Path) -> None:
    """Parts a worker reads alone: each row group, numbered from the footer; bad rows named in the file."""
    frame = review_frame()
    whole = write_parquet(frame, tmp_path / "whole.parquet")
    grouped = tmp_path / "grouped.parquet"
    pq.write_table(pq.read_table(whole), grouped, row_group_size=100)
    fs, files = tables.list_files(spec(grouped))
    parts = tables.file_parts(fs, files)
    assert [(part.row_group, part.first) for part in parts] == [(i, 1 + 100 * i) for i in range(5)]
    write_table_source(spec(whole), str(tmp_path / "a.parquet"))
    write_table_source(spec(grouped), str(tmp_path / "b.parquet"))
    assert md5(tmp_path / "a.parquet") == md5(tmp_path / "b.parquet")
    frame.loc[317, "sentiment"] = "meh"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), grouped, row_group_size=100)
    with pytest.raises(PipelineError, match=r"grouped.parquet row 318 column 'sentiment': label 'meh'"):
        write_table_source(spec(grouped), str(tmp_path / "c.parquet"))
