"""SIGINT and SIGTERM on the command line: an exception the front ends word, and sections they
must not cut.

`run()` makes both signals raise `Stopped` in the main thread (Click would turn a
KeyboardInterrupt into a silent exit 0). A command that is following a rollout catches it
and says what it applied (exit 130 for SIGINT, 143 for SIGTERM). `deferred()` holds signals
back while a change that must not be left half-done is written (a blue/green switch), so the
command finishes it first and then reports where each Service routes.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(BaseException):  # noqa: N818 - it is a signal, not an error
    """A signal asked the command to stop; `message` says what was left how."""

    def __init__(self, signum: int, message: str = "") -> None:
        super().__init__(message or ("interrupted" if signum == signal.SIGINT else "terminated"))
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def word(self) -> str:
        return "interrupted" if self.signum == signal.SIGINT else "terminated"

    def saying(self, message: str) -> Stopped:
        """The same signal, with what the command did about it."""
        return Stopped(self.signum, f"{self.word}: {message}")


GRACE_ENV = "KUBECTL_ROLLBACK_STOP_GRACE"
"""Seconds a signalled command has to stop cleanly before it is ended (default 15)."""

_armed: list[threading.Timer] = []


def _force_exit(signum: int) -> None:
    word = "interrupted" if signum == signal.SIGINT else "terminated"
    sys.stderr.write(
        f"error: {word}: the command did not stop cleanly within {_grace():g}s of the signal; "
        "whatever it applied stays applied in the cluster (look with kubectl rollout status)\n"
    )
    sys.stderr.flush()
    os._exit(128 + signum)


def _grace() -> float:
    try:
        return max(0.1, float(os.environ.get(GRACE_ENV, "15")))
    except ValueError:
        return 15.0


def _raise(signum: int, _frame: Any) -> None:
    # A safety net, armed once: if the Stopped raised here is ever lost (an exception raised
    # where Python can only print it as "ignored"), the process still ends, bounded.
    if not _armed:
        timer = threading.Timer(_grace(), _force_exit, args=(signum,))
        timer.daemon = True
        _armed.append(timer)
        timer.start()
    raise Stopped(signum)


@contextmanager
def raising() -> Iterator[None]:
    """SIGINT and SIGTERM raise `Stopped` inside the block (main thread only; else unchanged)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def deferred() -> Iterator[list[int]]:
    """Signals that arrive inside the block are held (their numbers collected in the list it
    gives)."""
    got: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield got
        return
    previous = {s: signal.signal(s, lambda signum, _frame: got.append(signum)) for s in _SIGNALS}
    try:
        yield got
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
