"""Tokenizer in the spirit of Keras' packaged IMDB data."""

from __future__ import annotations

import re

_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Anything that is neither a word character, whitespace nor an apostrophe is punctuation.
_PUNCTUATION = re.compile(r"[^\w\s']+")


def tokenize(text: str) -> list[str]:
    """Lowercase, drop ``<br />``, turn punctuation (except apostrophes) into spaces, split.

    >>> tokenize("I <br />LOVED it... Didn't you?")
    ['i', 'loved', 'it', "didn't", 'you']
    """
    text = _LINE_BREAK.sub(" ", text.lower())
    return _PUNCTUATION.sub(" ", text).split()
