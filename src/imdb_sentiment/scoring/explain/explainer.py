"""Explain a classifier's scores: top positive and negative terms, and a weight per word."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from imdb_sentiment.scoring.classifier import Classifier
from imdb_sentiment.scoring.explain.attribution import Attribution, combine, top_terms
from imdb_sentiment.scoring.explain.methods import member_explainer
from imdb_sentiment.text.vocab import encode, words_by_index


@dataclass(frozen=True)
class WordWeight:
    """One token of the review, where it is in the text, and its share of the log-odds."""

    text: str
    start: int | None
    end: int | None
    weight: float


@dataclass(frozen=True)
class Explanation:
    probability: float
    method: str
    base: float  # log-odds before any word: the bias and the start-of-review marker
    positive: list[tuple[str, float]]  # (word or n-gram, contribution to the log-odds), strongest first
    negative: list[tuple[str, float]]
    words: list[WordWeight]

    def as_dict(self, digits: int = 4) -> dict[str, Any]:
        def terms(items: list[tuple[str, float]]) -> list[dict[str, Any]]:
            return [{"term": term, "weight": round(weight, digits)} for term, weight in items]

        return {
            "probability": round(self.probability, 6),
            "method": self.method,
            "base": round(self.base, digits),
            "positive": terms(self.positive),
            "negative": terms(self.negative),
            "words": [{**asdict(word), "weight": round(word.weight, digits)} for word in self.words],
        }


class Explainer:
    """Built once per classifier (it copies the weights it needs), then used for any text."""

    def __init__(self, classifier: Classifier) -> None:
        self.classifier = classifier
        self.preprocessing = classifier.preprocessing
        self.words = words_by_index(self.preprocessing.vocab)
        self.members = {name: member_explainer(member) for name, member in classifier.members.items()}
        self.stacker = classifier.stacker

    @property
    def method(self) -> str:
        if self.stacker is None:  # a lone model: its own method
            (only,) = self.members.values()
            return only.method
        parts = "; ".join(f"{name}: {explainer.method}" for name, explainer in self.members.items())
        return f"ensemble: each member's contributions x its stacker weight ({parts})"

    def attribute(self, text: str) -> Attribution:
        return self._attribute_tokens(self.preprocessing.tokenizer().tokens(text))

    def _attribute_tokens(self, tokens: list[str]) -> Attribution:
        ids = np.asarray(encode(tokens, self.preprocessing.vocab), dtype=np.int32)
        parts = {
            name: explainer.attribute(ids, self.preprocessing, self.words) for name, explainer in self.members.items()
        }
        if self.stacker is None:
            (only,) = parts.values()
            return only
        weighted = [
            (weight, parts[name]) for name, weight in zip(self.stacker.members, self.stacker.weights, strict=True)
        ]
        return combine(weighted, self.stacker.bias, self.method)

    def explain(self, texts: Sequence[str], top_k: int = 10) -> list[Explanation]:
        probabilities = self.classifier.predict(list(texts)) if texts else np.zeros(0)
        out = []
        for text, probability in zip(texts, probabilities, strict=True):
            spans = self.preprocessing.tokenizer().spans(text)  # tokenized once: the spans hold the tokens
            attribution = self._attribute_tokens([span.token for span in spans])
            out.append(
                Explanation(
                    probability=float(probability),
                    method=attribution.method,
                    base=attribution.base + float(attribution.positions[0]),
                    positive=top_terms(attribution.terms, top_k, 1),
                    negative=top_terms(attribution.terms, top_k, -1),
                    words=[
                        WordWeight(text[s.start : s.end] if s.start is not None else s.token, s.start, s.end, float(w))
                        for s, w in zip(spans, attribution.positions[1:], strict=True)
                    ],
                )
            )
        return out


def explain_texts(classifier: Classifier, texts: Sequence[str], top_k: int = 10) -> list[Explanation]:
    """Explanations of ``classifier``'s scores for ``texts`` (build an ``Explainer`` to reuse)."""
    return Explainer(classifier).explain(texts, top_k)
