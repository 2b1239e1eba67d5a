"""Write small archives in the official aclImdb layout, with reviews whose words carry their label."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

POSITIVE_WORDS = ["great", "wonderful", "love", "brilliant", "superb", "moving", "delightful", "best"]
NEGATIVE_WORDS = ["awful", "boring", "terrible", "waste", "dull", "worst", "bad", "poor"]
NEUTRAL_WORDS = [
    "the", "movie", "film", "plot", "actor", "scene", "story", "and", "a", "of", "it", "was", "this",
    "director", "music", "ending", "character", "script", "camera", "time", "watch", "really",
]  # fmt: skip


def synthetic_review(rng: np.random.Generator, label: int | None) -> str:
    """20-60 words: neutral filler plus, for labelled reviews, words of their sentiment."""
    words = list(rng.choice(NEUTRAL_WORDS, size=int(rng.integers(20, 60))))
    if label is not None:
        sentiment = POSITIVE_WORDS if label == 1 else NEGATIVE_WORDS
        for _ in range(int(rng.integers(3, 8))):
            words.insert(int(rng.integers(0, len(words))), str(rng.choice(sentiment)))
    else:
        words += list(rng.choice(POSITIVE_WORDS + NEGATIVE_WORDS, size=4))
    text = " ".join(words).capitalize() + "."
    return text.replace(" and ", " and, <br /><br />", 1)


def movie_urls(split: str, folder: str, count: int, per_movie: int = 5) -> tuple[str, bytes]:
    """urls_<folder>.txt: line i is the movie of review i, ``per_movie`` reviews a movie; the
    positive and negative reviews of a split share movies, as in the real archive."""
    first = {"train": 1000000, "test": 2000000}[split] + (500000 if folder == "unsup" else 0)
    lines = [f"http://www.imdb.com/title/tt{first + i // per_movie:07d}/usercomments\n" for i in range(count)]
    return f"aclImdb/{split}/urls_{folder}.txt", "".join(lines).encode()


def review_members(per_class: int = 100, unsup: int = 60, seed: int = 0) -> list[tuple[str, bytes]]:
    """(path inside the archive, bytes) of every review and urls file, in the official layout."""
    rng = np.random.default_rng(seed)
    members: list[tuple[str, bytes]] = []
    for split in ("train", "test"):
        for folder, label, ratings in (("pos", 1, (7, 8, 9, 10)), ("neg", 0, (1, 2, 3, 4))):
            for review_id in range(per_class):
                rating = ratings[review_id % 4]
                text = synthetic_review(rng, label)
                members.append((f"aclImdb/{split}/{folder}/{review_id}_{rating}.txt", text.encode()))
            members.append(movie_urls(split, folder, per_class))
    for review_id in range(unsup):
        members.append((f"aclImdb/train/unsup/{review_id}_0.txt", synthetic_review(rng, None).encode()))
    members.append(movie_urls("train", "unsup", unsup))
    return members


def write_archive(path: Path, members: Iterable[tuple[str, bytes]]) -> Path:
    """A .tar.gz with the README and vocab files beside the reviews, as the real one has."""
    with tarfile.open(path, "w:gz") as tar:
        extras = [("aclImdb/README", b"Large Movie Review Dataset (test fixture)\n"), ("aclImdb/imdb.vocab", b"the\n")]
        for name, data in [*extras, *members]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path
