"""Ctrl-C for samplers whose reads run in C++: a flag the annealer polls between reads.

dwave-samplers' annealers take an ``interrupt_function`` and call it
between two reads. Both hqml's own simulated annealing and the mock QPU's
substitute anneal pass this one, so Ctrl-C ends either within about a read.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["StopOnInterrupt", "interruptible"]


class StopOnInterrupt:
    """dwave-samplers' ``interrupt_function``: True once Ctrl-C was pressed (or ``user`` says so).

    The annealer runs its reads in C++ and calls this between two of them;
    a KeyboardInterrupt raised inside the callback is printed and ignored
    there, so a fit went on for the whole call (32 s and more). While the
    call runs, SIGINT only sets a flag; the annealer then stops after the
    read in progress, and :func:`interruptible` raises KeyboardInterrupt.
    """

    def __init__(self, user: Callable[[], bool] | None = None) -> None:
        self.user = user
        self.interrupted = False

    def __call__(self) -> bool:
        return self.interrupted or bool(self.user and self.user())

    def on_signal(self, signum, frame) -> None:
        self.interrupted = True


@contextmanager
def interruptible(user: Callable[[], bool] | None = None) -> Iterator[StopOnInterrupt]:
    """Yield a stop function; Ctrl-C during the block ends it after the current read."""
    stop = StopOnInterrupt(user)
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield stop  # signals reach the main thread only; a user's own handler stays in charge
        return
    previous = signal.signal(signal.SIGINT, stop.on_signal)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
    if stop.interrupted:
        raise KeyboardInterrupt
