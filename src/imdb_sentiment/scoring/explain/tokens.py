"""Where each token of ``imdb_sentiment.text.tokenize.tokenize`` sits in the original text, for shading."""

from __future__ import annotations

import re
from dataclasses import dataclass

from imdb_sentiment.text.tokenize import _LINE_BREAK, tokenize

# tokenize() keeps maximal runs of word characters and apostrophes (the rest becomes spaces).
_RUN = re.compile(r"[\w']+")


@dataclass(frozen=True)
class TokenSpan:
    token: str  # as tokenize() gives it (lowercased)
    start: int | None  # character offsets in the original text; None where they cannot be told
    end: int | None


def token_spans(text: str) -> list[TokenSpan]:
    """One span per token of ``tokenize(text)``, in order.

    Offsets come from the runs of word characters in the text with ``<br />`` blanked out. If
    lowercasing changed what counts as a word character (a few exotic letters do), the tokens
    are still returned, without offsets.
    """
    tokens = tokenize(text)
    blanked = _LINE_BREAK.sub(lambda match: " " * len(match.group()), text)
    spans = [
        TokenSpan(token, run.start(), run.end()) for run in _RUN.finditer(blanked) for token in tokenize(run.group())
    ]
    if [span.token for span in spans] != tokens:
        return [TokenSpan(token, None, None) for token in tokens]
    return spans
