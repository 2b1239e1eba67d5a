"""Source imdb: fetch the IMDB archive and read its reviews straight from the tarball into the
reviews table (imdb_sentiment.sources.reviews), each review's movie as its group."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tarfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from imdb_sentiment.pipeline.io import TEMPFILE_RANDOM_PART, PipelineError, remove_stale_temporaries
from imdb_sentiment.sources.reviews import SCHEMA, SPLITS, TextTally

log = logging.getLogger(__name__)

ARCHIVE_ENV = "IMDB_ARCHIVE"
ARCHIVE_NAME = "aclImdb_v1.tar.gz"
# Review counts of the official archive, per (split, folder).
OFFICIAL_COUNTS = {
    "train/pos": 12500,
    "train/neg": 12500,
    "train/unsup": 50000,
    "test/pos": 12500,
    "test/neg": 12500,
}
# Ratings each folder may hold (Maas et al.: pos >= 7, neg <= 4, unlabeled 0).
FOLDER_RATINGS = {"pos": range(7, 11), "neg": range(1, 5), "unsup": range(0, 1)}
FOLDER_LABELS = {"pos": 1, "neg": 0, "unsup": None}

_REVIEW_DIR = re.compile(r"^(?:[^/]+/)?(train|test)/(pos|neg|unsup)/([^/]+)$")
_REVIEW_NAME = re.compile(r"^(\d+)_(\d+)\.txt$")
# Line i of urls_<folder>.txt is the IMDB page of the movie that review i (<i>_<rating>.txt) is about.
_URLS_FILE = re.compile(r"^(?:[^/]+/)?(train|test)/urls_(pos|neg|unsup)\.txt$")
_MOVIE_URL = re.compile(r"/title/(tt\d+)")


def file_md5(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def local_archive_from_env() -> Path | None:
    """The archive named by $IMDB_ARCHIVE, checked to be a readable file; None when unset."""
    value = os.environ.get(ARCHIVE_ENV)
    if not value:
        return None
    path = Path(value)
    if path.is_dir():
        raise PipelineError(f"{ARCHIVE_ENV}={value} is a directory; expected the .tar.gz file")
    if not path.is_file():
        raise PipelineError(f"{ARCHIVE_ENV}={value}: no such file; expected the IMDB .tar.gz")
    return path


def download_archive(url: str, md5: str, cache_dir: str | os.PathLike[str]) -> Path:
    """Download ``url`` into ``cache_dir`` (once), verifying its md5, with a progress bar."""
    import pooch  # only needed when actually downloading

    # pooch downloads into tmpXXXXXXXX in the same folder and renames it when the md5 checks
    # out; a download killed midway leaves that file behind, to be cleared before the retry.
    remove_stale_temporaries(cache_dir, f"tmp{TEMPFILE_RANDOM_PART}")
    try:
        fetched = pooch.retrieve(
            url,
            known_hash=f"md5:{md5}",
            fname=ARCHIVE_NAME,
            path=cache_dir,
            progressbar=True,
        )
    except ValueError as exc:  # pooch reports a hash mismatch as ValueError
        raise PipelineError(
            f"download of {url} does not match data.md5={md5}: {exc}. Check data.url and data.md5 in params.yaml."
        ) from exc
    except Exception as exc:  # network errors come from requests, urllib3, socket...
        raise PipelineError(
            f"cannot download {url}: {exc}. Without network access, point {ARCHIVE_ENV} "
            f"at a local copy: {ARCHIVE_ENV}=/path/to/{ARCHIVE_NAME} dvc repro"
        ) from exc
    return Path(fetched)


@dataclass
class ArchiveReport:
    """What reading the archive found, for metrics/data.json."""

    counts: Counter[str] = field(default_factory=Counter)
    invalid_utf8: int = 0
    texts: TextTally = field(default_factory=TextTally)
    train_movies: int = 0  # distinct movies of the labelled train reviews
    without_movie: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        counts = {key: self.counts.get(key, 0) for key in OFFICIAL_COUNTS}
        return {
            "reviews": sum(counts.values()),
            "counts": counts,
            "matches_official_counts": counts == OFFICIAL_COUNTS,
            "invalid_utf8_reviews": self.invalid_utf8,
            "empty_reviews": self.texts.empty,
            "duplicate_reviews": self.texts.duplicates,
            "train_movies": self.train_movies,
            "reviews_without_movie": {key: self.without_movie.get(key, 0) for key in OFFICIAL_COUNTS},
        }


def parse_review_name(member: str, folder: str, name: str) -> tuple[int, int]:
    """Return (id, rating) from ``<id>_<rating>.txt``, checking the rating fits the folder."""
    match = _REVIEW_NAME.match(name)
    if not match:
        raise PipelineError(f"archive member {member}: file name does not parse as <id>_<rating>.txt")
    review_id, rating = int(match[1]), int(match[2])
    if rating not in FOLDER_RATINGS[folder]:
        allowed = FOLDER_RATINGS[folder]
        raise PipelineError(
            f"archive member {member}: rating {rating} contradicts folder '{folder}' "
            f"(expected {allowed.start}..{allowed.stop - 1})"
        )
    return review_id, rating


def parse_movie_urls(member: str, raw: bytes) -> list[str]:
    """The IMDB title id on each line of a urls_<folder>.txt: line i belongs to review id i."""
    movies = []
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        match = _MOVIE_URL.search(line)
        if not match:
            raise PipelineError(
                f"archive member {member} line {number}: expected an IMDB title URL "
                f"(http://www.imdb.com/title/tt<digits>/usercomments), got {line[:80]!r}"
            )
        movies.append(match[1])
    return movies


def read_reviews(archive: str | os.PathLike[str]) -> tuple[pa.Table, ArchiveReport]:
    """Read every review of an aclImdb-layout tarball without extracting it.

    Rows are ordered split (train, test, unsup), then positive before negative, then id, so
    the same reviews always give the same table whatever order the tarball stores them in.
    Each review's movie comes from its folder's urls file, which the tarball may store before
    or after the reviews.
    """
    rows: list[tuple[str, int | None, int, int, str, str]] = []
    movie_lists: dict[str, list[str]] = {}
    report = ArchiveReport()
    try:
        with tarfile.open(archive, mode="r|*") as tar:
            for member in tar:
                urls = _URLS_FILE.match(member.name)
                if urls and member.isfile():
                    handle = tar.extractfile(member)
                    assert handle is not None
                    movie_lists[f"{urls[1]}/{urls[2]}"] = parse_movie_urls(member.name, handle.read())
                    continue
                match = _REVIEW_DIR.match(member.name)
                if not match or not member.isfile():
                    continue
                split, folder, name = match.groups()
                if split == "test" and folder == "unsup":
                    raise PipelineError(f"archive member {member.name}: test has no unsup folder")
                review_id, rating = parse_review_name(member.name, folder, name)
                handle = tar.extractfile(member)
                assert handle is not None  # regular files always have a stream
                raw = handle.read()
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = raw.decode("utf-8", errors="replace")
                    report.invalid_utf8 += 1
                report.texts.add([text])
                row_split = "unsup" if folder == "unsup" else split
                rows.append((row_split, FOLDER_LABELS[folder], rating, review_id, text, f"{split}/{folder}"))
                report.counts[f"{split}/{folder}"] += 1
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise PipelineError(
            f"{archive} is not a readable tar.gz archive ({type(exc).__name__}: {exc}); "
            "the file may be truncated or corrupt: download it again"
        ) from exc
    check_layout(report.counts, archive)
    check_unique_ids(rows, archive)
    rows.sort(key=lambda row: (SPLITS.index(row[0]), -(row[1] or 0), row[3]))
    columns = list(zip(*with_movies(rows, movie_lists, report), strict=True))
    table = pa.Table.from_arrays(
        [pa.array(col, type=f.type) for col, f in zip(columns, SCHEMA, strict=True)], schema=SCHEMA
    )
    return table, report


def with_movies(
    rows: list[tuple[str, int | None, int, int, str, str]], movie_lists: dict[str, list[str]], report: ArchiveReport
) -> list[tuple[str, int | None, int, int, str, str | None]]:
    """Each row's folder ("train/pos") replaced by its review's movie from that folder's urls
    file (None where the file or its line is missing), counted in ``report``."""
    out, train_movies = [], set()
    for split, rating, label, review_id, text, folder in rows:
        movies = movie_lists.get(folder, [])
        movie = movies[review_id] if review_id < len(movies) else None
        if movie is None:
            report.without_movie[folder] += 1
        elif split == "train":
            train_movies.add(movie)
        out.append((split, rating, label, review_id, text, movie))
    report.train_movies = len(train_movies)
    return out


def check_layout(counts: Counter[str], archive: str | os.PathLike[str]) -> None:
    """Train and test must each hold positive and negative reviews."""
    missing = [key for key in ("train/pos", "train/neg", "test/pos", "test/neg") if not counts[key]]
    if missing:
        raise PipelineError(
            f"{archive}: no reviews in {', '.join(missing)}; expected the aclImdb layout "
            "(aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt)"
        )
    differing = {key: counts.get(key, 0) for key, want in OFFICIAL_COUNTS.items() if counts.get(key, 0) != want}
    if differing:
        log.warning(
            "%s: review counts differ from the official IMDB archive: %s (official: %s)",
            archive,
            differing,
            {key: OFFICIAL_COUNTS[key] for key in differing},
        )


def check_unique_ids(rows: list[tuple[str, int | None, int, int, str, str]], archive: str | os.PathLike[str]) -> None:
    seen: set[tuple[str, int | None, int]] = set()
    for split, label, _, review_id, *_ in rows:
        key = (split, label, review_id)
        if key in seen:
            raise PipelineError(f"{archive}: review id {review_id} appears twice in {split} (label {label})")
        seen.add(key)
