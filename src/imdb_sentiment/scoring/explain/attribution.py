"""An additive account of one model's log-odds for one review, and how accounts combine."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from imdb_sentiment.text.vocab import SPECIAL_TOKENS

Term = tuple[str, ...]  # a word, or the words of an n-gram


@dataclass(frozen=True)
class Attribution:
    """log-odds = base + sum(terms.values()) = base + sum(positions).

    ``terms`` gives each word or n-gram its contribution. ``positions`` spreads the same amounts
    over the review's positions (an n-gram's share split evenly over its words and occurrences),
    for shading the text: position 0 is the start-of-review marker, position i + 1 the text's
    token i. ``base`` is the model's bias (for occlusion, what leaving out single words does
    not account for).
    """

    base: float
    terms: dict[Term, float]
    positions: np.ndarray
    method: str


Feature = tuple[float, Term, list[tuple[int, int]]]  # weight, its words, (start position, n) of each occurrence


def spread(features: Iterable[Feature], n_positions: int) -> tuple[dict[Term, float], np.ndarray]:
    """Each feature's weight added to its term, and split evenly over the positions it covers."""
    terms: dict[Term, float] = defaultdict(float)
    positions = np.zeros(n_positions, dtype=np.float64)
    for weight, term, occurrences in features:
        terms[term] += weight
        share = weight / (len(occurrences) * len(term))
        for start, n in occurrences:
            positions[start : start + n] += share
    return dict(terms), positions


def combine(members: Iterable[tuple[float, Attribution]], bias: float, method: str) -> Attribution:
    """Sum of the members' attributions, each times its weight, plus ``bias``."""
    base, positions = bias, None
    terms: defaultdict[tuple[str, ...], float] = defaultdict(float)
    for weight, attribution in members:
        base += weight * attribution.base
        scaled = weight * attribution.positions
        positions = scaled if positions is None else positions + scaled
        for term, value in attribution.terms.items():
            terms[term] += weight * value
    if positions is None:
        raise ValueError("an ensemble needs at least one member")
    return Attribution(base, dict(terms), positions, method)


def names_the_reviews_words(term: Term) -> bool:
    """Whether every word of ``term`` is a word of the review: not a reserved id's name (<BOS>,
    which every review starts with, <PAD>, <UNK> for any word outside the vocabulary, <UNUSED>),
    alone or in an n-gram ("<BOS> great": the n-gram members' review-start feature)."""
    return not any(word in SPECIAL_TOKENS for word in term)


def top_terms(terms: dict[Term, float], k: int, sign: int) -> list[tuple[str, float]]:
    """The ``k`` terms pushing hardest towards positive (sign 1) or negative (sign -1), among those
    that name the review's own words. A term with a reserved id is left out of the list only: its
    weight stays in the log-odds and in its words' shading."""
    candidates = (item for item in terms.items() if item[1] * sign > 0 and names_the_reviews_words(item[0]))
    return [(" ".join(term), float(value)) for term, value in sorted(candidates, key=lambda item: -abs(item[1]))[:k]]


def term_text(ids: Sequence[int] | np.ndarray, words: Sequence[str]) -> Term:
    return tuple(words[int(i)] for i in ids)
