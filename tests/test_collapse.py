"""The collapse check: one answer for nearly every review, or a loss at ln 2, is flagged."""

import math

import numpy as np

from imdb_sentiment.members.keras.collapse import collapse_signs


def test_a_sound_model_is_not_flagged() -> None:
    p = np.r_[np.full(500, 0.9), np.full(500, 0.1)]
    assert collapse_signs(p, 0.25) == []


def test_one_label_for_99_percent_is_flagged() -> None:
    p = np.r_[np.full(991, 0.7), np.full(9, 0.2)]
    (sign,) = collapse_signs(p, 0.5)
    assert "99.1% of validation reviews get the label positive" in sign
    assert collapse_signs(np.r_[np.full(980, 0.7), np.full(20, 0.2)], 0.5) == []  # 98%: not yet


def test_a_loss_at_ln_2_is_flagged_even_with_mixed_labels() -> None:
    p = np.r_[np.full(500, 0.5001), np.full(500, 0.4999)]
    (sign,) = collapse_signs(p, math.log(2) + 0.0005)
    assert "within 0.001 of ln 2" in sign
    assert collapse_signs(p, math.log(2) - 0.002) == []


def test_a_diverged_model_is_flagged() -> None:
    signs = collapse_signs(np.full(100, np.nan), float("nan"))
    assert len(signs) == 2 and "val_loss is nan" in signs[1]
