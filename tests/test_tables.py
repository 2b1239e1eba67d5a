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


def spec(path: Path | str | dict[str, str], **changes: Any) -> TableSpec:
    where = path if isinstance(path, dict) else str(path)  # a mapping: a split per file
    settings: dict[str, Any] = {"path": where, "format": "auto", "columns": COLUMNS, "labels": LABELS,
                                "test_size": 0.2, "seed": 0} | changes  # fmt: skip
    return TableSpec(**settings)


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def write_tsv(frame: pd.DataFrame, path: Path) -> Path:
    """As pandas writes TSV: a field holding a tab, a line break or a quote quoted, its quotes doubled."""
    frame.to_csv(path, sep="\t", index=False)
    return path


def nsmc_file(path: Path, rows: list[tuple[str, int]]) -> Path:
    """A file as NSMC ships them: id, document and label, tab-separated, unquoted (a quote is text)."""
    lines = [f"{9000 + i}\t{text}\t{label}\n" for i, (text, label) in enumerate(rows)]
    path.write_text("id\tdocument\tlabel\n" + "".join(lines), encoding="utf-8")
    return path


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


def broken(frame: pd.DataFrame, tmp_path: Path, case: str) -> tuple[Path | dict[str, str], dict[str, Any]]:
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
    if case == "unlisted label beside excluded ones":
        frame.loc[[5, 9], "sentiment"] = "so-so"
        frame.loc[17, "sentiment"] = "meh"
        return write_csv(frame, tmp_path / "in.csv"), {"exclude": ["so-so"]}
    if case == "excluded and listed":  # compared as text: 1.0 is the listed 1
        labels = {"negative": ["bad", 0], "positive": ["good", 1]}
        return write_csv(frame, tmp_path / "in.csv"), {"labels": labels, "exclude": [5, 1.0]}
    if case == "tab inside a review, quoting none":
        frame.loc[16, "review"] += "\tand more"
        return write_tsv(frame, tmp_path / "in.tsv"), {"quoting": "none"}
    if case == "split column with a split per file":
        path = write_csv(frame, tmp_path / "in.csv")
        return {"train": str(path), "test": str(path)}, {}
    if case == "a file under two splits":
        path = write_csv(frame.drop(columns="subset"), tmp_path / "in.csv")
        return {"train": str(path), "test": str(path)}, {"columns": {**COLUMNS, "split": None}}
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
        (
            "unlisted label beside excluded ones",
            r"in\.csv row 18 column 'sentiment': label 'meh' is not one of the values .* or data\.table\.exclude "
            r"leaves out \('so-so'\)",
        ),
        (
            "excluded and listed",
            r"params\.yaml: data\.table\.exclude lists 1\.0, which data\.table\.labels lists under positive",
        ),
        (
            "tab inside a review, quoting none",
            r"in\.tsv row 17: 5 fields, expected 4 \(data\.table\.quoting: none; a tab or line break inside a review "
            r"needs quoting: set data\.table\.quoting: double\)$",
        ),
        (
            "split column with a split per file",
            r"data\.table\.path names a path per split \(train, test\).*columns\.split is 'subset': set it to null",
        ),
        (
            "a file under two splits",
            r"in\.csv is under both data\.table\.path\.train and data\.table\.path\.test",
        ),
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
    parts = tables.table_parts(spec(grouped))
    assert [(part.row_group, part.first) for part in parts] == [(i, 1 + 100 * i) for i in range(5)]
    write_table_source(spec(whole), str(tmp_path / "a.parquet"))
    write_table_source(spec(grouped), str(tmp_path / "b.parquet"))
    assert md5(tmp_path / "a.parquet") == md5(tmp_path / "b.parquet")
    frame.loc[317, "sentiment"] = "meh"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), grouped, row_group_size=100)
    with pytest.raises(PipelineError, match=r"grouped.parquet row 318 column 'sentiment': label 'meh'"):
        write_table_source(spec(grouped), str(tmp_path / "c.parquet"))


def test_excluded_label_values_leave_their_rows_out_and_are_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Star ratings as NSMC's authors labelled them: 5 to 8 left out, as if the file never held them
    (the same bytes, ids following on across batches), counted per split; unlabeled rows stay."""
    frame = review_frame().assign(sentiment=lambda f: f["sentiment"].map({"good": 10, "bad": 1}).astype("Int64"))
    rng = np.random.default_rng(0)
    middling = rng.choice(np.flatnonzero(frame["subset"] != "unlabeled"), size=60, replace=False)
    frame.loc[middling, "sentiment"] = rng.integers(5, 9, size=60)
    frame.loc[frame.index[-3:], "sentiment"] = 6  # unlabeled rows: their label is never read
    ratings = {"negative": [1, 2, 3, 4], "positive": [9, 10]}
    monkeypatch.setattr(tables, "READ_ROWS", 7)
    report = write_table_source(
        spec(write_csv(frame, tmp_path / "in.csv"), labels=ratings, exclude=[5, 6, 7, 8.0]), str(tmp_path / "a.parquet")
    )
    kept = frame.drop(index=middling)
    write_table_source(spec(write_csv(kept, tmp_path / "kept.csv"), labels=ratings), str(tmp_path / "b.parquet"))
    assert md5(tmp_path / "a.parquet") == md5(tmp_path / "b.parquet")
    assert pd.read_parquet(tmp_path / "a.parquet")["id"].tolist() == list(range(len(kept)))
    summary = report.as_dict()
    left_out = frame.loc[middling, "subset"].value_counts()
    assert summary["excluded"] == {"train": left_out["train"], "test": left_out["test"]}
    assert summary["reviews"] == len(kept) and summary["counts"]["unlabeled"] == 60


def test_with_a_hashed_split_excluded_rows_are_counted_on_their_hashed_side(tmp_path: Path) -> None:
    frame = review_frame(unlabeled=0).drop(columns="subset")
    frame.loc[::4, "sentiment"] = "meh"
    columns = {**COLUMNS, "split": None}
    report = write_table_source(spec(write_csv(frame, tmp_path / "in.csv"), columns=columns, exclude=["meh"]),
                                str(tmp_path / "a.parquet"))  # fmt: skip
    kept = frame[frame["sentiment"] != "meh"]
    write_table_source(spec(write_csv(kept, tmp_path / "kept.csv"), columns=columns), str(tmp_path / "b.parquet"))
    assert md5(tmp_path / "a.parquet") == md5(tmp_path / "b.parquet")
    excluded = report.as_dict()["excluded"]
    assert excluded["train"] + excluded["test"] == 100 and excluded["test"] > 0


@pytest.mark.parametrize("quoting", ["auto", "double"])
def test_a_tsv_file_with_quoted_fields_reads_as_pandas_wrote_it(tmp_path: Path, quoting: str) -> None:
    frame = review_frame()
    frame.loc[16, "review"] += "\tand a tab"
    frame.loc[40, "review"] += "\nand a second line"
    frame.loc[41, "review"] = '"Quoted," he said, and ""doubled"" quotes'
    path = write_tsv(frame, tmp_path / "in.tsv")
    write_table_source(spec(path, quoting=quoting), str(tmp_path / "out.parquet"))
    assert pd.read_parquet(tmp_path / "out.parquet")["text"].tolist() == frame["review"].tolist()


NSMC_TRAIN = [
    ('"최고의 영화', 1),  # a quote that opens and never closes
    ("그냥 그랬다", 0),
    ('"재밌다"고 했다', 1),  # a quote closed before more text
    ('지루해서 잤다 ㅋ"', 0),
    ("배우들 연기 굿", 1),
    ('별로 "비추"', 0),
]
NSMC_TEST = [("다시 보고 싶다", 1), ('"돈 아깝다', 0), ("감동적이다", 1), ("시간 낭비", 0)]


@pytest.mark.parametrize("quoting", ["auto", "none"])
def test_nsmc_s_own_files_read_a_split_per_file_with_quotes_as_text(tmp_path: Path, quoting: str) -> None:
    """ratings_train.txt and ratings_test.txt: TSV named .txt, read as data.table.format says; each
    row's split its file's; an unlabeled file needs no label column."""
    folder = tmp_path / "nsmc"
    folder.mkdir()
    train = nsmc_file(folder / "ratings_train.txt", NSMC_TRAIN)
    test = nsmc_file(folder / "ratings_test.txt", NSMC_TEST)
    (folder / "unlabeled.txt").write_text('id\tdocument\n1\t"그냥\n2\t봤다\n', encoding="utf-8")
    paths = {"train": str(train), "test": str(test), "unlabeled": str(folder / "unlabeled.txt")}
    nsmc = spec(paths, format="tsv", columns={"text": "document", "label": "label", "split": None, "group": None},
                labels={"negative": [0], "positive": [1]}, quoting=quoting)  # fmt: skip
    report = write_table_source(nsmc, str(tmp_path / "out.parquet"))
    table = pd.read_parquet(tmp_path / "out.parquet")
    assert table["text"].tolist() == [text for text, _ in NSMC_TRAIN + NSMC_TEST] + ['"그냥', "봤다"]
    assert table["split"].tolist() == ["train"] * 6 + ["test"] * 4 + ["unsup"] * 2
    assert table["label"].tolist()[:10] == [label for _, label in NSMC_TRAIN + NSMC_TEST]
    assert table["id"].tolist() == list(range(12))
    summary = report.as_dict()
    assert summary["files"] == list(paths.values()) and summary["counts"]["unlabeled"] == 2
    # a glob naming the suffix reads its files in the format set too; the folder's other files are left alone
    (folder / "README.md").write_text("not a table")
    globbed = TableSpec(**{**nsmc.__dict__, "path": {"train": f"{folder}/ratings_tr*.txt", "test": str(test)}})
    assert write_table_source(globbed, str(tmp_path / "glob.parquet")).as_dict()["files"] == [str(train), str(test)]


def test_quoted_reading_of_an_unbalanced_quote_is_refused_naming_the_row(tmp_path: Path) -> None:
    path = nsmc_file(tmp_path / "ratings.tsv", NSMC_TRAIN + NSMC_TEST)
    nsmc = spec(path, columns={"text": "document", "label": "label", "split": None, "group": None},
                labels={"negative": [0], "positive": [1]}, quoting="double")  # fmt: skip
    message = (
        r"ratings\.tsv row \d+: \d+ fields, expected 3 \(data\.table\.quoting: double; a field opening with a quote "
        r"reads up to the next quote: if quotes are text, set data\.table\.quoting: none\)$"
    )
    with pytest.raises(PipelineError, match=message):
        write_table_source(nsmc, str(tmp_path / "out.parquet"))


def test_params_reach_the_reader_through_the_source_catalog(tmp_path: Path) -> None:
    """data.table in params.yaml, as stage download reads it: exclude and quoting arrive."""
    from imdb_sentiment.pipeline.params import DataParams, parse_group
    from imdb_sentiment.sources.catalog import SOURCES

    rows = [('최고의 영화 "강추', 10), ("별로", 1), ("그냥 그래요", 6), ("지루하다", 2), ("재밌다", 9)] * 4
    train, test = nsmc_file(tmp_path / "train.txt", rows), nsmc_file(tmp_path / "test.txt", rows[:10])
    table = {"path": {"train": str(train), "test": str(test)}, "format": "tsv", "quoting": "none",
             "columns": {"text": "document", "label": "label", "split": None, "group": None},
             "labels": {"negative": [1, 2], "positive": [9, 10]}, "exclude": [6], "test_size": 0.25, "seed": 0,
             "storage_options": {}}  # fmt: skip
    raw = {"data": {"source": "table", "url": "https://example.org/x", "md5": "0" * 32, "table": table}}
    params = parse_group(raw, "data", DataParams)
    summary = SOURCES["table"](params, tmp_path / "out.parquet", tmp_path, None)
    assert summary["excluded"] == {"train": 4, "test": 2}
    assert pd.read_parquet(tmp_path / "out.parquet")["text"].iloc[0] == '최고의 영화 "강추'
    assert params.described() == "your own labelled reviews"  # data.name names them
