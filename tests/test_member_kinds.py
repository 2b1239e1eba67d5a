"""The member registry: every name ensemble.members accepts resolves to one kind, and each kind's
stage, file suffix, loader and explainer are the ones the pipeline and the explainer use."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from imdb_sentiment.ensemble.stacker import Stacker
from imdb_sentiment.members.kinds import KERAS, KINDS, check_members, kind_of, member_names, model_filename
from imdb_sentiment.members.ngrams import fit_ngram_model
from imdb_sentiment.pipeline.io import PipelineError, write_zip
from imdb_sentiment.pipeline.model_names import KERAS_MODELS
from imdb_sentiment.scoring.classifier import FORMAT_VERSION, MANIFEST, load_ensemble, save_ensemble
from imdb_sentiment.text.preprocessing import Preprocessing
from imdb_sentiment.text.sequences import pack
from imdb_sentiment.text.vocab import encode

REPO = Path(__file__).parents[1]
VOCAB = {"<PAD>": 0, "<BOS>": 1, "<UNK>": 2, "<UNUSED>": 3, "great": 4, "awful": 5, "film": 6, "the": 7}


def test_every_keras_architecture_is_a_keras_member() -> None:
    assert set(KERAS_MODELS) <= set(member_names())
    for model in ("keras", *KERAS_MODELS):
        assert kind_of(model) is KERAS
        assert model_filename(model) == f"{model}.keras"
    assert [kind_of(name).name for name in ("ngrams", "ending", "lm")] == ["ngrams", "ending", "lm"]
    assert model_filename("ending") == "ending.npz"


def test_an_unknown_member_is_named_with_what_is_accepted() -> None:
    with pytest.raises(PipelineError, match=r"ensemble\.members: 'doc2vec' is not a member; expected one of keras, "):
        check_members(["keras", "doc2vec"])


def test_each_kind_names_an_explainer_that_exists() -> None:
    from imdb_sentiment.scoring.explain import methods

    for kind in KINDS.values():
        assert callable(getattr(methods, kind.explainer)), kind.name


def test_the_pipelines_member_stages_are_the_kinds_own() -> None:
    """Each member stage of dvc.yaml runs its kind's script with its kind's params group and
    writes where combine looks: data/members/<name><suffix> (or combine's --model) and
    data/val_scores/<name>.npz."""
    pipeline = yaml.safe_load((REPO / "dvc.yaml").read_text())
    stages = pipeline["stages"]
    combine = stages["combine"]["cmd"]
    named = dict(re.findall(r"--model (\w+)=(\S+)", combine))
    found = set()
    for name, stage in stages.items():
        scores = [out for out in stage.get("outs", []) if isinstance(out, str) and out.startswith("data/val_scores/")]
        if not scores:
            continue
        member = scores[0].rsplit("/", 1)[1].removesuffix(".npz")
        kind = kind_of(member)
        model_out = named.get(member, f"data/members/{model_filename(member)}")
        assert model_out in stage["outs"], (name, model_out)
        assert f"--model {model_out}" in stage["cmd"] and f"--val-scores {scores[0]}" in stage["cmd"], name
        assert f"python {kind.stage} " in stage["cmd"], name
        if kind is not KERAS:
            assert f"--member {kind.params_group}" in stage["cmd"] or kind.name == "lm", name
        found.add(member)
    members = yaml.safe_load((REPO / "params.yaml").read_text())["ensemble"]["members"]
    assert set(members) <= found
    assert "--models data/members " in combine and "--scores data/val_scores " in combine


def ngram_member(tmp_path: Path) -> Path:
    texts = ["the great film", "great great", "the awful film", "awful"] * 10
    labels = np.array([1, 1, 0, 0] * 10)
    ids, offsets = pack([encode(t.split(), VOCAB) for t in texts])
    fit_ngram_model(ids, offsets, labels, base=len(VOCAB), max_n=2, min_df=1, c=1.0).save(tmp_path / "ngrams.npz")
    return tmp_path / "ngrams.npz"


def test_the_manifest_records_each_members_kind(tmp_path: Path) -> None:
    path = ngram_member(tmp_path)
    stacker = Stacker(("ngrams", "ending"), (1.0, 0.5), 0.0)
    preprocessing = Preprocessing(VOCAB, maxlen=10, padding="pre", truncating="pre")
    save_ensemble(tmp_path / "ensemble.zip", stacker, {"ngrams": path, "ending": path}, preprocessing)
    with zipfile.ZipFile(tmp_path / "ensemble.zip") as bundle:
        manifest = json.loads(bundle.read(MANIFEST))
    assert manifest["format"] == FORMAT_VERSION == 3
    assert manifest["members"] == {
        "ngrams": {"kind": "ngrams", "file": "ngrams.npz"},
        "ending": {"kind": "ending", "file": "ending.npz"},
    }
    classifier = load_ensemble(tmp_path / "ensemble.zip")
    assert {name: member.kind.name for name, member in classifier.members.items()} == {
        "ngrams": "ngrams",
        "ending": "ending",
    }


def test_an_ensemble_of_format_1_still_loads(tmp_path: Path) -> None:
    """Registered versions committed before kinds were recorded: the kind follows from the name."""
    path = ngram_member(tmp_path)
    manifest = {
        "format": 1,
        "stacker": {"members": ["ngrams"], "weights": [1.0], "bias": 0.0},
        "members": {"ngrams": "ngrams.npz"},
        "maxlen": 10,
        "padding": "pre",
        "truncating": "pre",
    }
    entries = {
        MANIFEST: json.dumps(manifest).encode(),
        "vocab.json": json.dumps(VOCAB).encode(),
        "ngrams.npz": path.read_bytes(),
    }
    write_zip(tmp_path / "old.zip", entries)
    classifier = load_ensemble(tmp_path / "old.zip")
    assert classifier.members["ngrams"].kind.name == "ngrams"
    assert list(classifier.predict_label(["a great film", "awful"])) == [1, 0]
