"""How a command ends: its exit code, and every error as one line on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable

from .args import Failure


def outcome(command: Callable[[], None]) -> int:
    """Run a command; its exit code. Every error ends as one line on stderr: a usage error
    or failure (args.Failure) with its code, a RollbackError with its, an interrupt with
    130/143 and what was applied; a closed stdout (`| head`) ends quietly with 1."""
    from ..core import errors
    from ..interrupts import Stopped, raising

    try:
        with raising():
            command()
    except Stopped as exc:
        _error_line(str(exc))
        return exc.exit_code
    except Failure as exc:
        if str(exc):
            _error_line(str(exc))
        return exc.exit_code
    except errors.RollbackError as exc:
        _error_line(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _error_line("interrupted")
        return 130
    except BrokenPipeError:
        return 1
    return 0


def _error_line(message: str) -> None:
    from ..core.terminal import terminal_safe

    text = terminal_safe(" ".join(str(message).split()))
    sys.stderr.write(f"error: {text}\n")
