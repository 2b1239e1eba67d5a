"""The FastAPI application: POST /predict, GET /health, GET / (a page), and the docs at /docs.

The page's and the API's titles, and /health, say what the model was trained on, as its file says:
nothing here assumes IMDB.
"""

from __future__ import annotations

import html
import threading
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator
from starlette.exceptions import HTTPException

from imdb_sentiment import __version__
from imdb_sentiment.scoring.classifier import NO_KNOWN_WORDS, Classifier, describe_training
from imdb_sentiment.scoring.explain.explainer import Explainer
from imdb_sentiment.scoring.predict import LABELS, label_of
from imdb_sentiment.scoring.serve.limits import (
    MAX_BODY_BYTES,
    MAX_EXPLAINED_TEXTS,
    MAX_TEXT_CHARS,
    MAX_TEXTS,
    BodySizeLimit,
)

EXPECTED = '{"texts": ["a review", ...], "explain": false}'
PRODUCT = "Sentiment"
PAGE_TITLE = "{{title}}"  # where page.html takes the title
PAGE_EXAMPLE = "{{example}}"  # and its example review, in the language of the model's tokenizer
EXAMPLE_REVIEWS = {
    "english": "A wonderful film: the acting is brilliant and the story moving.",
    "korean": "배우들 연기가 훌륭하고 스토리도 감동적이었다. 강추!",
}
Review = Annotated[StrictStr, Field(max_length=MAX_TEXT_CHARS)]


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[Review] = Field(
        min_length=1,
        max_length=MAX_TEXTS,
        description=f"Reviews to score: 1 to {MAX_TEXTS}, each at most {MAX_TEXT_CHARS:,} characters.",
    )
    explain: StrictBool = Field(
        False, description=f"Also explain each score (at most {MAX_EXPLAINED_TEXTS} reviews per request)."
    )
    top: int = Field(10, ge=1, le=50, strict=True, description="Terms listed per direction when explaining.")

    @model_validator(mode="after")
    def explained_reviews_within_limit(self) -> PredictRequest:
        if self.explain and len(self.texts) > MAX_EXPLAINED_TEXTS:
            raise ValueError(f"explain is limited to {MAX_EXPLAINED_TEXTS} texts per request, got {len(self.texts)}")
        return self


class Term(BaseModel):
    term: str = Field(description="A word or n-gram (lowercased, as the tokenizer sees it).")
    weight: float = Field(description="Its contribution to the log-odds of 'positive'.")


class Word(BaseModel):
    text: str
    start: int | None = Field(description="Character offset in the review; null where it cannot be told.")
    end: int | None
    weight: float = Field(description="Its share of the log-odds, for shading.")


class Explanation(BaseModel):
    method: str
    base: float = Field(description="Log-odds before any word: the bias.")
    positive: list[Term]
    negative: list[Term]
    words: list[Word]


class Prediction(BaseModel):
    probability: float | None = Field(
        description="Probability that the review is positive; null where it has no word the model knows."
    )
    label: Literal["positive", "negative"] | None
    known_words: int = Field(description="How many of its words the model knows; 0: not scored.")
    explanation: Explanation | None = None


class PredictResponse(BaseModel):
    model: str
    predictions: list[Prediction]


class Health(BaseModel):
    status: Literal["ok"]
    loaded: bool
    model: str
    trained_on: str | None = Field(
        description="What the model was trained on (its file's data.name, or e.g. 'IMDB movie reviews'); "
        "null for a model file from before models named their data."
    )
    tokenizer: str = Field(description="How it splits text into words (params.yaml text.tokenizer).")
    classes: list[str] = Field(description="The labels it gives, negative first.")
    explain_method: str


def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """400 for a body that is not JSON, 422 for JSON of the wrong shape; one readable line in
    ``error``, pydantic's details in ``detail``."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    if any(error["type"] == "json_invalid" for error in errors):
        return JSONResponse({"error": f"request body is not valid JSON: expected {EXPECTED}"}, status_code=400)
    if any(error["type"] == "model_attributes_type" and tuple(error["loc"]) == ("body",) for error in errors):
        message = f"expected a JSON object {EXPECTED}, sent with Content-Type: application/json"
        return JSONResponse({"error": message}, status_code=422)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'] if part != 'body') or 'body'}: {error['msg']}"
        for error in errors
    )
    detail = [{"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]} for error in errors]
    return JSONResponse({"error": f"{problems} (expected {EXPECTED})", "detail": detail}, status_code=422)


def http_error(request: Request, exc: Exception) -> JSONResponse:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = exc.detail if isinstance(exc, HTTPException) else "internal error"
    if status == 400:  # FastAPI's answer to a body it could not decode, e.g. bytes that are not UTF-8
        message = f"request body is not UTF-8 JSON: expected {EXPECTED}"
    return JSONResponse({"error": message}, status_code=status)


def title_of(classifier: Classifier) -> str:
    """The page's and the API's title: "Sentiment — trained on IMDB movie reviews"."""
    return f"{PRODUCT} — {describe_training(classifier.trained_on)}"


def create_app(classifier: Classifier, model_name: str) -> FastAPI:
    """The API around a loaded classifier (``load_classifier``'s result)."""
    explainer = Explainer(classifier)
    title = title_of(classifier)
    # One request at a time through the model: TensorFlow already uses both cores for one batch,
    # and the n-gram tables' lazily built hash indexes are not safe to build from two threads.
    model_lock = threading.Lock()
    app = FastAPIOffline(  # /docs and /redoc load their scripts from this server, not a CDN
        title=title,
        version=__version__,
        description=(
            f"Scores reviews with `{model_name}`, {describe_training(classifier.trained_on)}. "
            f"Limits per request: {MAX_TEXTS} texts "
            f"({MAX_EXPLAINED_TEXTS} with explain), {MAX_TEXT_CHARS:,} characters per text, {MAX_BODY_BYTES:,} bytes."
        ),
    )
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    page = resources.files("imdb_sentiment.scoring.serve").joinpath("page.html").read_text(encoding="utf-8")
    page = page.replace(PAGE_TITLE, html.escape(title))  # data.name is the user's text: escaped
    page = page.replace(PAGE_EXAMPLE, EXAMPLE_REVIEWS.get(classifier.preprocessing.tokenizer_name, ""))

    errors: dict[int | str, dict[str, Any]] = {
        400: {"description": "The body is not UTF-8 JSON."},
        413: {"description": f"The body is over {MAX_BODY_BYTES:,} bytes."},
        422: {
            "description": "The JSON does not have the expected fields, types or sizes, or its one review has "
            "no word the model knows."
        },
    }

    @app.post("/predict", response_model=PredictResponse, responses=errors)
    def predict(request: PredictRequest) -> PredictResponse:
        """The probability that each review is positive, and optionally why. A review with no word
        the model knows is refused (422) when it is the only one, and left unscored in a batch."""
        with model_lock:
            scores = classifier.score(request.texts)
            if len(request.texts) == 1 and scores.unscored[0]:
                raise HTTPException(422, f"texts.0: the review {NO_KNOWN_WORDS}")
            predictions = [
                Prediction(probability=p, label=None if p is None else label_of(p), known_words=int(n))
                for p, n in zip(scores.probability_or_none(), scores.known_words, strict=True)
            ]
            if request.explain:
                for prediction, text in zip(predictions, request.texts, strict=True):
                    if prediction.probability is not None:
                        (explained,) = explainer.explain([text], request.top)
                        prediction.explanation = Explanation.model_validate(explained.as_dict())
        return PredictResponse(model=model_name, predictions=predictions)

    @app.get("/health")
    def health() -> Health:
        """Whether the model is loaded, and which: its file, what it was trained on, how it reads
        text, the labels it gives and how its scores are explained."""
        return Health(
            status="ok",
            loaded=True,
            model=model_name,
            trained_on=classifier.trained_on,
            tokenizer=classifier.preprocessing.tokenizer_name,
            classes=list(LABELS),
            explain_method=explainer.method,
        )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(page)

    return app
