import pytest
from vocab_reference import build_vocab, decode, decode_many, encode_many, inverse

from imdb_sentiment.text.tokenize import _PUNCTUATION, tokenize
from imdb_sentiment.text.vocab import BOS_ID, SPECIAL_TOKENS, UNK_ID, encode, words_by_index


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("I <br />LOVED it... Didn't you?", ["i", "loved", "it", "didn't", "you"]),
        ("Great!<br /><br />Truly great.", ["great", "truly", "great"]),
        ("  spaces\tand\nnewlines  ", ["spaces", "and", "newlines"]),
        ("well-made, 10/10", ["well", "made", "10", "10"]),
        ("Café crème", ["café", "crème"]),
        ("", []),
        ("...!?", []),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_ascii_text_is_split_as_the_punctuation_rule_splits_any_text() -> None:
    """ASCII text takes a translation table; other text the regex. Every ASCII character, between
    letters and beside a non-ASCII one (which sends the text down the regex), splits the same."""
    for code in range(128):
        ascii_text = f"Ab{chr(code)}cd x'y"
        assert (
            tokenize(ascii_text)
            == tokenize(ascii_text + " é")[:-1]
            == _PUNCTUATION.sub(" ", ascii_text.lower()).split()
        )


def test_build_vocab_ranks_by_frequency_then_alphabetically() -> None:
    vocab = build_vocab([["b", "a", "c", "c"], ["b", "c", "d"]], num_words=7)
    assert [vocab[t] for t in SPECIAL_TOKENS] == [0, 1, 2, 3]
    # c: 3, then a tie b: 2 ... no: b: 2, then a/d tie at 1 -> alphabetical
    assert vocab["c"] == 4 and vocab["b"] == 5 and vocab["a"] == 6
    assert "d" not in vocab  # only num_words - 4 words fit
    assert len(vocab) == 7


def test_build_vocab_rejects_tiny_num_words() -> None:
    with pytest.raises(ValueError, match="num_words"):
        build_vocab([["a"]], num_words=4)


def test_encode_starts_with_bos_and_maps_unknown_words() -> None:
    vocab = build_vocab([["good", "good", "film"]], num_words=6)
    assert encode(["good", "film", "unseen"], vocab) == [BOS_ID, 4, 5, UNK_ID]
    assert encode([], vocab) == [BOS_ID]


def test_encode_decode_round_trip() -> None:
    reviews = ["This film was great, great fun.", "A boring film <br /> boring!"]
    token_lists = [tokenize(r) for r in reviews]
    vocab = build_vocab(token_lists, num_words=100)
    encoded = encode_many(token_lists, vocab)
    assert decode_many(encoded, inverse(vocab)) == [" ".join(t) for t in token_lists]


def test_decode_marks_words_outside_the_vocabulary() -> None:
    vocab = build_vocab([["good", "good", "film"]], num_words=5)
    assert decode(encode(["good", "film"], vocab), inverse(vocab)) == "good <UNK>"


def test_words_by_index_inverts_the_vocabulary() -> None:
    vocab = build_vocab([["x", "y", "x"]], num_words=10)
    words = words_by_index(vocab)
    assert words[:4] == list(SPECIAL_TOKENS)
    assert all(vocab[w] == i for i, w in enumerate(words))


def test_a_part_numbers_its_words_as_first_seen_train_then_test() -> None:
    import pyarrow as pa

    from imdb_sentiment.text.encoding import encode_part

    batch = pa.record_batch(
        {
            "split": ["test", "train", "unlabeled", "train"],
            "label": [1, 1, None, 0],
            "tokens": [["d", "a"], ["a", "b", "a"], ["x"], ["b", "c"]],
        }
    )
    part = encode_part(batch)
    assert part.words == ["a", "b", "c", "d"] and part.train_counts.tolist() == [2, 2, 1, 0]
    flat, lengths, labels = part.splits["train"]
    assert flat.tolist() == [0, 1, 0, 1, 2] and lengths.tolist() == [3, 2] and labels.tolist() == [1, 0]
    flat, lengths, labels = part.splits["test"]
    assert flat.tolist() == [3, 0] and lengths.tolist() == [2] and labels.tolist() == [1]
