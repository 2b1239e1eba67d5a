"""Keep TensorFlow's C++ start-up noise off stderr and let every other line through.

TensorFlow prints, from C++ and partly before it reads ``TF_CPP_MIN_LOG_LEVEL``, an absl banner
("All log messages before absl::InitializeLog() ..."), the oneDNN notice, CPU-instruction hints
and a harmless "NodeDef mentions attribute use_unbounded_threadpool" error. Native code writes
to file descriptor 2 directly, past Python's logging, so fd 2 is pointed at a pipe that a small
filter process copies to the real stderr, line by line, minus those lines and other C++ INFO
lines (what ``TF_CPP_MIN_LOG_LEVEL=1`` would hide). C++ warnings and errors, Python's logs and
tracebacks pass unchanged. A process rather than a thread, so that the last lines before a crash
still arrive. A user who sets ``TF_CPP_MIN_LOG_LEVEL`` gets TensorFlow's own output untouched.

Run as a script, this file is that filter (stdin to stdout; standard library only, so it starts
with ``python -S``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import subprocess
import sys
from typing import BinaryIO

USER_LEVEL = "TF_CPP_MIN_LOG_LEVEL"

# absl's line prefix: severity letter, MMDD, time, thread id, file:line]
_INFO = rb"^I\d{4} [\d:.]+ +\d+ [\w.\-/]+:\d+\] "
_NOISE = (
    _INFO,
    rb"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    rb"oneDNN custom operations are on",
    rb"^To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags",
    rb"NodeDef mentions attribute use_unbounded_threadpool which is not in the op definition",
)
NOISE = re.compile(b"|".join(b"(?:" + pattern + b")" for pattern in _NOISE))


def is_noise(line: bytes) -> bool:
    """True for a line of TensorFlow start-up chatter; False for anything worth reading."""
    return NOISE.search(line) is not None


def copy_without_noise(source: BinaryIO, sink: BinaryIO) -> None:
    """Copy lines from ``source`` to ``sink`` as they come, leaving out the noise."""
    for line in source:
        if not is_noise(line):
            sink.write(line)
            sink.flush()


_installed = False


def hide_tensorflow_noise() -> None:
    """Route this process's fd 2 through the filter, once, unless the user set the log level."""
    global _installed
    if _installed or USER_LEVEL in os.environ or not sys.executable:
        return
    try:
        os.fstat(2)
    except OSError:  # no stderr at all: nothing to protect
        return
    read_end, write_end = os.pipe()
    real_stderr = os.dup(2)
    try:
        # The child's stdout is the real stderr; -S: the filter needs no site-packages.
        child = subprocess.Popen([sys.executable, "-S", os.path.abspath(__file__)], stdin=read_end, stdout=real_stderr)
    except OSError:
        os.close(read_end)
        os.close(write_end)
        os.close(real_stderr)
        return
    os.close(read_end)
    sys.stderr.flush()
    os.dup2(write_end, 2)
    _installed = True

    def restore() -> None:
        # Give fd 2 back and let the filter drain, so that the last lines come out before the
        # process ends (unless something else, e.g. pytest's capture, has taken fd 2 since).
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        if os.path.sameopenfile(2, write_end):
            os.dup2(real_stderr, 2)
        os.close(write_end)
        # A grandchild that still holds the pipe keeps the filter alive: it drains later.
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=10)

    atexit.register(restore)


if __name__ == "__main__":
    copy_without_noise(sys.stdin.buffer, sys.stdout.buffer)
