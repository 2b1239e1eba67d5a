"""`python -m imdb_sentiment serve`, started for real on loopback with the fixture ensemble."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixture_repo import cli
from fixture_server import post_json, request

from imdb_sentiment.scoring.serve.limits import MAX_BODY_BYTES, MAX_EXPLAINED_TEXTS, MAX_TEXT_CHARS, MAX_TEXTS

JSON = {"Content-Type": "application/json"}


def test_health_names_the_loaded_model(served_model: int) -> None:
    status, body = request(served_model, "GET", "/health")
    assert status == 200
    assert body["status"] == "ok" and body["loaded"] is True and body["model"].endswith("data/ensemble.zip")
    assert body["explain_method"].startswith("ensemble")
    # what the model file says (stage combine wrote data.described()), how it reads text, what it answers
    assert body["trained_on"] == "IMDB movie reviews"
    assert body["tokenizer"] == "english" and body["classes"] == ["negative", "positive"]


def test_predict_gives_the_python_apis_scores(served_model: int, trained_repo: Path) -> None:
    from imdb_sentiment.scoring.predict import load_classifier

    texts = ["a great and wonderful film, I love it", "awful boring worst, a waste", "", "ünïcödé ★ 映画"]
    status, body = post_json(served_model, {"texts": texts})
    assert status == 200
    expected = load_classifier(trained_repo / "data/ensemble.zip").predict(texts[:2])
    assert [p["probability"] for p in body["predictions"][:2]] == pytest.approx(expected.tolist(), abs=1e-6)
    assert [p["label"] for p in body["predictions"]] == ["positive", "negative", None, None]
    # the last two have no word the model knows: in a batch they are left unscored, the rest scored
    assert [p["known_words"] for p in body["predictions"]][2:] == [0, 0]
    assert [p["probability"] for p in body["predictions"]][2:] == [None, None]
    assert all(p["explanation"] is None for p in body["predictions"])


@pytest.mark.parametrize("text", ["", "🙂🙂", "<br /><br />", "12 345"])
def test_a_lone_text_without_known_words_is_refused(served_model: int, text: str) -> None:
    for explain in (False, True):
        status, body = post_json(served_model, {"texts": [text], "explain": explain})
        assert status == 422 and "has no word the model knows" in body["error"], body
    status, body = post_json(served_model, {"texts": [text, "great"], "explain": True})
    assert status == 200 and body["predictions"][0]["explanation"] is None
    assert body["predictions"][1]["explanation"]["positive"]


def test_explain_over_http(served_model: int) -> None:
    text = "The plot was great, a wonderful film. The ending was awful."
    status, body = post_json(served_model, {"texts": [text], "explain": True, "top": 3})
    assert status == 200
    explanation = body["predictions"][0]["explanation"]
    assert explanation["method"].startswith("ensemble") and len(explanation["positive"]) <= 3
    assert [w["text"] for w in explanation["words"]] == ["The", "plot", "was", "great", "a", "wonderful", "film",
                                                         "The", "ending", "was", "awful"]  # fmt: skip
    weights = {w["text"]: w["weight"] for w in explanation["words"]}
    assert weights["great"] > 0 and weights["wonderful"] > 0 and weights["awful"] < 0
    great = explanation["words"][3]
    assert text[great["start"] : great["end"]] == "great"


def chunks(data: bytes, size: int = 65536):
    for start in range(0, len(data), size):
        yield data[start : start + size]


FIVE_MB = json.dumps({"texts": ["x" * (5 * 1024 * 1024)]}).encode()
BAD_REQUESTS = {
    # name: (body, headers, status, words the error must contain)
    "malformed JSON": (b'{"texts": ["great', JSON, 400, "not valid JSON"),
    "texts not a list": (b'{"texts": "great"}', JSON, 422, "texts: Input should be a valid list"),
    "a text not a string": (b'{"texts": [1]}', JSON, 422, "texts.0: Input should be a valid string"),
    "explain not a boolean": (b'{"texts": ["a"], "explain": "yes"}', JSON, 422, "explain: Input should be a valid boolean"),  # noqa: E501
    "missing texts": (b'{"text": ["great"]}', JSON, 422, "texts: Field required"),
    "empty list": (b'{"texts": []}', JSON, 422, "at least 1 item"),
    "10,000 texts": (json.dumps({"texts": ["x"] * 10_000}).encode(), JSON, 422, f"at most {MAX_TEXTS} items"),
    "too many to explain": (
        json.dumps({"texts": ["great"] * (MAX_EXPLAINED_TEXTS + 1), "explain": True}).encode(), JSON, 422,
        f"explain is limited to {MAX_EXPLAINED_TEXTS} texts",
    ),
    "5 MB body": (FIVE_MB, JSON, 413, f"over {MAX_BODY_BYTES} bytes"),
    "5 MB body, chunked": (chunks(FIVE_MB), JSON, 413, f"over {MAX_BODY_BYTES} bytes"),
    "non-UTF-8 bytes": (b'{"texts": ["\xff\xfe bad"]}', JSON, 400, "not UTF-8 JSON"),
    "one million characters": (
        json.dumps({"texts": ["great " * 166_667]}).encode(), JSON, 422, f"at most {MAX_TEXT_CHARS} characters"
    ),
    "not JSON content": (b"{}", {"Content-Type": "text/plain"}, 422, "Content-Type: application/json"),
    "a JSON array": (b'[{"texts": ["great"]}]', JSON, 422, "expected a JSON object"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_a_bad_request_gets_a_4xx_that_says_what_was_expected(served_model: int, case: str) -> None:
    body, headers, expected_status, message = BAD_REQUESTS[case]
    status, answer = request(served_model, "POST", "/predict", body, headers)
    assert status == expected_status, answer
    assert message in answer["error"], answer
    # and the server keeps answering
    assert post_json(served_model, {"texts": ["great"]})[0] == 200


def test_it_listens_on_loopback_only_by_default(served_model: int) -> None:
    """The fixture server was started without --host: its listening socket is 127.0.0.1's."""
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    local = {fields[1] for fields in listening if fields[3] == "0A"}  # 0A: LISTEN
    assert f"0100007F:{served_model:04X}" in local
    assert f"00000000:{served_model:04X}" not in local


def test_docs_and_page(served_model: int) -> None:
    status, page = request(served_model, "GET", "/")
    assert status == 200 and '<textarea id="review"' in page
    assert "<h1>Sentiment — trained on IMDB movie reviews</h1>" in page
    assert request(served_model, "GET", "/docs")[0] == 200
    status, schema = request(served_model, "GET", "/openapi.json")
    assert status == 200 and "/predict" in schema["paths"] and "/health" in schema["paths"]
    assert schema["info"]["title"] == "Sentiment — trained on IMDB movie reviews"


@pytest.mark.parametrize("model", ["missing.zip", "params.yaml"])
def test_a_missing_or_unloadable_model_stops_start_up_with_one_line(trained_repo: Path, model: str) -> None:
    done = cli(trained_repo, "serve", "--model", model, "--port", "1")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and model in lines[0], done.stderr
