"""The tokenizers, one per kind of text, each defined once and looked up by name (``text.tokenizer``).

- ``english``: words in the spirit of Keras' packaged IMDB data (lowercased, ``<br />`` and
  punctuation dropped, apostrophes kept);
- ``korean``: morphemes (kiwipiepy, offline: its model is the ``kiwipiepy-model`` package, which the
  ``korean`` extra installs). Korean attaches particles and endings to words, so whitespace words
  rarely repeat: 스릴러물의 is 스릴러 + 물 + 의;
- ``char_ngrams``: the character 1- to 3-grams of each word, for any language and no dictionary.

Every tokenizer also gives each token's span in the original text, so explanations can shade the
characters a user typed. A tokenizer is deterministic and reads nothing from the network.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Anything that is neither a word character, whitespace nor an apostrophe is punctuation.
_PUNCTUATION = re.compile(r"[^\w\s']+")
# The same rule for ASCII text as a translation table, built from the pattern itself, so the two
# agree on every character: str.translate takes an eighth of the regex's time, and nine reviews in
# ten are ASCII.
_ASCII_PUNCTUATION = {code: " " for code in range(128) if _PUNCTUATION.match(chr(code))}
# tokenize() keeps maximal runs of word characters and apostrophes (the rest becomes spaces).
_RUN = re.compile(r"[\w']+")


def tokenize(text: str) -> list[str]:
    """The English tokenizer: lowercase, drop ``<br />``, turn punctuation (except apostrophes)
    into spaces, split.

    >>> tokenize("I <br />LOVED it... Didn't you?")
    ['i', 'loved', 'it', "didn't", 'you']
    """
    text = _LINE_BREAK.sub(" ", text.lower())
    spaced = text.translate(_ASCII_PUNCTUATION) if text.isascii() else _PUNCTUATION.sub(" ", text)
    return spaced.split()


@dataclass(frozen=True)
class TokenSpan:
    token: str  # as the tokenizer gives it (lowercased)
    start: int | None  # character offsets in the original text; None where they cannot be told
    end: int | None


class Tokenizer(Protocol):
    def tokens(self, text: str) -> list[str]: ...

    def tokens_many(self, texts: Sequence[str | None]) -> list[list[str]]:
        """``tokens`` of each text (None: no tokens), in order: a batch may use every core."""
        ...

    def spans(self, text: str) -> list[TokenSpan]:
        """One span per token of ``tokens(text)``, in order."""
        ...


def _word_runs(text: str) -> list[tuple[str, int]]:
    """The runs of word characters that ``tokenize`` keeps, with their offsets (``<br />`` blanked)."""
    blanked = _LINE_BREAK.sub(lambda match: " " * len(match.group()), text)
    return [(run.group(), run.start()) for run in _RUN.finditer(blanked)]


def _checked(spans: list[TokenSpan], tokens: list[str]) -> list[TokenSpan]:
    """``spans``, or the tokens without offsets where lowercasing moved what counts as a word
    character (a few exotic letters do)."""
    if [span.token for span in spans] != tokens:
        return [TokenSpan(token, None, None) for token in tokens]
    return spans


def _each(tokens: Callable[[str], list[str]], texts: Sequence[str | None]) -> list[list[str]]:
    return [tokens(text) if text else [] for text in texts]


class EnglishWords:
    def tokens(self, text: str) -> list[str]:
        return tokenize(text)

    def tokens_many(self, texts: Sequence[str | None]) -> list[list[str]]:
        return _each(tokenize, texts)

    def spans(self, text: str) -> list[TokenSpan]:
        spans = [
            TokenSpan(token, start, start + len(run)) for run, start in _word_runs(text) for token in tokenize(run)
        ]
        return _checked(spans, tokenize(text))


CHAR_NGRAM_SIZES = (1, 2, 3)


class CharacterNgrams:
    """Each word (as ``tokenize`` cuts them) as its character n-grams, n = 1, 2, 3, in order of
    position then length: 영화관 -> 영, 영화, 영화관, 화, 화관, 관."""

    def _grams(self, word: str, start: int | None) -> list[TokenSpan]:
        return [
            TokenSpan(word[i : i + n], None if start is None else start + i, None if start is None else start + i + n)
            for i in range(len(word))
            for n in CHAR_NGRAM_SIZES
            if i + n <= len(word)
        ]

    def tokens(self, text: str) -> list[str]:
        return [span.token for word in tokenize(text) for span in self._grams(word, None)]

    def tokens_many(self, texts: Sequence[str | None]) -> list[list[str]]:
        return _each(self.tokens, texts)

    def spans(self, text: str) -> list[TokenSpan]:
        spans = [span for run, start in _word_runs(text) for word in tokenize(run) for span in self._grams(word, start)]
        return _checked(spans, self.tokens(text))


# kiwipiepy's tags of quotes and brackets, left out. Other marks stay: in Korean reviews !!, ..,
# ;; and ^^ carry the tone (on the NSMC recipe, +0.04 points of validation accuracy and fewer
# reviews without a known word: metrics/studies/nsmc_candidates.json, try korean_marks_kept).
KOREAN_DROPPED_TAGS = frozenset({"SS", "SSO", "SSC"})
# A run of three or more of one character counts as two (ㅋㅋㅋㅋ, ㅠㅠㅠ, !!!!, 재밌어요오오): its
# length is emphasis, not another word.
_REPEATS = re.compile(r"(.)\1{2,}")


class KoreanMorphemes:
    """Morphemes by kiwipiepy (its form; Latin letters lowercased, runs of a character cut to two),
    marks and emoticons kept, quotes and brackets left out. A name
    its dictionary knows is one token even across a space (다크 나이트), joined by ``_``: a token
    never holds whitespace."""

    def __init__(self) -> None:
        try:
            from kiwipiepy import Kiwi
        except ImportError as exc:
            raise ImportError("text.tokenizer korean needs kiwipiepy and its model: `uv sync --extra korean`") from exc
        # A thread per core this process may use: a batch (tokens_many) is analysed in parallel,
        # each text on its own, so the tokens do not depend on the number of threads.
        self._kiwi: Any = Kiwi(num_workers=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else -1)

    @staticmethod
    def _blank_line_breaks(text: str) -> str:
        return _LINE_BREAK.sub(lambda match: " " * len(match.group()), text)

    @staticmethod
    def _kept(analysed: Any) -> list[TokenSpan]:
        return [
            TokenSpan(_REPEATS.sub(r"\1\1", "_".join(token.form.lower().split())), token.start, token.start + token.len)
            for token in analysed
            if token.tag not in KOREAN_DROPPED_TAGS and token.form.strip()
        ]

    def _morphemes(self, text: str) -> list[TokenSpan]:
        return self._kept(self._kiwi.tokenize(self._blank_line_breaks(text)))

    def tokens_many(self, texts: Sequence[str | None]) -> list[list[str]]:
        analysed = self._kiwi.tokenize([self._blank_line_breaks(text or "") for text in texts])
        return [[span.token for span in self._kept(tokens)] for tokens in analysed]

    def tokens(self, text: str) -> list[str]:
        return [span.token for span in self._morphemes(text)]

    def spans(self, text: str) -> list[TokenSpan]:
        return self._morphemes(text)


TOKENIZERS: dict[str, Callable[[], Tokenizer]] = {
    "english": EnglishWords,
    "korean": KoreanMorphemes,
    "char_ngrams": CharacterNgrams,
}


@functools.cache
def tokenizer_named(name: str) -> Tokenizer:
    """The tokenizer of ``text.tokenizer``, made once per process (kiwipiepy loads its model)."""
    if name not in TOKENIZERS:
        raise ValueError(f"no tokenizer {name!r}; expected one of {', '.join(TOKENIZERS)}")
    return TOKENIZERS[name]()
