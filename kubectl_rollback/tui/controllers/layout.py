"""How the main screen uses the terminal it is in (Textual-free).

- Wide (``NARROW_BELOW`` columns or more): the workloads on the left, the revisions and the
  preview (or the rollout) on the right. The left pane grows with the terminal and with
  the longest workload name, so that names are cut only when they must be.
- Narrow (an 80-column terminal): one pane at a time, full width. Enter on a workload
  opens its revisions and preview; esc goes back to the workloads.
- Short (fewer than ``SHORT_BELOW`` rows): dialogs drop their spacing.

The workload names that must be cut are cut in the middle, and two names never look the
same on screen (``distinct_names``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ...core.values import value

NARROW_BELOW = 100
"""Below this many columns the main screen shows one pane at a time."""
SHORT_BELOW = 30
"""Below this many rows the dialogs drop their blank lines."""
ELLIPSIS = "…"

OTHER_COLUMNS = 1 + 6 + 4 + 12 + 2 * 5
"""The workload list's columns but NAME: status, KIND, REV, IMAGES (at least), their padding."""
NAME_MIN, NAME_MAX = 16, 64
LEFT_MIN = 52
"""The wide layout's left pane is never narrower (its columns, borders, NAME_MIN)."""
RIGHT_MIN = 96
"""Columns the revisions and the preview keep in the wide layout before the left pane grows."""


@value
class Layout:
    narrow: bool
    short: bool
    left_width: int
    """Columns of the workloads pane (the whole width when narrow)."""
    name_width: int
    """Columns of the NAME column."""


def layout(width: int, height: int, longest_name: int) -> Layout:
    """The layout for a terminal of ``width`` x ``height`` and names up to ``longest_name``."""
    narrow = width < NARROW_BELOW
    short = height < SHORT_BELOW
    wanted_name = max(NAME_MIN, min(NAME_MAX, longest_name))
    if narrow:
        left = width
    else:
        # What the right side can spare above RIGHT_MIN, and never more than 45% of the width.
        room = max(LEFT_MIN, min(width - RIGHT_MIN, int(width * 0.45)))
        left = max(LEFT_MIN, min(room, wanted_name + OTHER_COLUMNS + 2 + 6))
    inside = left - 2  # the pane's border
    name = max(NAME_MIN, min(wanted_name, inside - OTHER_COLUMNS - 2))
    return Layout(narrow, short, left, name)


def middle(name: str, width: int, *, tail: int | None = None) -> str:
    """``name`` in ``width`` cells, cut in the middle (the end of a name tells workloads
    apart more often than its start): ``payments-rec…worker-eu-west-1``."""
    if len(name) <= width:
        return name
    if width <= 1:
        return ELLIPSIS[:width]
    keep = width - 1
    back = tail if tail is not None else (keep + 1) // 2
    back = max(1, min(back, keep - 1)) if keep > 1 else keep
    front = keep - back
    return name[:front] + ELLIPSIS + name[len(name) - back :]


def distinct_names(names: Iterable[str], width: int) -> dict[str, str]:
    """What each name shows in ``width`` cells: cut in the middle, and where two cut names
    would look the same, cut so that the part where they differ shows."""
    shown = {name: middle(name, width) for name in set(names)}
    for _ in range(3):  # each pass resolves a collision; bounded
        groups: dict[str, list[str]] = defaultdict(list)
        for name, text in shown.items():
            groups[text].append(name)
        clashes = [group for group in groups.values() if len(group) > 1]
        if not clashes:
            break
        for group in clashes:
            for name in group:
                shown[name] = _around_difference(name, [n for n in group if n != name], width)
    return shown


def _around_difference(name: str, others: list[str], width: int) -> str:
    """``name`` cut so that the first character where it differs from ``others`` shows."""
    first = max(_common_prefix(name, other) for other in others)
    keep = width - 1
    if len(name) - first + 1 <= keep - 1:
        # Keep the end, from just before the difference.
        return middle(name, width, tail=len(name) - first + 1)
    if first + 2 <= keep - 1:
        # Keep the start, up to just after the difference.
        return middle(name, width, tail=keep - first - 2)
    # The difference is deep inside a long name: a little of the start, then from it on.
    front = max(1, keep // 4)
    rest = keep - front
    window = name[first - 1 : first - 1 + rest]
    if first - 1 + rest < len(name):
        window = window[: rest - 1] + ELLIPSIS
    return name[:front] + ELLIPSIS + window


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


@value(frozen=False)
class Panes:
    """Which pane a narrow layout shows: the workloads, or one workload's detail."""

    detail: bool = False

    def open_detail(self) -> bool:
        """Show the detail pane; True when that changed what is shown."""
        changed = not self.detail
        self.detail = True
        return changed

    def back(self, narrow: bool) -> bool:
        """esc on the detail pane of a narrow layout goes back to the workloads (True:
        done, nothing else to do for esc)."""
        if narrow and self.detail:
            self.detail = False
            return True
        return False
