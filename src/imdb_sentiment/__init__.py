"""IMDB movie-review sentiment pipeline: shared, importable logic for the DVC stages.

Importing it does one thing to the process: it pins the CPU kernels of numpy, OpenBLAS and
TensorFlow (``cpu_kernels``), which must happen before they load, so that results are the same
bytes on every x86-64 machine. The entry points (stage scripts through ``stage.run_stage``,
the command line, the server) install the TensorFlow log filter (``native_logs``) themselves.
"""

from imdb_sentiment.pipeline.cpu_kernels import pin_cpu_kernels

__version__ = "0.1.0"

pin_cpu_kernels()
