"""IMDB movie-review sentiment pipeline: shared, importable logic for the DVC stages.

Importing it changes nothing in the process: the entry points (stage scripts through
``stage.run_stage``, the command line, the server) install the TensorFlow log filter
(``native_logs``) themselves.
"""

__version__ = "0.1.0"
