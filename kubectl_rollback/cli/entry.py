"""The console script's entry: the everyday command lines run without loading Typer.

Typer and Click take about 45 ms to import and to build a command from its declarations:
more than the cluster work of a one-shot rollback, and most of a help page's time. So a
command line is first read here, with the declarations of spec.py, as Click reads it:
options before, between or after the arguments, `--opt value`, `--opt=value`, `-n value`,
`-nvalue`, a switch's on and off spellings, the last of a repeated option winning, values
converted with the same `int` and `float`, `-h`/`--help` anywhere an option may be (the
page drawn by help.py, as Typer draws it). Whatever this reader is not sure of goes to
Typer (app.py) as it was typed: `--version` among other words, shell completion, `--`, a
cluster of short flags (`-yq`), an unknown option, a value that does not convert, a
missing value or argument. So Typer words every usage error, and the two readers never
disagree on a line both accept (tests/cli/test_entry.py reads many lines with both;
tests/cli/test_help_page.py compares the pages).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ..core.values import value
from .args import COMPLETE_VAR, check_command_word
from .ending import outcome
from .spec import PROG, ROLLBACK, SUBCOMMANDS, Command, Param, arranged, command_named, global_flags

_HELP = ("-h", "--help")


@value
class Line:
    """A command line as read: the command, the values its `run` is called with (as Typer
    would call it), and whether it asks for the command's help instead (`-h`, `--help`)."""

    command: Command
    values: dict[str, Any]
    prog: str
    """The command as its usage line names it: `kubectl rollback`, `kubectl rollback history`."""
    help: bool = False

    def run(self) -> None:
        if self.help:
            from .help import page

            sys.stdout.write(page(self.command, self.prog) + "\n")
        else:
            self.command.run(**self.values)


def parse(argv: list[str]) -> Line | None:
    """The line read, or None for a line Typer must read (see the module's text). A first
    word that looks like a misspelt subcommand is a usage error here as in app.py
    (check_command_word)."""
    if os.environ.get(COMPLETE_VAR):
        return None
    words = arranged(argv)
    if words and words[0] in SUBCOMMANDS:
        command, prog, words = command_named(words[0]), f"{PROG} {words[0]}", words[1:]
    else:
        check_command_word(words, SUBCOMMANDS, global_flags())
        command, prog = ROLLBACK, PROG
    read = _values(command, words)
    if read is None:
        return None
    values, helps = read
    return Line(command, values, prog, help=helps)


def _values(command: Command, words: list[str]) -> tuple[dict[str, Any], bool] | None:
    """The values, and whether help was asked for; None for what Typer must read. Help is
    eager in Click: asked for, it is shown whatever the other values (once the line parses)."""
    spellings: dict[str, tuple[Param, bool]] = {}
    for param in command.params:
        sets, unsets = param.spellings()
        spellings.update({s: (param, True) for s in sets})
        spellings.update({s: (param, False) for s in unsets})
    values: dict[str, Any] = {p.name: p.default for p in command.params}
    positional: list[str] = []
    helps = False
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word in ("-", "--"):
            return None
        if not word.startswith("-"):
            positional.append(word)
            continue
        if word in _HELP:
            helps = True
            continue
        attached: str | None  # the value typed in the same word, if any
        if word.startswith("--"):
            spelling, equals, rest = word.partition("=")
            attached = rest if equals else None
        else:  # -n, -nshop
            spelling, attached = word[:2], word[2:] or None
            if attached is not None and "=" in attached:
                return None
        found = spellings.get(spelling)
        if found is None:
            return None
        param, on = found
        if param.eager:
            return None
        if param.flag:
            if attached is not None:
                return None  # `--yes=1` or `-yq`: Click's to refuse or to take apart
            values[param.name] = on
            continue
        if attached is None:
            if index >= len(words):
                return None
            attached = words[index]
            index += 1
        converted = _converted(param, attached)
        if converted is None:
            return None
        if param.many:
            values[param.name] = [*(values[param.name] or ()), converted]
        else:
            values[param.name] = converted
    if helps and not positional:
        return values, True  # the help of a command whose arguments are still to be typed
    with_arguments = _with_arguments(command, values, positional)
    return None if with_arguments is None else (with_arguments, helps)


def _converted(param: Param, text: str) -> Any:
    """The value as Click converts it (int() and float() for INT and FLOAT); None when it
    does not convert (Click's usage error, worded by Typer)."""
    if param.type is str:
        return text
    try:
        return param.type(text)
    except ValueError:
        return None


def _with_arguments(
    command: Command, values: dict[str, Any], positional: list[str]
) -> dict[str, Any] | None:
    arguments = [p for p in command.params if p.argument]
    if not arguments:
        return None if positional else values
    (argument,) = arguments
    if argument.many:
        if argument.required and not positional:
            return None
        values[argument.name] = positional or argument.default
    elif len(positional) == 1:
        values[argument.name] = positional[0]
    else:
        return None
    return values


def _run(argv: list[str]) -> None:
    line = parse(argv)
    if line is None:
        from .app import dispatch

        dispatch(argv)
    else:
        line.run()


def run(argv: list[str]) -> int:
    """Run a command line; returns the exit code (errors end as one line on stderr)."""
    return outcome(lambda: _run(argv))
