"""A real terminal for end-to-end tests: a private tmux server that runs one command."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Terminal:
    """One tmux session: send keys, read the screen."""

    def __init__(self, name: str) -> None:
        self.name = name

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "-L", self.name, "send-keys", "-t", self.name, *keys], check=True)

    def screen(self) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.name, "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
        )
        return out.stdout

    def everything(self) -> str:
        """The pane with its scrollback (what the terminal holds, not only what is on screen)."""
        out = subprocess.run(
            ["tmux", "-L", self.name, "capture-pane", "-p", "-J", "-S", "-", "-t", self.name],
            capture_output=True,
            text=True,
        )
        return out.stdout

    def pane(self, variable: str) -> str:
        """A tmux pane variable, e.g. ``pane_dead_status`` or ``alternate_on``."""
        out = subprocess.run(
            ["tmux", "-L", self.name, "display-message", "-p", "-t", self.name, f"#{{{variable}}}"],
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    def alive(self) -> bool:
        return (
            subprocess.run(
                ["tmux", "-L", self.name, "has-session", "-t", self.name], capture_output=True
            ).returncode
            == 0
        )

    def wait(self, predicate: Callable[[str], bool], what: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{self.screen()}")

    def wait_gone(self, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        return not self.alive()


@contextmanager
def terminal(
    command: str, width: int = 160, height: int = 48, *, keep: bool = False
) -> Iterator[Terminal]:
    """Run `command` (a shell line) in a new tmux server of `width` x `height`; killed afterwards.

    ``keep``: the pane stays when the command ends, so that its last screen and exit status
    can be read.
    """
    name = f"kubectl-rollback-e2e-{uuid.uuid4().hex[:8]}"
    # COLUMNS/LINES (pytest's own terminal) would override the window size for the app.
    line = f"env -u COLUMNS -u LINES TERM=xterm-256color COLORTERM=truecolor {command}"
    # Set in the same tmux call as the session is made: before the command could end.
    keep_pane = [";", "set-option", "-t", name, "remain-on-exit", "on"] if keep else []
    # A private tmux server (-L) with no user configuration (-f /dev/null) keeps the size we ask
    # for.
    subprocess.run(
        [
            "tmux",
            "-L",
            name,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            str(width),
            "-y",
            str(height),
            line,
            *keep_pane,
        ],
        check=True,
    )
    try:
        yield Terminal(name)
    finally:
        subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True)
