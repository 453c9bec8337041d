"""Argument parsing of the command line: kind aliases, TYPE/NAME, durations, usage errors.

Nothing here imports Typer or the cluster client, and the core only when a TYPE/NAME is
parsed (the kinds registry names the types): every module of `cli/` may use it, and
`--help` does not pay for the core.
"""

from __future__ import annotations

import functools
import re
from typing import NoReturn


@functools.cache
def type_aliases() -> dict[str, str]:
    """kubectl's names for the types we handle -> kind: singular, plural, short, qualified
    (``deploy``, ``deployments.apps``, ``deployment.v1.apps``...); the workload kinds come
    from the core's registry, Services (blue/green switches) are added here."""
    from ..core.kinds import KINDS

    aliases: dict[str, str] = {}
    types = [(k.kind, k.resource.plural, k.short_name, k.resource.group) for k in KINDS]
    extra = (("Service", "services", "svc", ""), ("Release", "releases", "release", ""))
    for kind, plural, short, group in (*types, *extra):
        for alias in (kind.lower(), plural, short):
            aliases[alias] = kind
            if group:
                aliases[f"{alias}.{group}"] = kind
                aliases[f"{alias}.v1.{group}"] = kind
            else:
                aliases[f"{alias}.v1"] = kind
    return aliases


class Failure(Exception):
    """An error already worded for the user, with its exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def fail(message: str, exit_code: int = 1) -> NoReturn:
    raise Failure(message, exit_code)


def exit_quietly(exit_code: int) -> NoReturn:
    """End with ``exit_code`` and no error line (what happened is printed already)."""
    raise Failure("", exit_code)


def parse_workload(words: list[str]) -> tuple[str, str]:
    """`TYPE/NAME` or `TYPE NAME` (kubectl's aliases) -> (Kind, name); exit 2 otherwise."""
    if len(words) == 1 and "/" in words[0]:
        type_text, name = words[0].split("/", 1)
    elif len(words) == 2 and "/" not in words[0]:
        type_text, name = words
    elif len(words) == 1:
        fail(f'you must specify the type of resource: "{words[0]}" (e.g. deploy/{words[0]})', 2)
    else:
        fail(f"expected TYPE/NAME or TYPE NAME, got: {' '.join(words)}", 2)
    kind = type_aliases().get(type_text.lower())
    if kind is None:
        fail(f'the server doesn\'t have a resource type "{type_text}"', 2)
    if not name:
        fail(f"resource name may not be empty: {words[0]}", 2)
    return kind, name


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def parse_duration(text: str, flag: str = "--timeout") -> float:
    """Go-style durations as kubectl takes them (`90s`, `5m`, `1h30m`; a bare number needs a unit,
    except 0)."""
    text = text.strip()
    if re.fullmatch(r"0+(\.0+)?", text):
        return 0.0
    if re.fullmatch(r"\d+(\.\d+)?", text):
        # As kubectl (Go's time.ParseDuration): only 0 may go without a unit.
        fail(f'invalid duration "{text}" for {flag}: missing unit (e.g. {text}s or {text}m)', 2)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        fail(f'invalid duration "{text}" for {flag} (use e.g. 90s, 5m, 1h)', 2)
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)
