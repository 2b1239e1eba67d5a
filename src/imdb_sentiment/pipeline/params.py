"""Typed, validated views of params.yaml, one model per stage group.

Each stage validates only the groups it reads, as it starts and before any heavy work, so a
typo or a wrong type fails in a second with the dotted key named, not deep inside a library.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.pipeline.model_names import KerasModel

PositiveInt = Annotated[int, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, lt=1)]
Side = Literal["pre", "post"]


class _Settings(BaseModel):
    # strict: a string where a number belongs is an error, not silently converted.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _Group(_Settings):
    group: ClassVar[str] = ""  # its key in params.yaml


class TableColumns(_Settings):
    """The columns of your own files that hold each field (imdb_sentiment.sources.tables)."""

    text: str
    label: str
    split: str | None  # train | test | unlabeled per row; None: each file's (path by split) or hashed (test_size)
    group: str | None  # e.g. a product, user or movie id: validation and test hold out whole groups


class TableParams(_Settings):
    # a file, folder or glob; local or a URL (s3://...); or split -> one of those (a split per file, columns.split null)
    path: str | Annotated[dict[Literal["train", "test", "unlabeled"], str], Field(min_length=1)]
    format: Literal["auto", "csv", "tsv", "parquet", "jsonl"]  # auto: from each file's suffix
    # TSV's quotes: none (a quote is text) | double (quoted fields, as pandas writes) | auto (each file's first MiB)
    quoting: Literal["auto", "none", "double"] = "auto"
    columns: TableColumns
    labels: dict[str, list[str | int | bool]]  # class -> its label values, negative first
    exclude: list[str | int | bool] = []  # label values whose rows are left out (and counted), not refused
    test_size: Annotated[float, Field(gt=0, lt=1)]  # without a split column: the share hashed into test
    seed: int  # keys the test split's hash
    storage_options: dict[str, Any]  # fsspec's options for a URL (endpoint_url...); credentials from the environment

    @model_validator(mode="after")
    def _two_classes(self) -> TableParams:
        if len(self.labels) != 2 or not all(self.labels.values()):
            raise ValueError(f"labels must list two classes, negative then positive, each with values: {self.labels}")
        return self


class DataParams(_Group):
    group: ClassVar[str] = "data"
    source: Literal["imdb", "table"]  # imdb: the archive at url (or $IMDB_ARCHIVE); table: your files, data.table
    url: str
    md5: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    table: TableParams
    name: str | None = None  # what the reviews are, as predict, the API and the page say; None: see described()

    def described(self) -> str:
        """What a model trained on these reviews was trained on, in a few words."""
        if self.name:
            return self.name
        # Not the table's path: the model would then be retrained whenever its file was renamed.
        return "IMDB movie reviews" if self.source == "imdb" else "your own labelled reviews"


# text.tokenizer's names; imdb_sentiment.text.tokenize.TOKENIZERS defines each (a test checks they agree).
TokenizerName = Literal["english", "korean", "char_ngrams"]


class TextParams(_Group):
    group: ClassVar[str] = "text"
    tokenizer: TokenizerName


class VocabParams(_Group):
    group: ClassVar[str] = "vocab"
    num_words: Annotated[int, Field(ge=5)]


class LengthParams(_Group):
    group: ClassVar[str] = "length"
    maxlen: Literal["auto"] | PositiveInt
    std_factor: Annotated[float, Field(ge=0)]


class PadParams(_Group):
    group: ClassVar[str] = "pad"
    padding: Side
    truncating: Side


class SplitParams(_Group):
    group: ClassVar[str] = "split"
    val_size: PositiveInt
    seed: int
    group_by: Literal["group", "review"]  # group: hold out whole groups (IMDB: movies) | review


class Word2VecParams(_Group):
    group: ClassVar[str] = "word2vec"
    algorithm: Literal["ppmi_svd", "word2vec"]
    vector_size: PositiveInt
    window: PositiveInt
    min_count: PositiveInt
    seed: int
    # algorithm ppmi_svd only
    context_smoothing: Annotated[float, Field(gt=0, le=1)]  # context counts raised to this power
    svd_iterations: PositiveInt
    # algorithm word2vec only
    epochs: PositiveInt
    sg: Literal[0, 1]
    sample: Annotated[float, Field(ge=0, lt=1)]  # downsampling of frequent words (0: off)

    def ppmi_svd_settings(self) -> dict[str, Any]:
        return self.model_dump(include={"vector_size", "window", "min_count", "seed", "context_smoothing",
                                         "svd_iterations"})  # fmt: skip

    def word2vec_settings(self) -> dict[str, Any]:
        return self.model_dump(include={"vector_size", "window", "min_count", "seed", "epochs", "sg", "sample"})


class EmbeddingParams(_Group):
    group: ClassVar[str] = "embedding"
    source: Literal["random", "word2vec", "pretrained"]
    path: str | None
    limit: PositiveInt | None
    dim: PositiveInt
    seed: int

    @model_validator(mode="after")
    def _pretrained_needs_path(self) -> EmbeddingParams:
        if self.source == "pretrained" and not self.path:
            raise ValueError("embedding.source is 'pretrained' but embedding.path is empty")
        return self


class ModelTraining(_Group):
    """Training settings that differ between models: each model's group holds its own."""

    learning_rate: PositiveFloat  # Adam
    batch_size: PositiveInt
    refit_full: bool  # after choosing the epoch count on validation, refit on train + validation
    embedding_scale: PositiveFloat  # the initial embedding is multiplied by this


class LstmParams(ModelTraining):
    units: PositiveInt
    dense_units: PositiveInt
    bidirectional: bool


class CnnParams(ModelTraining):
    filters: PositiveInt
    kernel_size: PositiveInt
    pool_size: PositiveInt
    dense_units: PositiveInt


class WideCnnParams(ModelTraining):
    filters: PositiveInt
    kernel_sizes: list[PositiveInt]
    dropout: Fraction
    dense_units: PositiveInt


class GmpParams(ModelTraining):
    dense_units: PositiveInt


class FastTextParams(ModelTraining):
    max_n: Annotated[int, Field(ge=1, le=4)]  # longest n-gram; 1 = words only
    buckets: Annotated[int, Field(ge=2)]  # hash buckets shared by all n-grams, n >= 2
    ngram_dim: PositiveInt
    dropout: Fraction


class NbsvmParams(ModelTraining):
    max_n: Annotated[int, Field(ge=1, le=4)]  # longest n-gram
    buckets: Annotated[int, Field(ge=2)]  # hash buckets shared by all n-grams, n >= 2
    weight_init: float  # starting weight of every feature
    dropout: Fraction  # on the mean word vector


class TrainParams(_Group):
    group: ClassVar[str] = "train"
    model: KerasModel
    epochs: PositiveInt  # at most; early stopping picks the epoch count
    trainable_embedding: bool
    early_stopping: Annotated[int, Field(ge=0)]
    seed: int
    lstm: LstmParams
    cnn: CnnParams
    cnn_wide: WideCnnParams
    gmp: GmpParams
    fasttext: FastTextParams
    nbsvm: NbsvmParams

    @model_validator(mode="before")
    @classmethod
    def _moved_keys(cls, data: Any) -> Any:
        # params.yaml files from before per-model settings: say where the key went
        moved = sorted(set(data) & set(ModelTraining.model_fields)) if isinstance(data, dict) else []
        if moved:
            key, model = moved[0], data.get("model", "nbsvm")
            raise ValueError(f"train.{key} is now per model: set train.<model>.{key}, e.g. train.{model}.{key}")
        return data

    @property
    def settings(self) -> ModelTraining:
        """The chosen model's own group: its learning rate, batch size and refit."""
        return getattr(self, self.model)

    def for_model(self, model: str) -> TrainParams:
        """The same settings with another model chosen (an ensemble member of fixed architecture)."""
        return type(self).model_validate({**self.model_dump(), "model": model})


class NgramParams(_Group):
    group: ClassVar[str] = "ngrams"
    max_n: Annotated[int, Field(ge=1, le=3)]  # longest n-gram; keys are exact int64s, so at most 3
    min_df: PositiveInt  # keep n-grams found in at least this many training reviews
    max_features: PositiveInt | None  # then at most this many, the most frequent: bounds the model and its fit
    C: PositiveFloat  # inverse L2 strength of the logistic regression
    refit_full: bool  # refit on train + validation after scoring validation


class EndingParams(NgramParams):
    """The n-gram member again, on each review's last words only: reviews tend to end on their verdict."""

    group: ClassVar[str] = "ending"
    last_words: PositiveInt


class LanguageModelParams(_Group):
    group: ClassVar[str] = "lm"
    order: Annotated[int, Field(ge=2, le=3)]  # n of the n-gram models; keys are exact int64s, so at most 3
    discount: Annotated[float, Field(gt=0, lt=1)]  # absolute discount of the interpolated smoothing
    refit_full: bool  # refit on train + validation after scoring validation


class EnsembleParams(_Group):
    group: ClassVar[str] = "ensemble"
    # Member names, each a kind of imdb_sentiment.members.kinds (which checks them): keras = stage train's
    # model (train.model), ngrams, ending, lm, or a Keras architecture of train.model trained by its own stage
    members: Annotated[list[str], Field(min_length=1)]
    C: PositiveFloat  # inverse L2 strength of the stacker
    cv_folds: Annotated[int, Field(ge=2)]  # folds within validation for the ensemble's own accuracy

    @model_validator(mode="after")
    def _members_once(self) -> EnsembleParams:
        if len(set(self.members)) != len(self.members):
            raise ValueError(f"ensemble.members lists a member twice: {self.members}")
        return self


class ClusterParams(_Group):
    """Where row-parallel work runs (imdb_sentiment.distributed.cluster). No stage lists it in dvc.yaml: the
    outputs are the same bytes wherever the work ran, so changing it reruns nothing."""

    group: ClassVar[str] = "cluster"
    # The defaults are for commands run outside a pipeline's folder (predict --file); params.yaml lists them.
    scheduler: str | None = None  # a Dask scheduler (tls://host:8786); null: here, unless $DASK_SCHEDULER_ADDRESS
    partition_rows: PositiveInt = 25_000  # reviews per task: a part's memory, not its result, depends on it
    retries: Annotated[int, Field(ge=0)] = 2  # reruns of a task that raised (a lost worker is always rerun)
    connect_timeout_s: PositiveFloat = 10.0


class ExportParams(_Group):
    group: ClassVar[str] = "export"
    probe_words: list[str]
    topn: PositiveInt


G = TypeVar("G", bound=_Group)


def group_model(group: str) -> type[_Group]:
    """The model of the params.yaml group named ``group`` (e.g. 'ending' -> EndingParams)."""
    found, pending = {}, list(_Group.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.group:
            found[model.group] = model
    if group not in found:
        raise PipelineError(f"no parameter group {group!r} in params.yaml's schema (known: {', '.join(sorted(found))})")
    return found[group]


def read_params_file(path: str | os.PathLike[str] = "params.yaml") -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except FileNotFoundError as exc:
        raise PipelineError(f"{path} not found: run from the repository root") from exc
    except yaml.YAMLError as exc:
        raise PipelineError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PipelineError(f"{path}: expected a mapping of parameter groups, found {data!r}")
    return data


def parse_group(raw: dict[str, Any], group: str, model: type[G], source: str = "params.yaml") -> G:
    """Validate ``raw[group]`` against ``model``; errors name every bad dotted key."""
    if group not in raw:
        raise PipelineError(f"{source}: missing parameter group '{group}'")
    try:
        return model.model_validate(raw[group])
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join([group, *(str(part) for part in error["loc"])])
            found = "" if error["type"] == "missing" else f" (found {error['input']!r})"
            problems.append(f"  {key}: {error['msg']}{found}")
        raise PipelineError(f"{source}: invalid parameters\n" + "\n".join(problems)) from None


def load_params(model: type[G], path: str | os.PathLike[str] = "params.yaml") -> G:
    """Read and validate one group of params.yaml, e.g. ``load_params(PadParams)``."""
    return parse_group(read_params_file(path), model.group, model, source=str(Path(path)))
