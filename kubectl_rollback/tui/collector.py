"""When Python's garbage collector runs while the terminal UI is up: never in a key's way.

The automatic full collection goes through every object the app made since start-up (its
histories, previews, caches): 10-20 ms, at whatever moment the young collections happen to
trip it, which is mostly while a frame is being drawn for a key. While the UI runs, full
collections are instead made once the user has left the keys and the mouse alone for
``IDLE`` seconds, and at least every ``LONGEST`` seconds while input never stops (so that
garbage in reference cycles is still freed). Young collections stay automatic: they take
a millisecond or two.

Standard library only: run_app makes one before Textual is imported.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

IDLE = 1.0
"""Seconds without input after which a full collection is made (once per such pause)."""
LONGEST = 60.0
"""Seconds at most between two full collections, input or not."""
CHECK_EVERY = 0.5
"""How often the app asks ``idle`` (seconds)."""
NEVER = 1 << 30
"""A full-collection threshold that the young collections never reach."""


class Collector:
    """The collector's policy for one run of the app: off during start-up (``run_app``), on
    once the first frame is drawn (``drawn``), its full collections when idle."""

    def __init__(
        self,
        *,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[int], object] = gc.collect,
    ) -> None:
        self.enabled = enabled
        """The collector was on before the app started (it is left off if it was not)."""
        self._clock = clock
        self._collect = collect
        self._threshold: tuple[int, int, int] | None = None
        self._input_at = clock()
        self._collected_at = clock()
        self._pending = False
        """Input came since the last full collection."""

    @property
    def running(self) -> bool:
        """Full collections are ours to make (between ``drawn`` and ``stop``)."""
        return self._threshold is not None

    def drawn(self) -> None:
        """The first frame is on the terminal: the collector on, full collections ours."""
        if not self.enabled or self.running:
            return
        self._threshold = gc.get_threshold()
        young, middle, _ = self._threshold
        gc.set_threshold(young, middle, NEVER)
        gc.enable()
        self._collected_at = self._clock()

    def input(self) -> None:
        """A key or the mouse: the user is at the keyboard."""
        self._input_at = self._clock()
        self._pending = True

    def idle(self) -> bool:
        """Make the full collection due now, if one is (True when one was made)."""
        if not self.running:
            return False
        now = self._clock()
        paused = self._pending and now - self._input_at >= IDLE
        if not paused and now - self._collected_at < LONGEST:
            return False
        self._collect(2)
        self._pending = False
        self._collected_at = self._clock()
        return True

    def stop(self) -> None:
        """The app has ended: the thresholds as they were."""
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)
            self._threshold = None
