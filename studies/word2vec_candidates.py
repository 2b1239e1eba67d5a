"""word2vec settings: the seconds each costs on the stage's corpus and the vectors' quality.

    uv run python studies/word2vec_candidates.py [--only NAME ...] [--repeat NAME]   # after `dvc repro`

Each candidate is params.yaml's ``word2vec`` group with the changes below, trained as stage
train_word2vec trains it (train + unlabeled reviews, one worker, fixed seed and hash), then scored
on gensim's bundled WordSim-353, SimLex-999 and Google analogies (``embeddings.vector_quality``).
No review label and no test review is read: these are external word-similarity sets. Which
vectors make the better classifier is stage train's validation accuracy, measured separately
(in studies/selection_record.py's record). ``--repeat NAME`` trains that candidate twice and records whether
the two vector files are the same bytes (determinism). Results go to
metrics/studies/word2vec_candidates.json; a rerun keeps the candidates it does not train.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from imdb_sentiment.pipeline.params import Word2VecParams, load_params
from imdb_sentiment.sources.reviews import TRAIN, UNLABELED
from imdb_sentiment.text.tokens import TokenizedReviews
from imdb_sentiment.vectors.embeddings import nearest_neighbors, save_word_vectors, vector_quality
from imdb_sentiment.vectors.word_vectors import train_word_vectors
from judge import read_record, write_record

REPO = Path(__file__).resolve().parents[1]
STUDY = "word2vec_candidates"
# gensim word2vec, as the stage trained it until ppmi_svd became the default (window 5).
GENSIM: dict[str, object] = {"algorithm": "word2vec", "window": 5}
CANDIDATES: dict[str, dict[str, object]] = {
    "cbow-100-window-5-3ep": GENSIM,  # the default before ppmi_svd
    "cbow-100": GENSIM | {"vector_size": 100},
    "cbow-300-sample-1e-4": GENSIM | {"sample": 1e-4},
    "cbow-100-sample-1e-4": GENSIM | {"vector_size": 100, "sample": 1e-4},
    "cbow-100-sample-1e-4-10ep": GENSIM | {"vector_size": 100, "sample": 1e-4, "epochs": 10},
    "cbow-300-sample-1e-4-file": GENSIM | {"sample": 1e-4, "corpus_file": True},
    "sg-100-sample-1e-4": GENSIM | {"vector_size": 100, "sg": 1, "sample": 1e-4},
    "sg-100-sample-1e-5": GENSIM | {"vector_size": 100, "sg": 1, "sample": 1e-5},
    "sg-100-sample-1e-5-10ep": GENSIM | {"vector_size": 100, "sg": 1, "sample": 1e-5, "epochs": 10},
    "cbow-100-window-10-sample-1e-5": GENSIM | {"vector_size": 100, "window": 10, "sample": 1e-5},
    "sg-300-sample-1e-4": GENSIM | {"sg": 1, "sample": 1e-4},
    "sg-300-sample-1e-4-file": GENSIM | {"sg": 1, "sample": 1e-4, "corpus_file": True},
    "sg-300-sample-1e-5-file": GENSIM | {"sg": 1, "sample": 1e-5, "corpus_file": True},
    "cbow-300-sample-1e-5-file-10ep": GENSIM | {"sample": 1e-5, "corpus_file": True, "epochs": 10},
    # At about the stage's seconds: fewer frequent words (sample 1e-5) buy more epochs; a wider
    # window favours relatedness, which WordSim-353 rewards.
    "cbow-100-sample-1e-5-6ep": GENSIM | {"vector_size": 100, "sample": 1e-5, "epochs": 6},
    "cbow-100-window-10-sample-1e-5-6ep": GENSIM | {"vector_size": 100, "window": 10, "sample": 1e-5, "epochs": 6},
    "sg-100-sample-1e-5-2ep": GENSIM | {"vector_size": 100, "sg": 1, "sample": 1e-5, "epochs": 2},
    # PPMI + SVD (Levy, Goldberg and Dagan 2015): word + context vectors, context smoothing 0.75.
    "default": {},
    "ppmi-svd-window-5": {"algorithm": "ppmi_svd", "window": 5},
    "ppmi-svd-window-10-3-iterations": {"algorithm": "ppmi_svd", "window": 10, "svd_iterations": 3},
    "ppmi-svd-window-10-no-smoothing": {"algorithm": "ppmi_svd", "window": 10, "context_smoothing": 1.0},
    "ppmi-svd-window-10-200": {"algorithm": "ppmi_svd", "window": 10, "vector_size": 200},
}
PROBE = "love"


def vector_bytes_digest(vectors, folder: Path) -> str:
    path = folder / "vectors.bin"
    save_word_vectors(vectors, path)
    return hashlib.md5(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=sorted(CANDIDATES), help="train these candidates only")
    parser.add_argument("--repeat", choices=sorted(CANDIDATES), help="train this one twice: are the bytes the same?")
    parser.add_argument("--tokens", default=str(REPO / "data/tokens.parquet"), help="stage tokenize_reviews's table")
    args = parser.parse_args()
    base = load_params(Word2VecParams, REPO / "params.yaml")
    corpus = TokenizedReviews.read(args.tokens, (TRAIN, UNLABELED))
    record = read_record(STUDY)
    results = record.setdefault("candidates", {})
    names = [args.repeat] if args.repeat else args.only or list(CANDIDATES)
    for name in names:
        changes = dict(CANDIDATES[name])
        corpus_file = bool(changes.pop("corpus_file", False))
        settings = base.model_copy(update=changes)
        runs = 2 if args.repeat else 1
        digests, seconds = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(runs):
                started = time.perf_counter()
                vectors = train_word_vectors(corpus, settings, corpus_file=corpus_file)
                seconds.append(round(time.perf_counter() - started, 1))
                digests.append(vector_bytes_digest(vectors, Path(tmp)))
        entry = {
            "changes": CANDIDATES[name],
            "settings": settings.model_dump(),  # the whole group: the base (params.yaml) moves between studies
            "seconds": seconds[0],
            "words": len(vectors),
            **vector_quality(vectors),
            "neighbors": list(nearest_neighbors(vectors, [PROBE], 5)[PROBE] or {}),
        }
        if args.repeat:
            entry |= {"repeat_seconds": seconds, "repeat_same_bytes": len(set(digests)) == 1}
        results[name] = entry
        print(name, entry, flush=True)
        write_record(STUDY, record)


if __name__ == "__main__":
    main()
