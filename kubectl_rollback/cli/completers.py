"""The Typer `autocompletion=` callbacks of app.py's options, and the names Typer's completion
scripts use. What the callbacks answer is in completion.py, imported only when a shell asks
for completions (a command that runs never loads it)."""

from __future__ import annotations

import typer

from .args import COMPLETE_VAR, COMPLETION_PROG, type_aliases

__all__ = [
    "COMPLETE_VAR",
    "COMPLETION_PROG",
    "context_autocompletion",
    "namespace_autocompletion",
    "target_autocompletion",
    "workload_autocompletion",
]


def workload_autocompletion(ctx: typer.Context, incomplete: str) -> list[str]:
    """Typer `autocompletion=` for the `workload` argument (TYPE/NAME or TYPE NAME)."""
    from .completion import complete_workloads

    params = ctx.params
    words = list(params.get("workload") or [])
    cluster = (params.get("namespace"), params.get("context"), params.get("kubeconfig"))
    if not words:
        return complete_workloads(incomplete, *cluster)
    if len(words) == 1 and "/" not in words[0] and words[0].lower() in type_aliases():
        typed = f"{words[0]}/{incomplete}"
        return [c.split("/", 1)[1] for c in complete_workloads(typed, *cluster)]
    return []


def namespace_autocompletion(ctx: typer.Context, incomplete: str) -> list[str]:
    """Typer `autocompletion=` for `--namespace/-n`."""
    from .completion import complete_namespaces

    return complete_namespaces(incomplete, ctx.params.get("context"), ctx.params.get("kubeconfig"))


def context_autocompletion(ctx: typer.Context, incomplete: str) -> list[str]:
    """Typer `autocompletion=` for `--context`."""
    from .completion import complete_contexts

    return complete_contexts(incomplete, ctx.params.get("kubeconfig"))


def target_autocompletion(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Typer `autocompletion=` for `--to`: the revisions and images of the workload on the
    line (the colours of a blue/green Service)."""
    from .completion import target_values

    params = ctx.params
    # While `--to` waits for its value Click leaves the words it has not assigned in ctx.args.
    values = target_values(
        list(params.get("workload") or ctx.args or []),
        params.get("namespace"),
        params.get("context"),
        params.get("kubeconfig"),
    )
    return [(value, help) for value, help in values if value.startswith(incomplete)]
