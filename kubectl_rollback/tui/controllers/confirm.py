"""How a confirmation dialog reads what the user types (Textual-free).

The dialog's input has the focus from the start, as its instruction says: ``y`` alone
confirms at once, ``n`` alone cancels at once (unless the name to type starts with that
letter: then it waits for Enter), the name and Enter confirm, Enter on an empty input is
No. Anything else and Enter asks again.
"""

from __future__ import annotations

from enum import Enum


class Answer(Enum):
    YES = "yes"
    NO = "no"
    AGAIN = "again"
    """Not the name: clear the input and say what to type."""


def on_change(typed: str, name: str) -> Answer | None:
    """The answer a keystroke gives by itself (None: keep typing)."""
    if typed == "y" and not name.startswith("y"):
        return Answer.YES
    if typed == "n" and not name.startswith("n"):
        return Answer.NO
    return None


def on_submit(typed: str, name: str) -> Answer:
    """The answer of Enter with ``typed`` in the input."""
    text = typed.strip()
    if text in ("y", name):
        return Answer.YES
    if text in ("", "n"):
        return Answer.NO
    return Answer.AGAIN


def body_rows(screen_rows: int, around_body: int, wanted: int = 26) -> int:
    """Rows the scrollable plan of a dialog gets: what the screen leaves once the dialog's
    title, instruction, input and buttons (``around_body`` rows) are placed, at most
    ``wanted``, at least 2."""
    return max(2, min(wanted, screen_rows - around_body))
