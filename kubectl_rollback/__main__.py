"""Entry point of the `kubectl-rollback` console script (and `python -m kubectl_rollback`)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    if (sys.argv[1:] if argv is None else argv) == ["--version"]:
        # Answered before the command line loads: the line its --version prints.
        from . import version_line

        sys.stdout.write(version_line() + "\n")
        return 0
    from .cli.entry import run

    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
