"""IMDB movie-review sentiment pipeline: shared, importable logic for the DVC stages."""

import os

# TensorFlow's C++ start-up chatter hides the stage logs; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
