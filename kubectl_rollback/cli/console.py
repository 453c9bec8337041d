"""Talking to the person at the terminal: lines (control characters escaped), y/N questions."""

from __future__ import annotations

import sys
from typing import Any

from ..core.terminal import terminal_lines, terminal_safe
from ..interrupts import Stopped
from .args import fail


class _Silent:
    """A stream that keeps nothing: progress lines of a -q/--quiet run."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


SILENT: Any = _Silent()


def confirm(question: str, doing: str, verb: str) -> None:
    """Ask y/N on a terminal; refuse (changing nothing) when there is none."""
    if not interactive():
        fail(
            f"refusing to {doing} without confirmation: not running in a terminal; "
            f"pass --yes to {verb} (or --dry-run to only see the plan)",
            2,
        )
    try:
        answer = input(f"{terminal_safe(question)} [y/N] ")
    except EOFError:  # Ctrl-D: no answer is a no
        print(file=sys.stderr)
        answer = ""
    except Stopped as stop:
        raise stop.saying("nothing was changed") from None
    if answer.strip().lower() not in ("y", "yes"):
        fail("rollback cancelled; nothing was changed", 1)


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def print_lines(lines: list[str]) -> None:
    sys.stdout.write("\n".join(terminal_safe(line) for line in lines) + "\n")


def say(text: str, file: Any) -> None:
    """A message line for a person (progress, results): control characters escaped."""
    print(terminal_lines(text), file=file, flush=True)
