"""Source table: your own labelled reviews, from CSV, TSV, Parquet or JSONL files (one file, a
folder or a glob; a local path or any URL fsspec reads: s3://, gs://, https://...), into the
reviews table (imdb_sentiment.sources.reviews) batch by batch, in bounded memory.

params.yaml's ``data.table`` names the columns holding the text, the label and, optionally, the
split (train / test / unlabeled) and a group (a product, user or movie id: validation and test
hold out whole groups). Labels map to classes by the values listed per class; any other value in
a labelled row is refused. Without a split column a hash of each review's group (of its text
when there is no group) puts ``test_size`` of them in test: the same rows always land on the
same side, however the files are cut or read.

Each refusal is one line naming the file, the row (counted from 1, after a header) and the
column. Rows stream in batches whose results do not depend on where a batch starts.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from imdb_sentiment.distributed.cluster import LocalRunner, Part, Runner, log_times
from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.sources.reviews import SCHEMA, TEST, TRAIN, UNLABELED, ReviewsWriter, TextTally

log = logging.getLogger(__name__)

# File suffix -> format, for data.table.format: auto and for picking a folder's files.
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
# What a split column may hold, and the reviews table's split for each.
SPLIT_VALUES = {"train": TRAIN, "test": TEST, "unlabeled": UNLABELED}
READ_ROWS = 20_000  # rows a batch: about 25 MiB of IMDB-length reviews
ROLES = ("text", "label", "split", "group")


@dataclass(frozen=True)
class TableSpec:
    """Where the reviews are and how to read them: data.table in params.yaml."""

    path: str
    format: str  # auto | csv | tsv | parquet | jsonl
    columns: Mapping[str, str | None]  # role (text, label, split, group) -> the file's column name
    labels: Mapping[str, Sequence[str | int | bool]]  # class name -> label values, classes in index order
    test_size: float
    seed: int
    storage_options: Mapping[str, Any] = field(default_factory=dict)

    def column(self, role: str) -> str | None:
        return self.columns.get(role)


def value_text(value: object) -> str:
    """A label or split value as text, as pyarrow casts it: 1 and 1.0 are '1', True is 'true'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class LabelMap:
    """Label values -> class index, the classes in the order params.yaml lists them."""

    classes: tuple[str, ...]
    values: tuple[str, ...]  # every listed value, as text
    class_of_value: tuple[int, ...]  # the class index of each of ``values``

    @classmethod
    def from_params(cls, labels: Mapping[str, Sequence[str | int | bool]]) -> LabelMap:
        values: list[str] = []
        class_of_value: list[int] = []
        for index, (name, listed) in enumerate(labels.items()):
            for value in listed:
                text = value_text(value)
                if text in values:
                    owner = list(labels)[class_of_value[values.index(text)]]
                    raise PipelineError(f"params.yaml: data.table.labels lists {value!r} under both {owner} and {name}")
                values.append(text)
                class_of_value.append(index)
        return cls(tuple(labels), tuple(values), tuple(class_of_value))

    def describe(self) -> str:
        listed = {name: [v for v, c in zip(self.values, self.class_of_value, strict=True) if c == i]
                  for i, name in enumerate(self.classes)}  # fmt: skip
        return "; ".join(f"{name}: {', '.join(map(repr, values))}" for name, values in listed.items())


@dataclass
class TableReport:
    """What reading the files found, for metrics/data.json."""

    classes: tuple[str, ...]
    files: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    texts: TextTally = field(default_factory=TextTally)
    train_groups: set[str] = field(default_factory=set, repr=False)
    without_group: Counter[str] = field(default_factory=Counter)

    def count_keys(self) -> list[str]:
        return [f"{split}/{name}" for split in (TRAIN, TEST) for name in self.classes] + ["unlabeled"]

    def as_dict(self) -> dict[str, object]:
        keys = self.count_keys()
        return {
            "source": "table",
            "files": self.files,
            "reviews": sum(self.counts.values()),
            "counts": {key: self.counts.get(key, 0) for key in keys},
            "empty_reviews": self.texts.empty,
            "duplicate_reviews": self.texts.duplicates,
            "train_groups": len(self.train_groups),
            "reviews_without_group": {split: self.without_group.get(split, 0) for split in ("train", "test")},
        }


def list_files(spec: TableSpec) -> tuple[Any, list[tuple[str, str]]]:
    """The filesystem and the (file, format) pairs that ``spec.path`` names, in name order."""
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(spec.path, **spec.storage_options)
        if any(char in spec.path for char in "*?["):
            found = sorted(fs.glob(root))
        elif fs.isdir(root):
            found = sorted(fs.find(root))
        elif fs.exists(root):
            found = [root]
        else:
            raise PipelineError(f"data.table.path {spec.path}: no such file or folder")
    except PipelineError:
        raise
    except (OSError, ValueError, ImportError) as exc:
        raise PipelineError(f"data.table.path {spec.path}: cannot list it ({type(exc).__name__}: {exc})") from exc
    files = []
    for name in found:
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
        fmt = spec.format if spec.format != "auto" else SUFFIX_FORMATS.get(suffix)
        if fmt is None or (spec.format != "auto" and len(found) > 1 and SUFFIX_FORMATS.get(suffix) != fmt):
            if len(found) == 1:
                raise PipelineError(
                    f"{spec.path}: cannot tell its format from the suffix {suffix or '(none)'}; set data.table.format "
                    f"to one of csv, tsv, parquet, jsonl (known suffixes: {', '.join(SUFFIX_FORMATS)})"
                )
            continue  # a folder's README, .gitignore, .dvc files...
        files.append((name, fmt))
    if not files:
        raise PipelineError(
            f"data.table.path {spec.path}: no {spec.format if spec.format != 'auto' else 'CSV, TSV, Parquet or JSONL'} "
            f"files there (suffixes {', '.join(SUFFIX_FORMATS)})"
        )
    return fs, files


def display_name(fs: Any, path: str) -> str:
    """A file as the user would name it: local paths as they are, others with their protocol."""
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    if protocol not in ("file", "local"):
        return fs.unstrip_protocol(path)
    # relative to the repository, as params.yaml names it: the same on every clone (metrics/data.json)
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else Path(relative).as_posix()


def check_columns(name: str, found: Sequence[str], spec: TableSpec) -> dict[str, str]:
    """role -> column for each role the spec names, every one checked to exist in the file."""
    wanted = {role: column for role in ROLES if (column := spec.column(role))}
    for role, column in wanted.items():
        if column not in found:
            raise PipelineError(
                f"{name}: no column {column!r} (data.table.columns.{role}); its columns are: "
                + ", ".join(map(repr, found))
            )
    return wanted


# ---- reading each format as batches of {role: pyarrow array}, with the row number of the first row


Batch = tuple[int, dict[str, pa.Array]]  # (row number of the batch's first row, arrays by role)


def parquet_batches(
    fs: Any, file: str, name: str, spec: TableSpec, row_group: int | None = None, first: int = 1
) -> Iterator[Batch]:
    """The file's rows, or one row group's (``first``: the row number of its first row)."""
    import pyarrow.parquet as pq

    with fs.open(file, "rb") as handle:
        try:
            parquet = pq.ParquetFile(handle)
        except (pa.ArrowInvalid, OSError) as exc:
            raise PipelineError(f"{name}: not a readable Parquet file ({exc})") from exc
        schema = parquet.schema_arrow
        wanted = check_columns(name, schema.names, spec)
        text_type = schema.field(wanted["text"]).type
        if not (pa.types.is_string(text_type) or pa.types.is_large_string(text_type) or pa.types.is_null(text_type)):
            raise PipelineError(
                f"{name}: column {wanted['text']!r} (data.table.columns.text) holds {text_type}, expected strings"
            )
        groups = None if row_group is None else [row_group]
        columns = list(dict.fromkeys(wanted.values()))
        for batch in parquet.iter_batches(batch_size=READ_ROWS, row_groups=groups, columns=columns):
            yield first, {role: batch.column(column) for role, column in wanted.items()}
            first += batch.num_rows


def csv_header(fs: Any, file: str, name: str, delimiter: str) -> list[str]:
    with fs.open(file, "rb") as handle:
        head = handle.read(1 << 16)
    try:
        line = head.decode("utf-8-sig", errors="strict").splitlines()[:1]
    except UnicodeDecodeError:
        line = head.decode("utf-8", errors="replace").splitlines()[:1]
    if not line:
        raise PipelineError(f"{name}: the file is empty; expected a header line naming the columns, then rows")
    return next(csv.reader(line, delimiter=delimiter))


def csv_batches(fs: Any, file: str, name: str, spec: TableSpec, delimiter: str) -> Iterator[Batch]:
    import pyarrow.csv as pacsv

    wanted = check_columns(name, csv_header(fs, file, name, delimiter), spec)
    columns = list(dict.fromkeys(wanted.values()))
    quoted = delimiter == ","  # TSV has no quoting: a quote is part of the text
    parse = pacsv.ParseOptions(delimiter=delimiter, quote_char='"' if quoted else False, newlines_in_values=quoted)
    convert = pacsv.ConvertOptions(include_columns=columns, column_types=dict.fromkeys(columns, pa.string()))
    read = pacsv.ReadOptions(block_size=8 << 20)
    first = 1
    with fs.open(file, "rb") as handle:
        try:
            reader = pacsv.open_csv(handle, read_options=read, parse_options=parse, convert_options=convert)
            for batch in reader:
                for start in range(0, batch.num_rows, READ_ROWS):
                    part = batch.slice(start, READ_ROWS)
                    yield first, {role: part.column(column) for role, column in wanted.items()}
                    first += part.num_rows
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc) or "utf8" in str(exc).lower():
                raise PipelineError(invalid_utf8_message(fs, file, name, delimiter, wanted)) from exc
            raise PipelineError(f"{name}: not a readable {'CSV' if quoted else 'TSV'} file ({exc})") from exc


def invalid_utf8_message(fs: Any, file: str, name: str, delimiter: str, wanted: Mapping[str, str]) -> str:
    """Find the first row and column holding bytes that are not UTF-8 (only on that error: a slow scan)."""
    with fs.open(file, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        rows = csv.reader(text, delimiter=delimiter)
        header = next(rows)
        positions = {header.index(column): column for column in wanted.values()}
        for number, row in enumerate(rows, start=1):
            for position, column in positions.items():
                try:
                    row[position].encode("utf-8")
                except UnicodeEncodeError:
                    return (
                        f"{name} row {number} column {column!r}: bytes that are not UTF-8; save the file as UTF-8 "
                        "(e.g. iconv -f latin1 -t utf-8)"
                    )
                except IndexError:
                    continue
    return f"{name}: bytes that are not UTF-8; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)"


def jsonl_batches(fs: Any, file: str, name: str, spec: TableSpec) -> Iterator[Batch]:
    """One JSON object a line (blank lines skipped); rows are numbered by line."""
    wanted = {role: column for role in ROLES if (column := spec.column(role))}
    decode = codecs.getdecoder("utf-8")
    first = 1
    values: dict[str, list[Any]] = {role: [] for role in wanted}
    number = 0
    with fs.open(file, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(decode(line)[0])
            except UnicodeDecodeError:
                raise PipelineError(f"{name} row {number}: bytes that are not UTF-8 (JSON Lines are UTF-8)") from None
            except json.JSONDecodeError as exc:
                raise PipelineError(f"{name} row {number}: not JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(record, dict):
                raise PipelineError(f"{name} row {number}: expected a JSON object, found {type(record).__name__}")
            for role, column in wanted.items():
                if column not in record:
                    raise PipelineError(
                        f"{name} row {number}: no column {column!r} (data.table.columns.{role}); the row has: "
                        + ", ".join(map(repr, record))
                    )
                value = record[column]
                if role == "text" and value is not None and not isinstance(value, str):
                    raise PipelineError(
                        f"{name} row {number} column {column!r}: expected a string, "
                        f"found {type(value).__name__} {value!r}"
                    )
                values[role].append(value if role == "text" or value is None else value_text(value))
            if len(values["text"]) == READ_ROWS:
                yield first, {role: pa.array(v, type=pa.string()) for role, v in values.items()}
                first, values = number + 1, {role: [] for role in wanted}
    if values["text"]:
        yield first, {role: pa.array(v, type=pa.string()) for role, v in values.items()}


def file_batches(fs: Any, file: str, fmt: str, name: str, spec: TableSpec) -> Iterator[Batch]:
    if fmt == "parquet":
        return parquet_batches(fs, file, name, spec)
    if fmt == "jsonl":
        return jsonl_batches(fs, file, name, spec)
    return csv_batches(fs, file, name, spec, "," if fmt == "csv" else "\t")


# ---- one batch of the user's rows -> rows of the reviews table


def hash_fractions(keys: Sequence[str], seed: int) -> np.ndarray:
    """A number in [0, 1) per key, fixed by the key and the seed alone (blake2b, keyed by the seed)."""
    salt = str(seed).encode()
    digests = b"".join(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8, key=salt).digest()
                       for key in keys)  # fmt: skip
    return np.frombuffer(digests, dtype="<u8") / 2.0**64


def as_text(array: pa.Array, name: str, column: str) -> pa.Array:
    try:
        return array if pa.types.is_string(array.type) else pc.cast(array, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise PipelineError(f"{name}: column {column!r} holds {array.type}, which does not read as text") from exc


def first_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def to_reviews(
    first: int, arrays: Mapping[str, pa.Array], name: str, spec: TableSpec, labels: LabelMap, first_id: int
) -> pa.Table:
    """The reviews table's rows for one batch (``first``: the row number of its first row in its
    file, ``first_id``: the id of its first review), checking each split and label value."""
    rows = len(arrays["text"])
    text = pc.fill_null(arrays["text"].cast(pa.string()), "")
    group = None
    if "group" in arrays:
        group = as_text(arrays["group"], name, spec.columns["group"] or "")
        group = pc.if_else(pc.equal(group, ""), pa.scalar(None, pa.string()), group)
    if "split" in arrays:
        split_values = pc.utf8_lower(as_text(arrays["split"], name, spec.columns["split"] or ""))
        position = pc.index_in(split_values, value_set=pa.array(list(SPLIT_VALUES))).to_numpy(zero_copy_only=False)
        bad = np.isnan(position.astype(float))
        if bad.any():
            row = first_row(bad)
            raise PipelineError(
                f"{name} row {first + row} column {spec.columns['split']!r}: split "
                f"{arrays['split'][row].as_py()!r} is not one of train, test, unlabeled"
            )
        splits = np.array(list(SPLIT_VALUES.values()), dtype=object)[position.astype(np.int64)]
    else:  # the hashed test split, by group (by text without one)
        keys = group.to_pylist() if group is not None else [None] * rows
        texts = text.to_pylist()
        fractions = hash_fractions([k if k is not None else t for k, t in zip(keys, texts, strict=True)], spec.seed)
        splits = np.where(fractions < spec.test_size, TEST, TRAIN).astype(object)
    labelled = splits != UNLABELED
    label_column = spec.columns["label"] or ""
    label_values = as_text(arrays["label"], name, label_column)
    position = pc.index_in(label_values, value_set=pa.array(list(labels.values))).to_numpy(zero_copy_only=False)
    unknown = np.isnan(position.astype(float)) & labelled
    if unknown.any():
        row = first_row(unknown)
        value = arrays["label"][row].as_py()
        raise PipelineError(
            f"{name} row {first + row} column {label_column!r}: label {value!r} is not one of the values "
            f"data.table.labels lists ({labels.describe()})"
        )
    class_index = np.full(rows, -1, dtype=np.int8)
    known = ~np.isnan(position.astype(float)) & labelled
    class_index[known] = np.asarray(labels.class_of_value, dtype=np.int8)[position[known].astype(np.int64)]
    return pa.table(
        {
            "split": pa.array(splits.tolist(), type=pa.string()),
            "label": pa.array(class_index, mask=~labelled, type=pa.int8()),
            "rating": pa.nulls(rows, pa.int8()),
            "id": pa.array(np.arange(first_id, first_id + rows), type=pa.int32()),
            "text": text,
            "group": group if group is not None else pa.nulls(rows, pa.string()),
        },
        schema=SCHEMA,
    )


def tally(table: pa.Table, report: TableReport) -> None:
    splits = table.column("split").to_numpy(zero_copy_only=False)
    labels = table.column("label").to_numpy(zero_copy_only=False)
    groups = table.column("group").to_pylist()
    for split, label, group in zip(splits, labels, groups, strict=True):
        key = "unlabeled" if split == UNLABELED else f"{split}/{report.classes[int(label)]}"
        report.counts[key] += 1
        if split == UNLABELED:
            continue
        if group is None:
            report.without_group[split] += 1
        elif split == TRAIN:
            report.train_groups.add(group)
    report.texts.add(table.column("text").to_pylist())


# ---- the parts of the files, read wherever the work runs


@dataclass(frozen=True)
class FilePart:
    """A file, or one row group of a Parquet file, read by one task: a worker opens it by its
    path or URL with its own credentials (the task carries the spec, never a secret)."""

    file: str  # as the filesystem of spec.path names it
    fmt: str
    name: str  # as the user names it, in messages and metrics/data.json
    row_group: int | None = None  # Parquet only
    first: int = 1  # the row number of the part's first row in its file


def file_parts(fs: Any, files: Sequence[tuple[str, str]]) -> list[FilePart]:
    """Parquet files by row group (counted from the footer, read here); CSV, TSV and JSONL files
    whole: a quoted text may hold a line break, so their rows cannot be cut unread."""
    import pyarrow.parquet as pq

    parts = []
    for file, fmt in files:
        name = display_name(fs, file)
        if fmt != "parquet":
            parts.append(FilePart(file, fmt, name))
            continue
        with fs.open(file, "rb") as handle:
            try:
                metadata = pq.ParquetFile(handle).metadata
            except (pa.ArrowInvalid, OSError) as exc:
                raise PipelineError(f"{name}: not a readable Parquet file ({exc})") from exc
        first = 1
        for group in range(max(metadata.num_row_groups, 1)):
            parts.append(FilePart(file, fmt, name, group if metadata.num_row_groups else None, first))
            first += metadata.row_group(group).num_rows if metadata.num_row_groups else 0
    return parts


def part_reviews(part: FilePart, spec: TableSpec) -> Iterator[pa.Table]:
    """A part's rows of the reviews table, batch by batch, ids from 0 (the stage numbers them).
    Here the batches stream as they are read (a big CSV in bounded memory); a worker sends a
    part's batches back together."""
    import fsspec

    fs, _ = fsspec.core.url_to_fs(spec.path, **spec.storage_options)
    labels = LabelMap.from_params(spec.labels)
    if part.fmt == "parquet":
        batches = parquet_batches(fs, part.file, part.name, spec, part.row_group, part.first)
    else:
        batches = file_batches(fs, part.file, part.fmt, part.name, spec)
    for first, arrays in batches:
        yield to_reviews(first, arrays, part.name, spec, labels, first_id=0)


def numbered(table: pa.Table, first_id: int) -> pa.Table:
    ids = pa.array(np.arange(first_id, first_id + table.num_rows), type=pa.int32())
    return table.set_column(table.schema.get_field_index("id"), "id", ids)


def write_table_source(spec: TableSpec, out: str, work: Runner | None = None) -> TableReport:
    """Read every file ``spec`` names into the reviews table at ``out``, the parts where ``work``
    runs them, written here in order; nothing is written on error."""
    labels = LabelMap.from_params(spec.labels)
    if len(labels.classes) != 2:
        raise PipelineError(
            f"params.yaml: data.table.labels lists {len(labels.classes)} classes ({', '.join(labels.classes)}); "
            "the pipeline has two, negative then positive"
        )
    work = work if work is not None else LocalRunner(READ_ROWS)
    fs, files = list_files(spec)
    parts = file_parts(fs, files)
    rows_by_file = Counter[str]()
    report = TableReport(classes=labels.classes)
    with ReviewsWriter(out) as writer:
        tasks = [Part(f"{part.name} from row {part.first}", part) for part in parts]
        for part, tables in zip(parts, work.map(part_reviews, tasks, {"spec": spec}), strict=True):
            for table in tables:
                table = numbered(table, writer.rows)
                tally(table, report)
                writer.write(table)
                rows_by_file[part.name] += table.num_rows
        log_times(work, part_reviews)
        for name, fmt in dict.fromkeys((part.name, part.fmt) for part in parts):
            if not rows_by_file[name]:
                raise PipelineError(f"{name}: no rows; expected a header and at least one review")
            report.files.append(name)
            log.info("%s: %d rows (%s)", name, rows_by_file[name], fmt)
        missing = [key for key in report.count_keys()[:-1] if not report.counts[key]]
        if missing:
            raise PipelineError(
                f"{spec.path}: no reviews in {', '.join(missing)}; train and test each need reviews of every class"
                + ("" if spec.column("split") else f" (the test split is data.table.test_size={spec.test_size})")
            )
    return report
