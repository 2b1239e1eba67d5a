"""A tokenizer per language, looked up by ``text.tokenizer``: tokens, their spans in the text, and
what a model file carries so that scoring repeats the pipeline's tokenizer."""

from __future__ import annotations

from typing import get_args

import pyarrow as pa
import pytest

from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.pipeline.params import TextParams, TokenizerName, parse_group
from imdb_sentiment.text.preprocessing import Preprocessing
from imdb_sentiment.text.tokenize import TOKENIZERS, CharacterNgrams, tokenize, tokenizer_named
from imdb_sentiment.text.tokenizing import tokenize_part


def test_every_tokenizer_params_name_is_defined_once_here() -> None:
    assert set(get_args(TokenizerName)) == set(TOKENIZERS)
    with pytest.raises(ValueError, match="no tokenizer 'klingon'; expected one of english, korean, char_ngrams"):
        tokenizer_named("klingon")


def test_an_unknown_tokenizer_in_params_is_refused_naming_the_key() -> None:
    with pytest.raises(PipelineError, match=r"text\.tokenizer"):
        parse_group({"text": {"tokenizer": "klingon"}}, "text", TextParams)


def test_english_is_the_tutorials_tokenizer() -> None:
    assert tokenizer_named("english").tokens("I <br />LOVED it... Didn't you?") == tokenize(
        "I <br />LOVED it... Didn't you?"
    )


def test_character_ngrams_are_each_words_1_to_3_grams_with_their_place() -> None:
    grams = CharacterNgrams()
    assert grams.tokens("영화관, 좋다!") == ["영", "영화", "영화관", "화", "화관", "관", "좋", "좋다", "다"]
    text = "Great 영화"
    spans = grams.spans(text)
    assert [span.token for span in spans] == grams.tokens(text)
    assert all(text[span.start : span.end].lower() == span.token for span in spans)  # type: ignore[misc]


@pytest.fixture(scope="module")
def korean():  # type: ignore[no-untyped-def]
    pytest.importorskip("kiwipiepy", reason="the korean extra: uv sync --extra korean (.ci/run installs it)")
    return tokenizer_named("korean")


def test_korean_morphemes_split_particles_and_endings_from_words(korean) -> None:  # type: ignore[no-untyped-def]
    assert korean.tokens("스릴러물의") == ["스릴러", "물", "의"]
    tokens = korean.tokens("연기가 정말 최고였다!! 재미있어요 <br />GOOD")
    assert tokens[:2] == ["연기", "가"] and "최고" in tokens and "재미있" in tokens and tokens[-1] == "good"
    assert "!!" in tokens and "<br" not in "".join(tokens)  # marks carry the tone; markup is no token
    assert korean.tokens('"최고" ㅋㅋㅋㅋㅋ!!!!') == ["최고", "ㅋㅋ", "!!"]  # quotes out, runs cut to two
    assert "다크_나이트" in korean.tokens("다크나이트 최고")  # a name its dictionary knows: one token, no space


def test_korean_spans_point_at_the_characters_typed(korean) -> None:  # type: ignore[no-untyped-def]
    text = "배우들 연기가 지루했다"
    spans = korean.spans(text)
    assert [span.token for span in spans] == korean.tokens(text)
    assert [text[span.start : span.end] for span in spans][:4] == ["배우", "들", "연기", "가"]
    # a contracted ending (했 = 하 + 었) points at the syllable both came from
    assert {text[span.start : span.end] for span in spans if span.token in ("하", "었")} == {"했"}


def test_korean_tokens_do_not_depend_on_the_process(korean) -> None:  # type: ignore[no-untyped-def]
    text = "재미도 없고 감동도 없는 영화. 시간 아깝다"
    assert korean.tokens(text) == korean.tokens(text) == tokenizer_named("korean").tokens(text)


def test_tokenizing_a_part_uses_the_named_tokenizer() -> None:
    batch = pa.RecordBatch.from_pydict({"split": ["train", "test"], "label": [1, 0], "text": ["좋다", "영화"]})
    part = tokenize_part(batch, tokenizer="char_ngrams")
    assert part.column("tokens").to_pylist() == [["좋", "좋다", "다"], ["영", "영화", "화"]]
    assert tokenize_part(batch).column("tokens").to_pylist() == [["좋다"], ["영화"]]  # English by default


def test_a_batch_of_korean_reviews_gets_each_review_s_own_tokens(korean) -> None:  # type: ignore[no-untyped-def]
    texts = ["재미도 없고 감동도 없는 영화.", None, "", "배우들 연기가 최고<br />다시 보고 싶다"] * 50
    assert korean.tokens_many(texts) == [korean.tokens(text or "") for text in texts]


def test_a_model_carries_its_tokenizer_and_an_older_one_reads_as_english() -> None:
    vocab = {"<PAD>": 0, "<BOS>": 1, "<UNK>": 2, "<UNUSED>": 3, "영": 4, "영화": 5}
    carried = Preprocessing(vocab, 10, "pre", "pre", "char_ngrams").as_dict()
    assert carried["tokenizer"] == "char_ngrams"
    restored = Preprocessing.from_dict(carried)
    assert restored.tokenizer_name == "char_ngrams"
    ids, offsets = restored.encode(["영화"])
    assert ids.tolist() == [1, 4, 5, 2] and offsets.tolist() == [0, 4]  # <BOS> 영 영화 화(unknown)
    older = {key: value for key, value in carried.items() if key != "tokenizer"}
    assert Preprocessing.from_dict(older).tokenizer_name == "english"
