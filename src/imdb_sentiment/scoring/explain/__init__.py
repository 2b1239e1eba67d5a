"""Why a review got its score: signed contributions of its words and n-grams to the log-odds.

``explain_texts(classifier, texts)`` works for the default ensemble and a bare Keras model.
Each model is explained by the method that suits it (see ``methods``); an ensemble adds up its
members' contributions, each multiplied by the member's stacker weight.
"""

from imdb_sentiment.scoring.explain.explainer import Explainer, Explanation, explain_texts

__all__ = ["Explainer", "Explanation", "explain_texts"]
