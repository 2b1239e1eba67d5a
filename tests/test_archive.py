import gzip
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from archive_server import ArchiveServer
from fixture_archive import review_members, write_archive

from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.sources.archive import (
    ARCHIVE_ENV,
    download_archive,
    file_md5,
    local_archive_from_env,
    read_reviews,
)
from imdb_sentiment.sources.reviews import write_reviews


def test_reads_every_review_in_a_fixed_order(fixture_archive: Path) -> None:
    table, report = read_reviews(fixture_archive)
    counts = report.as_dict()["counts"]
    assert counts == {"train/pos": 100, "train/neg": 100, "train/unsup": 60, "test/pos": 100, "test/neg": 100}
    assert report.as_dict()["matches_official_counts"] is False
    rows = table.to_pylist()
    assert [r["split"] for r in rows] == ["train"] * 200 + ["test"] * 200 + ["unsup"] * 60
    assert [r["label"] for r in rows[:200]] == [1] * 100 + [0] * 100  # positive, then negative
    assert all(r["label"] is None and r["rating"] == 0 for r in rows[400:])
    assert [r["id"] for r in rows[:100]] == list(range(100))
    assert all((r["rating"] >= 7) == (r["label"] == 1) for r in rows[:400])


def test_same_reviews_give_the_same_bytes_whatever_the_member_order(tmp_path: Path) -> None:
    members = review_members(per_class=10, unsup=5)
    first = write_archive(tmp_path / "a.tar.gz", members)
    second = write_archive(tmp_path / "b.tar.gz", list(reversed(members)))
    for archive in (first, second):
        write_reviews(read_reviews(archive)[0], tmp_path / f"{archive.stem}.parquet")
    assert file_md5(tmp_path / "a.tar.parquet") == file_md5(tmp_path / "b.tar.parquet")
    assert pq.read_table(tmp_path / "a.tar.parquet").num_rows == 45


def test_a_file_that_is_not_a_tar(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_text("just some text, not an archive")
    with pytest.raises(PipelineError, match=r"notes\.tar\.gz is not a readable tar\.gz"):
        read_reviews(bogus)


def test_a_gzip_of_something_else(tmp_path: Path) -> None:
    bogus = tmp_path / "text.tar.gz"
    bogus.write_bytes(gzip.compress(b"plain text inside gzip" * 100))
    with pytest.raises(PipelineError, match=r"not a readable tar\.gz"):
        read_reviews(bogus)


def test_a_truncated_archive(tmp_path: Path, fixture_archive: Path) -> None:
    truncated = tmp_path / "truncated.tar.gz"
    data = fixture_archive.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(PipelineError, match="truncated or corrupt"):
        read_reviews(truncated)


def test_a_missing_folder(tmp_path: Path) -> None:
    members = [(name, data) for name, data in review_members(per_class=5) if "/test/neg/" not in name]
    with pytest.raises(PipelineError, match="no reviews in test/neg"):
        read_reviews(write_archive(tmp_path / "a.tar.gz", members))


def test_a_file_name_that_does_not_parse(tmp_path: Path) -> None:
    members = [*review_members(per_class=5), ("aclImdb/train/pos/review_seven.txt", b"good")]
    with pytest.raises(PipelineError, match=r"train/pos/review_seven\.txt: file name does not parse as <id>_<rating>"):
        read_reviews(write_archive(tmp_path / "a.tar.gz", members))


def test_a_rating_that_contradicts_its_folder(tmp_path: Path) -> None:
    members = [*review_members(per_class=5), ("aclImdb/train/neg/999_9.txt", b"good")]
    with pytest.raises(PipelineError, match=r"999_9\.txt: rating 9 contradicts folder 'neg' \(expected 1\.\.4\)"):
        read_reviews(write_archive(tmp_path / "a.tar.gz", members))


def test_invalid_utf8_empty_and_repeated_reviews_are_kept_and_counted(tmp_path: Path) -> None:
    members = [
        *review_members(per_class=5),
        ("aclImdb/train/pos/900_8.txt", b"caf\xe9 was great"),
        ("aclImdb/test/neg/901_2.txt", b""),
        ("aclImdb/test/pos/902_9.txt", b"caf\xe9 was great"),  # the same text as a train review
    ]
    table, report = read_reviews(write_archive(tmp_path / "a.tar.gz", members))
    summary = report.as_dict()
    assert report.invalid_utf8 == 2 and summary["empty_reviews"] == 1 and summary["duplicate_reviews"] == 1
    texts = dict(zip(table.column("id").to_pylist(), table.column("text").to_pylist(), strict=True))
    assert texts[900] == "caf\ufffd was great" and texts[901] == ""


def test_archive_env_must_name_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ARCHIVE_ENV, raising=False)
    assert local_archive_from_env() is None
    monkeypatch.setenv(ARCHIVE_ENV, str(tmp_path))
    with pytest.raises(PipelineError, match="is a directory"):
        local_archive_from_env()
    monkeypatch.setenv(ARCHIVE_ENV, str(tmp_path / "missing.tar.gz"))
    with pytest.raises(PipelineError, match=r"missing\.tar\.gz: no such file"):
        local_archive_from_env()


@pytest.fixture
def served_archive(fixture_archive: Path) -> Iterator[str]:
    """Serve the fixture archive over HTTP on loopback, for the download path."""
    server = ArchiveServer(fixture_archive)
    yield server.url
    server.close()


def test_download_verifies_md5(served_archive: str, fixture_archive: Path, tmp_path: Path) -> None:
    path = download_archive(served_archive, file_md5(fixture_archive), tmp_path / "cache")
    assert file_md5(path) == file_md5(fixture_archive)


def test_download_md5_mismatch(served_archive: str, tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match=r"does not match data\.md5=0{32}"):
        download_archive(served_archive, "0" * 32, tmp_path / "cache")
    assert not any((tmp_path / "cache").glob("aclImdb*")), "a file that failed its md5 must not stay"


def test_download_without_network_points_at_the_env_var(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match=f"cannot download .*{ARCHIVE_ENV}="):
        download_archive("http://127.0.0.1:9/aclImdb_v1.tar.gz", "0" * 32, tmp_path / "cache")


def test_download_clears_what_a_killed_download_left(
    served_archive: str, fixture_archive: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    partial = cache / "tmpq3x_8zk1"  # pooch's temporary name for a download in progress
    partial.write_bytes(fixture_archive.read_bytes()[:1000])
    keep = cache / "notes.txt"
    keep.write_text("not a download")
    path = download_archive(served_archive, file_md5(fixture_archive), cache)
    assert sorted(p.name for p in cache.iterdir()) == sorted([path.name, keep.name])


def test_each_review_gets_the_movie_of_its_line_in_the_urls_file(fixture_archive: Path) -> None:
    table, report = read_reviews(fixture_archive)
    rows = table.to_pylist()
    # Fixture: review i of a folder is about movie (first + i // 5); train pos and neg share movies.
    assert [r["group"] for r in rows[:6]] == ["tt1000000"] * 5 + ["tt1000001"]
    assert rows[100]["group"] == "tt1000000"  # first negative train review
    assert rows[200]["group"] == "tt2000000"  # first test review
    assert rows[400]["group"] == "tt1500000"  # first unlabeled review
    assert report.as_dict()["train_movies"] == 20
    assert set(report.as_dict()["reviews_without_movie"].values()) == {0}


def test_reviews_without_a_urls_line_have_no_movie(tmp_path: Path) -> None:
    members = [(name, data) for name, data in review_members(per_class=5) if not name.endswith("train/urls_neg.txt")]
    table, report = read_reviews(write_archive(tmp_path / "no_urls.tar.gz", members))
    movies = [r["group"] for r in table.to_pylist() if r["split"] == "train"]
    assert movies[:5] == ["tt1000000"] * 5 and movies[5:] == [None] * 5
    assert report.as_dict()["reviews_without_movie"]["train/neg"] == 5


def test_a_urls_file_with_a_line_that_is_not_an_imdb_title(tmp_path: Path) -> None:
    bad_urls = b"http://www.imdb.com/title/tt01/x\nnot a url\n"
    members = [*review_members(per_class=5), ("aclImdb/train/urls_pos.txt", bad_urls)]
    with pytest.raises(PipelineError, match=r"train/urls_pos\.txt line 2: expected an IMDB title URL"):
        read_reviews(write_archive(tmp_path / "bad_urls.tar.gz", members))
