"""Shell completion: workload and namespace names from the cluster, for every way the plugin is run.

- `complete_workloads()` and `complete_namespaces()` ask the cluster (kubeconfig, context and
  namespace as kubectl resolves them) and give up after DEADLINE_SECONDS: on a slow or
  unreachable cluster, or any error, they return [] and the shell offers nothing.
- `workload_autocompletion` and `namespace_autocompletion` are Typer `autocompletion=`
  callbacks for app.py's `workload` argument and `--namespace` option.
- `complete_args()` completes a command line the way app.py dispatches it: a first word that is
  a subcommand (`history`, `apply`, `sim`) goes to that command, anything else to the default
  rollback command (and the first word may also be a subcommand's name).
- `kubectl_complete_main()` is the `kubectl_complete-rollback` executable (app.complete_main):
  kubectl 1.26+ runs it to complete `kubectl rollback ...` in bash, zsh, fish and PowerShell
  (Cobra's protocol: one `value<TAB>description` per line, then `:<directive>`).
- `run_shell_completion()` answers the scripts of `kubectl-rollback --show-completion`
  (Typer's, for the `kubectl-rollback` command itself) through the same `complete_args()`.

These take the Click group of app.py's Typer app (`typer.main.get_command(app)`) as their
`group`: app.py imports this module for its callbacks, so this module never imports app.py.
Nothing here imports the cluster client until a completion actually needs the cluster.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

import typer

from .args import type_aliases

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem, ShellComplete

COMPLETION_PROG = "kubectl-rollback"
"""The command Typer's completion scripts complete (`kubectl rollback` is kubectl's, see below)."""

COMPLETE_VAR = "_KUBECTL_ROLLBACK_COMPLETE"
"""Set by those scripts when they ask `kubectl-rollback` for completions."""

DEADLINE_SECONDS = 1.0
DEFAULT_COMMAND = "rollback"

# Cobra's ShellCompDirective values (spf13/cobra completions.go).
DIRECTIVE_DEFAULT = 0  # the shell may complete file names
DIRECTIVE_NO_FILE_COMP = 4
FILE_PARAMETERS = frozenset({"kubeconfig", "write_kubeconfig"})


def _within_deadline(
    fetch: Callable[[], list[str]], seconds: float = DEADLINE_SECONDS
) -> list[str]:
    """fetch() if it finishes within `seconds` without raising; [] otherwise.

    It runs in a daemon thread: a cluster that does not answer is abandoned, not waited for,
    and cannot keep the process alive.
    """
    result: list[list[str]] = []

    def work() -> None:
        with contextlib.suppress(Exception):  # completion never fails loudly
            result.append(fetch())

    thread = threading.Thread(target=work, name="kubectl-rollback-completion", daemon=True)
    thread.start()
    thread.join(seconds)
    return result[0] if result else []


def _deployment_aliases() -> frozenset[str]:
    return frozenset(alias for alias, kind in type_aliases().items() if kind == "Deployment")


def _deployment_names(
    namespace: str | None, context: str | None, kubeconfig: str | None
) -> list[str]:
    def fetch() -> list[str]:
        from ..core.ports import DEPLOYMENTS
        from ..kube.gateway import KubeGateway

        gateway = KubeGateway.connect(kubeconfig, context, namespace)
        try:
            return sorted(
                str(d["metadata"]["name"]) for d in gateway.list(DEPLOYMENTS, gateway.namespace)
            )
        finally:
            gateway.close()

    return _within_deadline(fetch)


def complete_workloads(
    incomplete: str, namespace: str | None, context: str | None, kubeconfig: str | None
) -> list[str]:
    """`TYPE/NAME` completions of `incomplete` from the cluster (Deployments); [] on any error.

    `deploy/we` gives `deploy/web`, keeping the type as typed (`deployment/web`,
    `deployments.apps/web`); a word without a slash is completed as `deploy/NAME` (or, when it
    already reaches past `deploy`, as the shortest type it begins: `deploym` -> `deployment/NAME`).
    """
    type_text, slash, prefix = incomplete.partition("/")
    if not slash:
        types = sorted(
            (a for a in _deployment_aliases() if a.startswith(incomplete.lower())), key=len
        )
        if not types:
            return []
        type_text = "deploy" if "deploy".startswith(incomplete.lower()) else types[0]
    elif type_text.lower() not in _deployment_aliases():
        return []
    names = _deployment_names(namespace, context, kubeconfig)
    return [f"{type_text}/{name}" for name in names if name.startswith(prefix)]


def complete_namespaces(incomplete: str, context: str | None, kubeconfig: str | None) -> list[str]:
    """Namespace names starting with `incomplete`; [] on any error or after the deadline."""

    def fetch() -> list[str]:
        from ..core.workloads import namespace_names
        from ..kube.gateway import KubeGateway

        gateway = KubeGateway.connect(kubeconfig, context, None)
        try:
            return sorted(namespace_names(gateway))
        finally:
            gateway.close()

    return [name for name in _within_deadline(fetch) if name.startswith(incomplete)]


# ------------------------------------------------------------------- Typer callbacks (app.py)
def workload_autocompletion(ctx: typer.Context, incomplete: str) -> list[str]:
    """Typer `autocompletion=` for the `workload` argument (TYPE/NAME or TYPE NAME)."""
    params = ctx.params
    words = list(params.get("workload") or [])
    cluster = (params.get("namespace"), params.get("context"), params.get("kubeconfig"))
    if not words:
        return complete_workloads(incomplete, *cluster)
    if len(words) == 1 and "/" not in words[0] and words[0].lower() in _deployment_aliases():
        return [c.split("/", 1)[1] for c in complete_workloads(f"deploy/{incomplete}", *cluster)]
    return []


def namespace_autocompletion(ctx: typer.Context, incomplete: str) -> list[str]:
    """Typer `autocompletion=` for `--namespace/-n`."""
    return complete_namespaces(incomplete, ctx.params.get("context"), ctx.params.get("kubeconfig"))


# ------------------------------------------------------------------------ command lines
def _shell_completion() -> Any:
    """Click's shell_completion module: typer >= 0.26 vendors Click as typer._click."""
    module: ModuleType
    try:
        from typer._click import shell_completion as module  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:
        from click import shell_completion as module
    return module


def _completer_class() -> type[ShellComplete]:
    """A concrete ShellComplete for calling Click's completion engine directly."""
    base: Any = _shell_completion().ShellComplete

    class Direct(base):  # type: ignore[misc]
        name = "direct"
        source_template = ""

        def get_completion_args(self) -> tuple[list[str], str]:
            raise NotImplementedError

        def format_completion(self, item: CompletionItem) -> str:
            return str(item.value)

    return Direct


def complete_args(
    group: Any, args: list[str], incomplete: str, prog_name: str = COMPLETION_PROG
) -> list[CompletionItem]:
    """Completions of `incomplete` after the words `args`, dispatched as app.py dispatches.

    `group` is the Click group of the Typer app (`typer.main.get_command(app)`).
    """
    completion_item = _shell_completion().CompletionItem
    commands = group.commands
    target = group if args and args[0] in commands else commands[DEFAULT_COMMAND]
    items: list[Any] = _completer_class()(target, {}, prog_name, COMPLETE_VAR).get_completions(
        list(args), incomplete
    )
    if not args and not incomplete.startswith("-"):
        items = [
            completion_item(name, help=command.get_short_help_str())
            for name, command in commands.items()
            if name != DEFAULT_COMMAND and not command.hidden and name.startswith(incomplete)
        ] + items
    return items


def _completes_a_file(args: list[str]) -> bool:
    """Is the word being completed the value of an option that takes a file name?"""
    return bool(args) and args[-1].lstrip("-").replace("-", "_") in FILE_PARAMETERS


def kubectl_complete_main(group: Any, argv: list[str] | None = None) -> int:
    """`kubectl_complete-rollback ARGS... INCOMPLETE`: what kubectl runs to complete the plugin."""
    words = list(sys.argv[1:] if argv is None else argv)
    args, incomplete = (words[:-1], words[-1]) if words else ([], "")
    try:
        items = complete_args(group, args, incomplete, prog_name="kubectl rollback")
    except Exception:  # noqa: BLE001 - a broken completion must not break the shell
        items = []
    for item in items:
        help_text = " ".join(str(item.help or "").split())
        sys.stdout.write(f"{item.value}\t{help_text}\n" if help_text else f"{item.value}\n")
    directive = (
        DIRECTIVE_DEFAULT if not items and _completes_a_file(args) else DIRECTIVE_NO_FILE_COMP
    )
    sys.stdout.write(f":{directive}\n")
    return 0


def run_shell_completion(group: Any, instruction: str) -> int:
    """Answer a Typer completion script (`COMPLETE_VAR=complete_bash` etc.); the exit status."""
    from typer._completion_classes import completion_init

    completion_init()
    action, _, shell = instruction.partition("_")
    base: Any = _shell_completion().get_completion_class(shell)
    if base is None or action not in ("complete", "source"):
        sys.stderr.write(f"error: unsupported completion instruction {instruction!r}\n")
        return 1

    class Dispatching(base):  # type: ignore[misc]
        def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
            return complete_args(group, args, incomplete)

    completer = Dispatching(group, {}, COMPLETION_PROG, COMPLETE_VAR)
    sys.stdout.write((completer.source() if action == "source" else completer.complete()) + "\n")
    return 0
