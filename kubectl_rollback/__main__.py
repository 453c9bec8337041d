"""Entry point of the `kubectl-rollback` console script (and `python -m kubectl_rollback`)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from .cli.app import main

    return main(argv)


if __name__ == "__main__":
    sys.exit(main())
