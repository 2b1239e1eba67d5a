"""The page and the API say what the model was trained on, as its file says: checked on the app
itself, without a server (test_serve.py starts one on the fixture pipeline's ensemble)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixture_models import ngram_ensemble

from imdb_sentiment.scoring.classifier import load_ensemble
from imdb_sentiment.scoring.serve.app import create_app


def endpoint(app: Any, path: str) -> Any:
    """What GET ``path`` answers, from its function (no HTTP client needed)."""
    (route,) = [route for route in app.routes if getattr(route, "path", None) == path]
    return route.endpoint()


@pytest.fixture(scope="module")
def naver_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = ngram_ensemble(tmp_path_factory.mktemp("naver") / "ensemble.zip", trained_on="Naver movie reviews")
    return create_app(load_ensemble(path), model_name="data/ensemble.zip")


def test_the_api_describes_the_model_it_serves(naver_app: Any) -> None:
    info = naver_app.openapi()["info"]
    assert info["title"] == "Sentiment — trained on Naver movie reviews"
    assert "trained on Naver movie reviews" in info["description"] and "IMDB" not in info["description"]
    health = endpoint(naver_app, "/health")
    assert health.trained_on == "Naver movie reviews"
    assert health.tokenizer == "english" and health.classes == ["negative", "positive"]
    assert health.model == "data/ensemble.zip" and health.explain_method.startswith("ensemble")
    described = naver_app.openapi()["components"]["schemas"]["Health"]["properties"]
    assert {"trained_on", "tokenizer", "classes"} <= set(described)  # in /docs too


def test_the_page_says_what_the_model_was_trained_on(naver_app: Any) -> None:
    page = endpoint(naver_app, "/").body.decode()
    assert "<title>Sentiment — trained on Naver movie reviews</title>" in page
    assert "<h1>Sentiment — trained on Naver movie reviews</h1>" in page
    assert "IMDB" not in page and "{{" not in page


def test_a_name_with_markup_is_shown_as_text(tmp_path: Path) -> None:
    """data.name is the user's text: the page shows it, and never runs it."""
    path = ngram_ensemble(tmp_path / "ensemble.zip", trained_on="<b>shop</b> & reviews")
    page = endpoint(create_app(load_ensemble(path), "m.zip"), "/").body.decode()
    assert "<h1>Sentiment — trained on &lt;b&gt;shop&lt;/b&gt; &amp; reviews</h1>" in page


def test_an_older_model_file_is_not_said_to_be_imdbs(tmp_path: Path) -> None:
    app = create_app(load_ensemble(ngram_ensemble(tmp_path / "ensemble.zip", trained_on=None)), "old.zip")
    assert endpoint(app, "/health").trained_on is None
    assert app.openapi()["info"]["title"] == "Sentiment — trained on data its model file does not name"
    assert "IMDB" not in endpoint(app, "/").body.decode()


@pytest.mark.parametrize(("tokenizer", "example"), [("english", "A wonderful film"), ("korean", "배우들 연기가")])
def test_the_page_s_example_review_is_in_the_model_s_language(tmp_path: Path, tokenizer: str, example: str) -> None:
    """An English example on a Korean model's page would be refused: no word it knows."""
    path = ngram_ensemble(tmp_path / "ensemble.zip", trained_on="reviews", tokenizer=tokenizer)
    page = endpoint(create_app(load_ensemble(path), "m.zip"), "/").body.decode()
    assert f'<textarea id="review" aria-label="review">{example}' in page
