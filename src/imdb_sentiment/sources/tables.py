"""Source table: your own labelled reviews, from CSV, TSV, Parquet or JSONL files (one file, a
folder or a glob; a local path or any URL fsspec reads: s3://, gs://, https://...), into the
reviews table (imdb_sentiment.sources.reviews) batch by batch, in bounded memory.

params.yaml's ``data.table`` names the columns holding the text, the label and, optionally, the
split (train / test / unlabeled) and a group (a product, user or movie id: validation and test
hold out whole groups). Labels map to classes by the values listed per class; rows whose label
``exclude`` lists are left out and counted (a 5 of ten stars is neither); any other value in a
labelled row is refused. The split comes from a split column, from the file (``path`` a mapping
of split to path: NSMC ships ratings_train.txt and ratings_test.txt), or else from a hash of each
review's group (of its text when there is no group), which puts ``test_size`` of them in test:
the same rows always land on the same side, however the files are cut or read.

TSV is written both ways: with quoted fields (pandas' to_csv, when a field holds a tab, a line
break or a quote) and without (a quote is text: NSMC's reviews hold unbalanced ones), so
``quoting: auto`` tells them apart per file from its first MiB.

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
from dataclasses import dataclass, field, replace
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
QUOTINGS = ("auto", "none", "double")
SNIFF_CHARS = 1 << 20  # quoting: auto reads this much of a TSV file (whole rows) to tell quoted from not


@dataclass(frozen=True)
class TableSpec:
    """Where the reviews are and how to read them: data.table in params.yaml."""

    path: str | Mapping[str, str]  # a file, folder, glob or URL; or split (train, test, unlabeled) -> one of those
    format: str  # auto | csv | tsv | parquet | jsonl
    columns: Mapping[str, str | None]  # role (text, label, split, group) -> the file's column name
    labels: Mapping[str, Sequence[str | int | bool]]  # class name -> label values, classes in index order
    test_size: float
    seed: int
    storage_options: Mapping[str, Any] = field(default_factory=dict)
    exclude: Sequence[str | int | bool] = ()  # label values whose rows are left out, counted
    quoting: str = "auto"  # auto | none | double: how a TSV file's quotes read (CSV: always double unless none)

    def column(self, role: str) -> str | None:
        return self.columns.get(role)

    def paths(self) -> list[tuple[str | None, str]]:
        """(split, path) for each path: ``path`` itself with no split, or each split it maps."""
        return [(None, self.path)] if isinstance(self.path, str) else list(self.path.items())

    def where(self) -> str:
        """``path`` as messages name it."""
        if isinstance(self.path, str):
            return self.path
        return "data.table.path (" + ", ".join(f"{split}: {path}" for split, path in self.path.items()) + ")"


def path_key(split: str | None) -> str:
    return "data.table.path" + (f".{split}" if split else "")


def check_spec(spec: TableSpec) -> None:
    """Settings that contradict each other, refused before any file is opened."""
    if spec.quoting not in QUOTINGS:
        raise PipelineError(f"params.yaml: data.table.quoting is {spec.quoting!r}, not one of {', '.join(QUOTINGS)}")
    if isinstance(spec.path, str):
        return
    if not spec.path:
        raise PipelineError("params.yaml: data.table.path maps no split to a path")
    for split in spec.path:
        if split not in SPLIT_VALUES:
            raise PipelineError(f"params.yaml: data.table.path.{split}: {split!r} is not one of train, test, unlabeled")
    if spec.column("split"):
        raise PipelineError(
            f"params.yaml: data.table.path names a path per split ({', '.join(spec.path)}), so each row's split is "
            f"its file's, but data.table.columns.split is {spec.column('split')!r}: set it to null"
        )


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
    excluded: tuple[str, ...] = ()  # the values data.table.exclude lists, as text: their rows are left out

    @classmethod
    def from_params(
        cls, labels: Mapping[str, Sequence[str | int | bool]], exclude: Sequence[str | int | bool] = ()
    ) -> LabelMap:
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
        for value in exclude:  # compared as text, as the listed values are: 5 and 5.0 are one value
            if (text := value_text(value)) in values:
                owner = list(labels)[class_of_value[values.index(text)]]
                raise PipelineError(
                    f"params.yaml: data.table.exclude lists {value!r}, which data.table.labels lists under {owner}; "
                    "a value is a class's or left out, not both"
                )
        excluded = tuple(dict.fromkeys(value_text(value) for value in exclude))
        return cls(tuple(labels), tuple(values), tuple(class_of_value), excluded)

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
    excluded: Counter[str] = field(default_factory=Counter)  # split -> rows left out by data.table.exclude

    def count_keys(self) -> list[str]:
        return [f"{split}/{name}" for split in (TRAIN, TEST) for name in self.classes] + ["unlabeled"]

    def as_dict(self) -> dict[str, object]:
        keys = self.count_keys()
        return {
            "source": "table",
            "files": self.files,
            "reviews": sum(self.counts.values()),
            "counts": {key: self.counts.get(key, 0) for key in keys},
            "excluded": {split: self.excluded.get(split, 0) for split in (TRAIN, TEST)},
            "empty_reviews": self.texts.empty,
            "duplicate_reviews": self.texts.duplicates,
            "train_groups": len(self.train_groups),
            "reviews_without_group": {split: self.without_group.get(split, 0) for split in ("train", "test")},
        }


def suffix_of(name: str) -> str:
    """A file's suffix, lower case, with its dot ('' for none)."""
    last = name.rsplit("/", 1)[-1]
    return "." + last.rsplit(".", 1)[-1].lower() if "." in last else ""


def list_files(spec: TableSpec, path: str, key: str = "data.table.path") -> tuple[Any, list[tuple[str, str]]]:
    """The filesystem and the (file, format) pairs that ``path`` (``key`` in params.yaml) names, in
    name order. With a format set, a folder's files of other suffixes are skipped (its README,
    .dvc files); a file named, or a glob's files when it names their suffix (``*.txt``), are the
    user's choice and read in that format."""
    import fsspec

    glob = any(char in path for char in "*?[")
    try:
        fs, root = fsspec.core.url_to_fs(path, **spec.storage_options)
        if glob:
            found = sorted(fs.glob(root))
        elif fs.isdir(root):
            found = sorted(fs.find(root))
        elif fs.exists(root):
            found = [root]
        else:
            raise PipelineError(f"{key} {path}: no such file or folder")
    except PipelineError:
        raise
    except (OSError, ValueError, ImportError) as exc:
        raise PipelineError(f"{key} {path}: cannot list it ({type(exc).__name__}: {exc})") from exc
    glob_suffix = suffix_of(path) if glob and not any(char in suffix_of(path) for char in "*?[") else ""
    files = []
    for name in found:
        suffix = suffix_of(name)
        fmt = spec.format if spec.format != "auto" else SUFFIX_FORMATS.get(suffix)
        named = len(found) == 1 or (glob_suffix != "" and suffix == glob_suffix)
        if fmt is None or (spec.format != "auto" and not named and SUFFIX_FORMATS.get(suffix) != fmt):
            if len(found) == 1:
                raise PipelineError(
                    f"{path}: cannot tell its format from the suffix {suffix or '(none)'}; set data.table.format "
                    f"to one of csv, tsv, parquet, jsonl (known suffixes: {', '.join(SUFFIX_FORMATS)})"
                )
            continue  # a folder's README, .gitignore, .dvc files...
        files.append((name, fmt))
    if not files:
        raise PipelineError(
            f"{key} {path}: no {spec.format if spec.format != 'auto' else 'CSV, TSV, Parquet or JSONL'} "
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


def quoted_reading(fs: Any, file: str, delimiter: str, quoting: str) -> bool:
    """Whether the file's quotes are quoting: as data.table.quoting says; auto: a CSV file's always
    (as ever), a TSV file's as its first rows read (``sniff_quoted``)."""
    if quoting != "auto":
        return quoting == "double"
    return delimiter == "," or sniff_quoted(fs, file, delimiter)


class CountedLines:
    """A text file's lines, counting the characters handed out: csv.reader takes them one by one,
    so after each row ``read`` is where that row ends."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text, self.read = text, 0

    def __iter__(self) -> CountedLines:
        return self

    def __next__(self) -> str:
        line = next(self.text)
        self.read += len(line)
        return line


def sniff_quoted(fs: Any, file: str, delimiter: str) -> bool:
    """Whether the file's first MiB of rows (whole rows) reads quoted: every field that opens with a
    quote closes it before a delimiter or the line's end (Python's csv, strict), and every row has
    the header's fields. A quote inside NSMC-style text fails this, or runs a field past csv's
    128 KiB, and the file reads unquoted; a file without quotes reads the same either way."""
    with fs.open(file, "rb") as raw:
        lines = CountedLines(io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline=""))
        rows = csv.reader(lines, delimiter=delimiter, strict=True)
        try:
            header = next(rows, [])
            for row in rows:
                if row and len(row) != len(header):
                    return False
                if lines.read >= SNIFF_CHARS:
                    break
        except csv.Error:
            return False
    return True


def csv_batches(fs: Any, file: str, name: str, spec: TableSpec, delimiter: str) -> Iterator[Batch]:
    import pyarrow.csv as pacsv

    wanted = check_columns(name, csv_header(fs, file, name, delimiter), spec)
    columns = list(dict.fromkeys(wanted.values()))
    quoted = quoted_reading(fs, file, delimiter, spec.quoting)
    invalid: list[Any] = []  # pyarrow's InvalidRow of a row with another field count than the header's

    def invalid_row(row: Any) -> str:
        invalid.append(row)
        return "error"

    quote = '"' if quoted else False
    parse = pacsv.ParseOptions(
        delimiter=delimiter, quote_char=quote, newlines_in_values=quoted, invalid_row_handler=invalid_row
    )
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
            if invalid:
                message = field_count_message(fs, file, name, delimiter, quoted, spec.quoting, invalid[0])
                raise PipelineError(message) from exc
            if "UTF8" in str(exc) or "utf8" in str(exc).lower():
                raise PipelineError(invalid_utf8_message(fs, file, name, delimiter, wanted, quoted)) from exc
            raise PipelineError(f"{name}: not a readable {'CSV' if delimiter == ',' else 'TSV'} file ({exc})") from exc


def csv_rows(raw: Any, delimiter: str, quoted: bool) -> Iterator[list[str]]:
    """The rows of a CSV or TSV file as pyarrow reads them, by Python's csv (the scans that find a
    bad row: pyarrow's streaming reader does not number rows); bytes that are not UTF-8 are kept
    as surrogates."""
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
    return csv.reader(text, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE)


def first_bad_row(fs: Any, file: str, delimiter: str, quoted: bool) -> tuple[int, int | None, int] | None:
    """(row number, its field count, the header's) of the first row whose field count is not the
    header's; the count is None where a quoted field runs past csv's 128 KiB."""
    with fs.open(file, "rb") as raw:
        rows = csv_rows(raw, delimiter, quoted)
        number, expected = 0, 0
        try:
            expected = len(next(rows))
            for row in rows:
                if not row:
                    continue  # a blank line is no row, for pyarrow as for the other messages
                number += 1
                if len(row) != expected:
                    return number, len(row), expected
        except csv.Error:
            return number + 1, None, expected
    return None


def quoting_hint(delimiter: str, quoted: bool, quoting: str) -> str:
    """How the file was read, and the likely cause of a row of another field count."""
    how = f"data.table.quoting: {quoting}"
    if quoting == "auto":
        how += f" read it {'quoted' if quoted else 'unquoted'}"
    if delimiter == ",":
        return f"{how}; a comma or line break inside a review needs the review in quotes"
    if quoted:
        cause = "a field opening with a quote reads up to the next quote"
        return f"{how}; {cause}: if quotes are text, set data.table.quoting: none"
    return f"{how}; a tab or line break inside a review needs quoting: set data.table.quoting: double"


def field_count_message(fs: Any, file: str, name: str, delimiter: str, quoted: bool, quoting: str, invalid: Any) -> str:
    """One line naming the first row whose field count is not the header's (``invalid``: pyarrow's
    InvalidRow; only on that error: a slow scan), and why it may be so."""
    found = first_bad_row(fs, file, delimiter, quoted)
    hint = quoting_hint(delimiter, quoted, quoting)
    if found is None:  # the scan read it otherwise: pyarrow's counts, without a row number
        return f"{name}: a row of {invalid.actual_columns} fields, expected {invalid.expected_columns} ({hint})"
    number, fields, expected = found
    return f"{name} row {number}: {fields or invalid.actual_columns} fields, expected {expected} ({hint})"


def invalid_utf8_message(
    fs: Any, file: str, name: str, delimiter: str, wanted: Mapping[str, str], quoted: bool = True
) -> str:
    """Find the first row and column holding bytes that are not UTF-8 (only on that error: a slow scan)."""
    with fs.open(file, "rb") as raw:
        rows = csv_rows(raw, delimiter, quoted)
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


def row_splits(
    first: int,
    arrays: Mapping[str, pa.Array],
    name: str,
    spec: TableSpec,
    text: pa.Array,
    group: pa.Array | None,
    split: str | None,
) -> np.ndarray:
    """Each row's split in the reviews table: its file's (``split``, where data.table.path maps
    splits to files), its split column's, or else the hashed test split."""
    if split is not None:
        return np.full(len(text), SPLIT_VALUES[split], dtype=object)
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
        return np.array(list(SPLIT_VALUES.values()), dtype=object)[position.astype(np.int64)]
    # the hashed test split, by group (by text without one)
    keys = group.to_pylist() if group is not None else [None] * len(text)
    texts = text.to_pylist()
    fractions = hash_fractions([k if k is not None else t for k, t in zip(keys, texts, strict=True)], spec.seed)
    return np.where(fractions < spec.test_size, TEST, TRAIN).astype(object)


@dataclass(frozen=True)
class Reviews:
    """One batch's rows of the reviews table, and the rows data.table.exclude left out of it, by
    split (they were read, so a file of only such rows is not empty)."""

    table: pa.Table
    excluded: Counter[str]


def to_reviews(
    first: int,
    arrays: Mapping[str, pa.Array],
    name: str,
    spec: TableSpec,
    labels: LabelMap,
    first_id: int,
    split: str | None = None,
) -> Reviews:
    """The reviews table's rows for one batch (``first``: the row number of its first row in its
    file, ``first_id``: the id of its first review, ``split``: its file's split, if
    data.table.path gives one), checking each split and label value. A labelled row whose label
    data.table.exclude lists is left out; the ids of the rest follow on."""
    rows = len(arrays["text"])
    text = pc.fill_null(arrays["text"].cast(pa.string()), "")
    group = None
    if "group" in arrays:
        group = as_text(arrays["group"], name, spec.columns["group"] or "")
        group = pc.if_else(pc.equal(group, ""), pa.scalar(None, pa.string()), group)
    splits = row_splits(first, arrays, name, spec, text, group, split)
    labelled = splits != UNLABELED
    label_column = spec.columns["label"] or ""
    # an unlabeled file is read without its label column (part_reviews): it may have none
    label_values = as_text(arrays["label"], name, label_column) if "label" in arrays else pa.nulls(rows, pa.string())
    left_out = pc.is_in(label_values, value_set=pa.array(labels.excluded, type=pa.string()))
    excluded = labelled & left_out.to_numpy(zero_copy_only=False)
    value_set = pa.array(list(labels.values), type=pa.string())
    position = pc.index_in(label_values, value_set=value_set).to_numpy(zero_copy_only=False)
    unknown = np.isnan(position.astype(float)) & labelled & ~excluded
    if unknown.any():
        row = first_row(unknown)
        value = arrays["label"][row].as_py()
        left_out_values = ", ".join(map(repr, labels.excluded))
        raise PipelineError(
            f"{name} row {first + row} column {label_column!r}: label {value!r} is not one of the values "
            f"data.table.labels lists ({labels.describe()})"
            + (f" or data.table.exclude leaves out ({left_out_values})" if labels.excluded else "")
        )
    class_index = np.full(rows, -1, dtype=np.int8)
    known = ~np.isnan(position.astype(float)) & labelled
    class_index[known] = np.asarray(labels.class_of_value, dtype=np.int8)[position[known].astype(np.int64)]
    table = pa.table(
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
    if excluded.any():
        table = numbered(table.filter(pa.array(~excluded)), first_id)
    return Reviews(table, Counter(splits[excluded].tolist()))


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

    file: str  # as the filesystem of ``root`` names it
    fmt: str
    name: str  # as the user names it, in messages and metrics/data.json
    root: str  # the path of data.table.path it was found under: a worker opens its filesystem by it
    split: str | None = None  # the split data.table.path gives its rows; None: a split column's, or hashed
    row_group: int | None = None  # Parquet only
    first: int = 1  # the row number of the part's first row in its file


def file_parts(fs: Any, files: Sequence[tuple[str, str]], root: str, split: str | None = None) -> list[FilePart]:
    """Parquet files by row group (counted from the footer, read here); CSV, TSV and JSONL files
    whole: a quoted text may hold a line break, so their rows cannot be cut unread."""
    import pyarrow.parquet as pq

    parts = []
    for file, fmt in files:
        name = display_name(fs, file)
        if fmt != "parquet":
            parts.append(FilePart(file, fmt, name, root, split))
            continue
        with fs.open(file, "rb") as handle:
            try:
                metadata = pq.ParquetFile(handle).metadata
            except (pa.ArrowInvalid, OSError) as exc:
                raise PipelineError(f"{name}: not a readable Parquet file ({exc})") from exc
        first = 1
        for group in range(max(metadata.num_row_groups, 1)):
            parts.append(FilePart(file, fmt, name, root, split, group if metadata.num_row_groups else None, first))
            first += metadata.row_group(group).num_rows if metadata.num_row_groups else 0
    return parts


def table_parts(spec: TableSpec) -> list[FilePart]:
    """The parts of every file ``spec.path`` names, a mapping's splits in its order. A file named
    under two splits is refused: its rows would be in both."""
    parts: list[FilePart] = []
    split_of: dict[str, str | None] = {}
    for split, path in spec.paths():
        fs, files = list_files(spec, path, path_key(split))
        for file, _ in files:
            name = display_name(fs, file)
            if name in split_of:
                where = f"{path_key(split_of[name])} and {path_key(split)}"
                raise PipelineError(f"{name} is under both {where}: a file's rows have one split")
            split_of[name] = split
        parts += file_parts(fs, files, path, split)
    return parts


def part_reviews(part: FilePart, spec: TableSpec) -> Iterator[Reviews]:
    """A part's rows of the reviews table, batch by batch, ids from 0 (the stage numbers them).
    Here the batches stream as they are read (a big CSV in bounded memory); a worker sends a
    part's batches back together."""
    import fsspec

    fs, _ = fsspec.core.url_to_fs(part.root, **spec.storage_options)
    labels = LabelMap.from_params(spec.labels, spec.exclude)
    if part.split == "unlabeled":  # its rows need no label, so its file needs no label column
        spec = replace(spec, columns={**spec.columns, "label": None})
    if part.fmt == "parquet":
        batches = parquet_batches(fs, part.file, part.name, spec, part.row_group, part.first)
    else:
        batches = file_batches(fs, part.file, part.fmt, part.name, spec)
    for first, arrays in batches:
        yield to_reviews(first, arrays, part.name, spec, labels, first_id=0, split=part.split)


def numbered(table: pa.Table, first_id: int) -> pa.Table:
    ids = pa.array(np.arange(first_id, first_id + table.num_rows), type=pa.int32())
    return table.set_column(table.schema.get_field_index("id"), "id", ids)


def missing_hint(spec: TableSpec) -> str:
    """Where a split's reviews came from, for the message saying it lacks a class."""
    if not isinstance(spec.path, str):
        return f" (data.table.path names files for {', '.join(spec.path)})"
    return "" if spec.column("split") else f" (the test split is data.table.test_size={spec.test_size})"


def write_table_source(spec: TableSpec, out: str, work: Runner | None = None) -> TableReport:
    """Read every file ``spec`` names into the reviews table at ``out``, the parts where ``work``
    runs them, written here in order; nothing is written on error."""
    check_spec(spec)
    labels = LabelMap.from_params(spec.labels, spec.exclude)
    if len(labels.classes) != 2:
        raise PipelineError(
            f"params.yaml: data.table.labels lists {len(labels.classes)} classes ({', '.join(labels.classes)}); "
            "the pipeline has two, negative then positive"
        )
    work = work if work is not None else LocalRunner(READ_ROWS)
    parts = table_parts(spec)
    rows_by_file = Counter[str]()
    report = TableReport(classes=labels.classes)
    with ReviewsWriter(out) as writer:
        tasks = [Part(f"{part.name} from row {part.first}", part) for part in parts]
        for part, batches in zip(parts, work.map(part_reviews, tasks, {"spec": spec}), strict=True):
            for batch in batches:
                table = numbered(batch.table, writer.rows)
                tally(table, report)
                writer.write(table)
                report.excluded.update(batch.excluded)
                rows_by_file[part.name] += table.num_rows + batch.excluded.total()
        log_times(work, part_reviews)
        for name, fmt in dict.fromkeys((part.name, part.fmt) for part in parts):
            if not rows_by_file[name]:
                raise PipelineError(f"{name}: no rows; expected a header and at least one review")
            report.files.append(name)
            log.info("%s: %d rows (%s)", name, rows_by_file[name], fmt)
        if report.excluded:
            log.info("left out by data.table.exclude: %s", dict(report.excluded))
        missing = [key for key in report.count_keys()[:-1] if not report.counts[key]]
        if missing:
            raise PipelineError(
                f"{spec.where()}: no reviews in {', '.join(missing)}; train and test each need reviews of every class"
                + missing_hint(spec)
            )
    return report
