"""What the app tells its screens: how to connect, the clock, the mode, where to report milestones.

The screens take this instead of importing the app (which imports them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from ..core.values import value
from .cluster import Connector


@value
class Settings:
    connector: Connector
    read_only: bool
    live: bool
    """False turns the watches off (the manual refresh key still works)."""
    now_fn: Callable[[], datetime]
    display_tz: tzinfo
    milestone: Callable[[str], None]
    """Called with ``frame`` once the first frame is on the terminal, ``workloads`` and
    ``history:<name>`` when they are first shown (bench timings)."""
