"""The simulated clock: real time times a scale, plus explicit advances made by tests."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class SimClock:
    """Simulated time.

    `now()` = start + (real seconds elapsed x time_scale) + the sum of `advance()` calls.
    With time_scale 0 the clock only moves when a test advances it, so every delay in the
    simulated cluster (pod start-up, progress deadlines) is reached without sleeping.
    """

    def __init__(self, time_scale: float = 1.0, start: datetime | None = None) -> None:
        self.time_scale = float(time_scale)
        self._start = start or datetime.now(UTC).replace(microsecond=0)
        self._real0 = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()
        self.changed = threading.Condition()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.seconds())

    def seconds(self) -> float:
        """Simulated seconds since the clock started."""
        with self._lock:
            return (time.monotonic() - self._real0) * self.time_scale + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds
        with self.changed:
            self.changed.notify_all()

    def real_seconds_until(self, sim_seconds: float) -> float | None:
        """Real seconds until the clock reads `sim_seconds`, None if it never will by itself."""
        remaining = sim_seconds - self.seconds()
        if remaining <= 0:
            return 0.0
        if self.time_scale <= 0:
            return None
        return remaining / self.time_scale


def rfc3339(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> datetime:
    return datetime.strptime(text.replace("Z", "+0000")[:19] + "+0000", "%Y-%m-%dT%H:%M:%S%z")
