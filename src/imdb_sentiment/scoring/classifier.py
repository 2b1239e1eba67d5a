"""The one classifier type: members, a stacker and the preprocessing they were trained with.

``data/ensemble.zip`` (stage combine) holds everything needed to score raw text: each member's
own model file, the stacker's weights, the vocabulary and the padding. A lone ``.keras`` file
from stage train carries its vocabulary and padding too, and loads as a one-member classifier
whose scores pass through unchanged. Both say what the model was trained on (``trained_on``).
``predict``, ``serve`` and ``explain`` use ``Classifier`` whichever file it came from.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import numpy as np

from imdb_sentiment.distributed.cluster import Part, Runner, row_ranges, rows_label, run_parts
from imdb_sentiment.ensemble.stacker import Stacker
from imdb_sentiment.members.kinds import KERAS, KERAS_BATCH, Member, MemberKind, kind_of, load_member, manifest_kind
from imdb_sentiment.members.ngrams import packed_parts
from imdb_sentiment.pipeline.io import PipelineError, read_json, write_zip
from imdb_sentiment.text.preprocessing import Preprocessing, carried_trained_on
from imdb_sentiment.text.vocab import known_word_counts

DEFAULT_MODEL = "data/ensemble.zip"
DEFAULT_VOCAB = "data/vocab.json"  # for a .keras file that does not carry its vocabulary
DEFAULT_PARAMS = "params.yaml"  # and its padding
MANIFEST = "ensemble.json"
VOCAB_ENTRY = "vocab.json"
# 3: a member's kind may be an inference form (members.INFERENCE_KINDS); 2: each member's kind and
# file in the manifest; 1: its file only (the kind followed from the name).
FORMAT_VERSION = 3
READABLE_FORMATS = (1, 2, 3)


def describe_training(trained_on: str | None) -> str:
    """What predict, the API and the page say of a model's data: "trained on IMDB movie reviews",
    or, for a model file from before models named their data, that it does not say."""
    return f"trained on {trained_on}" if trained_on else "trained on data its model file does not name"


NO_KNOWN_WORDS = (
    "has no word the model knows (empty, or only emoji, markup, numbers or words outside its vocabulary): "
    "there is nothing to score"
)


@dataclass(frozen=True)
class Scores:
    """Each review's probability of being positive and how many of its words the model knows; a
    review with none (``unscored``) has no evidence, and its probability is only the model's prior."""

    probabilities: np.ndarray
    known_words: np.ndarray

    @classmethod
    def empty(cls) -> Scores:
        return cls(np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64))

    @property
    def unscored(self) -> np.ndarray:
        return self.known_words == 0

    def probability_or_none(self) -> list[float | None]:
        """The probabilities, with None for the unscored reviews."""
        return [None if n == 0 else float(p) for p, n in zip(self.probabilities, self.known_words, strict=True)]


@dataclass
class Classifier:
    """Scores raw text with every member and combines them with the stacker (``None``: a lone
    model, whose probabilities are the classifier's)."""

    preprocessing: Preprocessing
    members: dict[str, Member]
    stacker: Stacker | None

    @property
    def trained_on(self) -> str | None:
        """What the reviews it was trained on were, as its file says (None: the file does not say)."""
        return self.preprocessing.trained_on

    def member_probabilities(self, ids: np.ndarray, offsets: np.ndarray) -> dict[str, np.ndarray]:
        """Each member's probability for each packed review."""
        return {name: member.probabilities(ids, offsets, self.preprocessing) for name, member in self.members.items()}

    def combine(self, probabilities: Mapping[str, np.ndarray]) -> np.ndarray:
        if self.stacker is None:
            (only,) = probabilities.values()
            return np.asarray(only)
        return self.stacker.combine(probabilities)

    def predict_encoded(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        return self.combine(self.member_probabilities(ids, offsets))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Probability that each review is positive."""
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float64)
        return self.predict_encoded(*self.preprocessing.encode(texts))

    def score(self, texts: Sequence[str]) -> Scores:
        """``predict``, with how many words of each review the model knows (0: unscored)."""
        if len(texts) == 0:
            return Scores.empty()
        ids, offsets = self.preprocessing.encode(texts)
        return Scores(self.predict_encoded(ids, offsets), known_word_counts(ids, offsets))

    def predict_label(self, texts: Sequence[str], threshold: float = 0.5) -> np.ndarray:
        """1 for positive, 0 for negative."""
        return (self.predict(texts) >= threshold).astype(np.int8)


def save_ensemble(
    path: str | os.PathLike[str],
    stacker: Stacker,
    member_paths: Mapping[str, str | os.PathLike[str]],
    preprocessing: Preprocessing,
) -> None:
    """One zip: manifest (each member's kind and file), vocabulary and each member's model: its
    kind's inference form where it has one (the Keras NBSVM as arrays), else its own file byte for byte."""
    kinds, files, entries = {}, {}, {}
    for name in stacker.members:
        kind, source = kind_of(name), Path(member_paths[name])
        lighter = kind.inference_form(source, preprocessing) if kind.inference_form else None
        kinds[name], data = lighter if lighter is not None else (kind, source.read_bytes())
        files[name] = f"{name}{kinds[name].suffix}"
        entries[files[name]] = data
    padding = preprocessing.as_dict()
    vocab = padding.pop("vocab")  # an entry of its own; the manifest keeps the rest (maxlen, padding, trained_on...)
    manifest = {
        "format": FORMAT_VERSION,
        "stacker": stacker.as_dict(),
        "members": {name: {"kind": kinds[name].name, "file": files[name]} for name in stacker.members},
        **padding,
    }
    entries[MANIFEST] = json.dumps(manifest, indent=2).encode()
    entries[VOCAB_ENTRY] = json.dumps(vocab, ensure_ascii=False).encode()
    write_zip(path, entries)


def _manifest_members(manifest: Mapping[str, Any]) -> dict[str, tuple[MemberKind, str]]:
    """Each member's kind and file entry, from a manifest of any readable format."""
    members = {}
    for name, entry in manifest["members"].items():
        if isinstance(entry, str):  # format 1
            members[name] = (kind_of(name), entry)
        else:
            members[name] = (manifest_kind(entry["kind"]), entry["file"])
    return members


def load_ensemble(path: str | os.PathLike[str] | IO[bytes]) -> Classifier:
    """Read the zip; each member is loaded by its kind, through a temporary file (Keras loads from paths)."""
    try:
        with zipfile.ZipFile(path) as bundle:
            manifest = json.loads(bundle.read(MANIFEST))
            vocab = json.loads(bundle.read(VOCAB_ENTRY))
            members = _manifest_members(manifest)
            files = {name: bundle.read(file) for name, (_, file) in members.items()}
    except FileNotFoundError:
        raise PipelineError(f"no trained model at {path}: run `dvc repro` (or `dvc pull`) first") from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise PipelineError(f"{path}: not an ensemble model file ({exc})") from None
    if manifest.get("format") not in READABLE_FORMATS:
        raise PipelineError(f"{path}: ensemble format {manifest.get('format')!r}, expected one of {READABLE_FORMATS}")
    loaded: dict[str, Member] = {}
    with tempfile.TemporaryDirectory(prefix="imdb-ensemble-") as tmp:
        for name, (kind, file) in members.items():
            member_path = Path(tmp) / file
            member_path.write_bytes(files[name])
            loaded[name] = load_member(name, kind, member_path)
    preprocessing = Preprocessing.from_dict({**manifest, "vocab": vocab})
    return Classifier(preprocessing, loaded, Stacker.from_dict(manifest["stacker"]))


def load_keras_classifier(
    path: str | os.PathLike[str],
    vocab_path: str | os.PathLike[str] = DEFAULT_VOCAB,
    params_path: str | os.PathLike[str] = DEFAULT_PARAMS,
) -> Classifier:
    """A lone .keras model as a one-member classifier, with the vocabulary and padding it carries
    (for an older .keras without them: ``vocab_path`` and the padding in ``params_path``)."""
    from imdb_sentiment.members.keras.saving import carried_preprocessing

    member = load_member(KERAS.name, KERAS, path)
    carried = carried_preprocessing(path)
    if carried is not None:
        preprocessing = Preprocessing.from_dict(carried)
    else:  # a .keras file from before models carried their preprocessing
        from imdb_sentiment.pipeline.params import PadParams, load_params

        pad = load_params(PadParams, params_path)
        preprocessing = Preprocessing(
            read_json(vocab_path), int(member.model.input_shape[1]), pad.padding, pad.truncating
        )
    return Classifier(preprocessing, {KERAS.name: member}, stacker=None)


def load_classifier(
    path: str | os.PathLike[str] = DEFAULT_MODEL,
    *,
    vocab_path: str | os.PathLike[str] = DEFAULT_VOCAB,
    params_path: str | os.PathLike[str] = DEFAULT_PARAMS,
) -> Classifier:
    """The ensemble (.zip) or a lone Keras model (.keras), as a ``Classifier``."""
    if not Path(path).is_file():
        raise PipelineError(f"no trained model at {path}: run `dvc repro` (or `dvc pull`) first")
    if str(path).endswith(".zip"):
        return load_ensemble(path)
    return load_keras_classifier(path, vocab_path, params_path)


@dataclass
class ModelFiles:
    """A model file's bytes (and, for a .keras file that does not carry them, the vocabulary and
    params files'), loaded where it scores: a task ships it to each worker once (``Runner.map``'s
    shared values), and each worker loads it once. Locally it is loaded once too."""

    model: bytes
    suffix: str  # .zip or .keras: says how to load it
    vocab: bytes | None = None
    params: bytes | None = None

    @classmethod
    def read(
        cls,
        path: str | os.PathLike[str] = DEFAULT_MODEL,
        vocab_path: str | os.PathLike[str] = DEFAULT_VOCAB,
        params_path: str | os.PathLike[str] = DEFAULT_PARAMS,
    ) -> ModelFiles:
        if not Path(path).is_file():
            raise PipelineError(f"no trained model at {path}: run `dvc repro` (or `dvc pull`) first")
        if str(path).endswith(".zip"):  # self-contained
            return cls(Path(path).read_bytes(), ".zip")
        vocab, params = (Path(p).read_bytes() if Path(p).is_file() else None for p in (vocab_path, params_path))
        return cls(Path(path).read_bytes(), Path(path).suffix, vocab, params)

    @cached_property
    def trained_on(self) -> str | None:
        """``Classifier.trained_on``, from the file's metadata alone: no member is loaded (the
        process that only sends parts to a cluster never needs TensorFlow)."""
        from imdb_sentiment.members.keras.saving import carried_preprocessing

        if self.suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(self.model)) as bundle:
                return carried_trained_on(json.loads(bundle.read(MANIFEST)))
        carried = carried_preprocessing(io.BytesIO(self.model))
        return None if carried is None else carried_trained_on(carried)

    @cached_property
    def classifier(self) -> Classifier:
        if self.suffix == ".zip":
            return load_ensemble(io.BytesIO(self.model))
        with tempfile.TemporaryDirectory(prefix="imdb-model-") as tmp:  # Keras loads from paths
            model, vocab, params = (Path(tmp) / name for name in (f"model{self.suffix}", "vocab.json", "params.yaml"))
            for target, data in ((model, self.model), (vocab, self.vocab), (params, self.params)):
                if data is not None:
                    target.write_bytes(data)
            return load_keras_classifier(model, vocab, params)

    def __getstate__(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if key != "classifier"}


def part_member_probabilities(packed: tuple[np.ndarray, np.ndarray], model: ModelFiles) -> dict[str, np.ndarray]:
    return model.classifier.member_probabilities(*packed)


def whole_keras_batches(rows: int) -> int:
    """``rows`` rounded down to whole Keras batches (at least one): parts of that size let a Keras
    member see the batches a single pass would, however the rows are cut."""
    return max(1, rows // KERAS_BATCH) * KERAS_BATCH


def score_packed(model: ModelFiles, ids: np.ndarray, offsets: np.ndarray, work: Runner) -> dict[str, np.ndarray]:
    """Every member's probabilities for packed reviews, scored in parts where ``work`` runs them."""
    parts = packed_parts(ids, offsets, whole_keras_batches(work.partition_rows))
    results = run_parts(work, part_member_probabilities, parts, {"model": model})
    if not results:
        return {name: np.zeros(0) for name in model.classifier.members}
    return {name: np.concatenate([result[name] for result in results]) for name in results[0]}


def part_scores(texts: list[str], model: ModelFiles) -> Scores:
    return model.classifier.score(texts)


def score_texts(model: ModelFiles, texts: Sequence[str], work: Runner) -> Scores:
    """``classifier.score(texts)``, in parts of whole Keras batches where ``work`` runs them (a
    worker gets the model once): the same probabilities, byte for byte."""
    rows = whole_keras_batches(work.partition_rows)
    parts = [Part(rows_label(first, end), list(texts[first:end])) for first, end in row_ranges(len(texts), rows)]
    results = run_parts(work, part_scores, parts, {"model": model})
    if not results:
        return Scores.empty()
    return Scores(*(np.concatenate([getattr(r, name) for r in results]) for name in ("probabilities", "known_words")))
