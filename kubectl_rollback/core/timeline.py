"""When each revision was live: the revision history as periods on a time axis (pure).

A revision number is live from the moment its revision was rolled out until the next
number's. The API keeps only part of that: each revision object's creation time (the start
of its *first* number) and, for a Deployment, the numbers a renumbered ReplicaSet held
before (``deployment.kubernetes.io/revision-history``). A revision rolled back to keeps its
old creation time, so the start of its later number is not known, only bounded: after the
previous number started, before the next one did. Numbers whose revision is gone (beyond
``revisionHistoryLimit``) are periods of no revision, bounding their neighbours the same
way. Nothing is invented: each period says where it is certain and where it only may be.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .model import Revision
from .values import value


@value
class Period:
    """Revision ``number`` was live from a start in [start_lo, start_hi] to an end in
    [end_lo, end_hi] (equal bounds: known)."""

    number: int
    revision: Revision | None
    """None: a number whose revision object is gone."""
    start_lo: datetime
    start_hi: datetime
    end_lo: datetime
    end_hi: datetime

    def live_at(self, moment: datetime) -> bool:
        """Certainly live at ``moment``."""
        return self.start_hi <= moment < self.end_lo

    def maybe_at(self, moment: datetime) -> bool:
        """Perhaps live at ``moment`` (between the bounds of its start or of its end)."""
        return self.start_lo <= moment < self.start_hi or self.end_lo <= moment < self.end_hi


@value
class Timeline:
    start: datetime
    end: datetime
    periods: tuple[Period, ...]

    def of(self, revision: Revision) -> tuple[Period, ...]:
        return tuple(
            p
            for p in self.periods
            if p.revision is not None and p.revision.object_name == revision.object_name
        )


def timeline(revisions: Sequence[Revision], now: datetime) -> Timeline:
    """The periods of every revision number from the oldest kept to the current one."""
    holder: dict[int, Revision] = {}
    starts: dict[int, datetime] = {}
    for revision in revisions:
        held = (*revision.former_numbers, revision.number)
        for number in held:
            holder[number] = revision
        if revision.created is not None:
            starts[min(held)] = revision.created
    if not holder:
        return Timeline(now, now, ())
    first, last = min(holder), max(holder)
    numbers = list(range(first, last + 1))
    # A creation time earlier than a lower number's start is a renumbered revision's (a
    # ControllerRevision keeps no former numbers): not the start of this number.
    latest: datetime | None = None
    for number in numbers:
        start = starts.get(number)
        if start is None:
            continue
        if latest is not None and start < latest:
            del starts[number]
            continue
        latest = start
    earliest = min([*starts.values(), now])
    lower: dict[int, datetime] = {}
    bound = earliest
    for number in numbers:
        bound = starts.get(number, bound)
        lower[number] = bound
    upper: dict[int, datetime] = {}
    bound = now
    for number in reversed(numbers):
        bound = starts.get(number, bound)
        upper[number] = bound
    lower[last + 1] = upper[last + 1] = now
    periods = tuple(
        Period(
            number,
            holder.get(number),
            lower[number],
            min(upper[number], now),
            lower[number + 1],
            min(upper[number + 1], now),
        )
        for number in numbers
    )
    return Timeline(lower[first], now, periods)
