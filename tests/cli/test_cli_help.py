"""Every command's help: Click's plain formatting, literal `[default: ...]` and `[required]`
(Typer, when rich is installed, escaped them for rich and printed `\\[default: 0]`), the
arguments' own help (Click 8.2+ dropped what Typer passed it), the same from `-h` and
`--help`, and the usage line as users type the command."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.cli_support import CliResult

COMMANDS = {
    "": ("Usage: kubectl rollback [OPTIONS] [WORKLOAD]...", "[WORKLOAD]...  TYPE/NAME"),
    "history": ("Usage: kubectl rollback history [OPTIONS] WORKLOAD...", "WORKLOAD...  TYPE/NAME"),
    "apply": ("Usage: kubectl rollback apply [OPTIONS] PATH", "standard input).  [required]"),
    "sim": ("Usage: kubectl rollback sim [OPTIONS]", "[default: demo]"),
    "releases": ("Usage: kubectl rollback releases [OPTIONS]", "[default: 30s]"),
    "guard": ("Usage: kubectl rollback guard [OPTIONS] [WORKLOAD]...", "[WORKLOAD]...  TYPE/NAME"),
    "record": ("Usage: kubectl rollback record [OPTIONS] WORKLOAD...", "WORKLOAD...  TYPE/NAME"),
}


@pytest.mark.parametrize("command", list(COMMANDS), ids=lambda c: c or "rollback")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_plain_text_with_literal_brackets(
    cli: Callable[..., CliResult], command: str, flag: str
) -> None:
    result = cli(*([command] if command else []), flag)
    assert result.code == 0 and result.err == ""
    usage, shown = COMMANDS[command]
    assert result.out.startswith(usage + "\n")
    assert shown in result.out
    assert "\\[" not in result.out
    assert "[default: " in result.out
    # Click wraps long lines at 80 columns in a pipe; no line is cut by a markup escape.
    assert max(len(line) for line in result.out.splitlines()) <= 100
