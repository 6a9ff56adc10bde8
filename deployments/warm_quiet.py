"""Preloaded first in a worker's forkserver (``warm.install(discard_output=True)``): the forkserver's
standard output and error become /dev/null, so the runs it forks write nothing to the worker's
journal (run names and the engine's console lines stay out of it, as with ``stream_output`` off)."""

import os

_null = os.open(os.devnull, os.O_WRONLY)
os.dup2(_null, 1)
os.dup2(_null, 2)
os.close(_null)
