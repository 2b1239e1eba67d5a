"""IMDB movie-review sentiment pipeline: shared, importable logic for the DVC stages."""

from imdb_sentiment.native_logs import hide_tensorflow_noise

# Before any module of the package imports TensorFlow: its C++ start-up lines would bury the
# stage logs. Stage scripts therefore reach Keras and TensorFlow only through this package.
hide_tensorflow_noise()

__version__ = "0.1.0"
