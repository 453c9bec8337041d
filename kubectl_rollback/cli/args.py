"""Argument parsing of the command line: kind aliases, TYPE/NAME, durations, usage errors.

Nothing here imports Typer or the cluster client, and the core only when a TYPE/NAME is
parsed (the kinds registry names the types): every module of `cli/` may use it, and
`--help` does not pay for the core.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

# The names Typer's completion scripts use (completers.py, completion.py).
COMPLETION_PROG = "kubectl-rollback"
"""The command Typer's completion scripts complete (`kubectl rollback` is kubectl's, see
completion.py)."""

COMPLETE_VAR = "_KUBECTL_ROLLBACK_COMPLETE"
"""Set by those scripts when they ask `kubectl-rollback` for completions."""


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


# kubectl's names of resource types that exist but hold no rollback history: plural -> aliases.
_OTHER_TYPES = {
    "pods": ("pod", "po"),
    "replicasets": ("replicaset", "rs"),
    "controllerrevisions": ("controllerrevision",),
    "replicationcontrollers": ("replicationcontroller", "rc"),
    "jobs": ("job",),
    "cronjobs": ("cronjob", "cj"),
    "configmaps": ("configmap", "cm"),
    "secrets": ("secret",),
    "ingresses": ("ingress", "ing"),
    "horizontalpodautoscalers": ("horizontalpodautoscaler", "hpa"),
    "persistentvolumeclaims": ("persistentvolumeclaim", "pvc"),
    "persistentvolumes": ("persistentvolume", "pv"),
    "namespaces": ("namespace", "ns"),
    "nodes": ("node", "no"),
    "serviceaccounts": ("serviceaccount", "sa"),
    "endpoints": ("endpoint", "ep"),
    "events": ("event", "ev"),
    "networkpolicies": ("networkpolicy", "netpol"),
    "poddisruptionbudgets": ("poddisruptionbudget", "pdb"),
}
NOT_ROLLED_BACK = {
    alias: plural for plural, aliases in _OTHER_TYPES.items() for alias in (plural, *aliases)
}
"""Every spelling of a Kubernetes type kubectl rollback does not roll back -> its plural."""

_OWNER_HINT = {
    "pods": "roll back the Deployment, StatefulSet or DaemonSet that owns the pod",
    "replicasets": "roll back the Deployment that owns it (--to REPLICASET picks it as the target)",
    "controllerrevisions": "roll back the StatefulSet or DaemonSet that owns it "
    "(--to CONTROLLERREVISION picks it as the target)",
}


def not_rolled_back(type_text: str) -> NoReturn:
    """The usage error for a known type without rollback history: what can be rolled back."""
    from ..core.kinds import supported_text

    plural = NOT_ROLLED_BACK[type_text.lower()]
    hint = _OWNER_HINT.get(plural)
    fail(
        f"{plural} cannot be rolled back: kubectl rollback rolls back {supported_text()} "
        "(TYPE/NAME), blue/green Services (svc/NAME) and releases (release/NAME)"
        + (f"; {hint}" if hint else ""),
        2,
    )


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
        kind = type_aliases().get(words[0].lower())
        if kind is not None:
            fail(
                f"you must name the {kind.lower()}: kubectl rollback {words[0]}/NAME "
                f"(or {words[0]} NAME)",
                2,
            )
        if words[0].lower() in NOT_ROLLED_BACK:
            not_rolled_back(words[0])
        fail(f'you must specify the type of resource: "{words[0]}" (e.g. deploy/{words[0]})', 2)
    else:
        fail(f"expected TYPE/NAME or TYPE NAME, got: {' '.join(words)}", 2)
    kind = type_aliases().get(type_text.lower())
    if kind is None and type_text.lower() in NOT_ROLLED_BACK:
        not_rolled_back(type_text)
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


GLOBAL_PARAMETERS = ("namespace", "context", "kubeconfig", "output", "request_timeout", "demo")
"""The options every command takes before or after its name, as kubectl's global flags
(a command that lacks one rejects it as an unknown option, wherever it was typed)."""


def global_flags(command: Any) -> dict[str, bool]:
    """The global options of a Click command (the default rollback command): each spelling
    (`-n`, `--namespace`) -> whether it takes a value."""
    flags: dict[str, bool] = {}
    for param in command.params:
        if param.name in GLOBAL_PARAMETERS:
            for opt in (*param.opts, *param.secondary_opts):
                flags[opt] = not param.is_flag
    return flags


def first_word(words: list[str], flags: Mapping[str, bool]) -> int:
    """The index of the first word that is not a global flag (or its value)."""
    index = 0
    while index < len(words):
        word = words[index]
        option, equals, _ = word.partition("=")
        if word in flags:
            index += 2 if flags[word] else 1
        elif equals and option.startswith("--") and flags.get(option):
            index += 1
        elif len(word) > 2 and word[:2] in flags and not word.startswith("--") and flags[word[:2]]:
            index += 1  # -nshop
        else:
            break
    return index


def subcommand_first(
    words: list[str], subcommands: Iterable[str], flags: Mapping[str, bool]
) -> list[str]:
    """Global flags typed before a subcommand go after it, as kubectl takes them:
    `-n shop --demo history deploy/web` -> `history -n shop --demo deploy/web`.

    Only global flags (`flags`, from global_flags) may come first; the first other word
    decides: a subcommand's name gets them moved behind it, anything else (a TYPE/NAME, an
    option of the rollback command) leaves the line as it is.
    """
    index = first_word(words, flags)
    if index < len(words) and words[index] in set(subcommands):
        return [words[index], *words[:index], *words[index + 1 :]]
    return words


def check_command_word(
    words: list[str], subcommands: Iterable[str], flags: Mapping[str, bool]
) -> None:
    """A first word that is neither a subcommand nor a type but looks like a subcommand
    (`histroy`): a usage error that names the subcommand meant, as kubectl suggests."""
    index = first_word(words, flags)
    if index >= len(words):
        return
    word = words[index]
    if word.startswith("-") or "/" in word or word.lower() in type_aliases():
        return
    if word.lower() in NOT_ROLLED_BACK:
        return
    import difflib  # only for a word that is neither

    close = difflib.get_close_matches(word.lower(), list(subcommands), n=1, cutoff=0.7)
    if close:
        fail(f'unknown command "{word}" for "kubectl rollback": did you mean "{close[0]}"?', 2)
