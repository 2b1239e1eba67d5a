"""The vocabulary's reference definitions, which the product computes in one streaming pass
(imdb_sentiment.text.vocab.StreamingEncoder): the tests hold the product to them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from imdb_sentiment.text.vocab import BOS_ID, INDEX_OFFSET, PAD_ID, SPECIAL_TOKENS, UNK, encode


def build_vocab(token_lists: Iterable[Sequence[str]], num_words: int) -> dict[str, int]:
    """Map the ``num_words - 4`` most frequent words to 4, 5, ... after the special tokens.

    Ties in frequency are broken alphabetically, so the vocabulary does not depend on the
    order in which reviews are read.
    """
    if num_words <= INDEX_OFFSET:
        raise ValueError(f"vocab.num_words must be greater than {INDEX_OFFSET}, got {num_words}")
    counts: Counter[str] = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    for token in SPECIAL_TOKENS:  # a review could literally contain "<unk>"-like text
        counts.pop(token, None)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    vocab = {token: index for index, token in enumerate(SPECIAL_TOKENS)}
    for rank, (word, _) in enumerate(ranked[: num_words - INDEX_OFFSET]):
        vocab[word] = rank + INDEX_OFFSET
    return vocab


def encode_many(token_lists: Iterable[Sequence[str]], vocab: Mapping[str, int]) -> list[list[int]]:
    return [encode(tokens, vocab) for tokens in token_lists]


def inverse(vocab: Mapping[str, int]) -> dict[int, str]:
    return {index: word for word, index in vocab.items()}


def decode(ids: Iterable[int], index_to_word: Mapping[int, str]) -> str:
    """Text of one encoded review, special tokens included except <PAD> and <BOS>.

    ``index_to_word`` is ``inverse(vocab)``: build it once when decoding many reviews.
    """
    words = (index_to_word.get(int(i), UNK) for i in ids if int(i) not in (PAD_ID, BOS_ID))
    return " ".join(words)


def decode_many(sequences: Iterable[Iterable[int]], index_to_word: Mapping[int, str]) -> list[str]:
    return [decode(ids, index_to_word) for ids in sequences]
