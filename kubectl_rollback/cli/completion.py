"""Shell completion: names from the cluster, for every way the plugin is run.

- `complete_workloads()` (`deploy/`, `sts/`, `ds/`, blue/green `svc/` and `release/` names),
  `complete_namespaces()` and the `--to` values (`_target_values`: revision numbers and images
  of the workload on the line, the colours of a blue/green Service) ask the cluster
  (kubeconfig, context and namespace as kubectl resolves them) and give up after
  DEADLINE_SECONDS: on a slow or unreachable cluster, or any error, they return [] and the
  shell offers nothing. `complete_contexts()` reads the kubeconfig only.
- `workload_autocompletion`, `namespace_autocompletion`, `context_autocompletion` and
  `target_autocompletion` are Typer `autocompletion=` callbacks for app.py's `workload`
  argument and `--namespace`, `--context`, `--to` options.
- `complete_args()` completes a command line the way app.py dispatches it: global flags may
  come before a subcommand (`-n shop history ...`), a first word that is a subcommand
  (`history`, `apply`, `sim`) goes to that command, anything else to the default rollback
  command (and the first word may also be a subcommand's name).
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
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from .args import (
    COMPLETE_VAR,
    COMPLETION_PROG,
    first_word,
    global_flags,
    subcommand_first,
    type_aliases,
)

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem, ShellComplete

T = TypeVar("T")

DEADLINE_SECONDS = 1.0
DEFAULT_COMMAND = "rollback"

# Cobra's ShellCompDirective values (spf13/cobra completions.go).
DIRECTIVE_DEFAULT = 0  # the shell may complete file names
DIRECTIVE_NO_FILE_COMP = 4
FILE_PARAMETERS = frozenset({"kubeconfig", "write_kubeconfig"})


def _within_deadline(fetch: Callable[[], list[T]], seconds: float = DEADLINE_SECONDS) -> list[T]:
    """fetch() if it finishes within `seconds` without raising; [] otherwise.

    It runs in a daemon thread: a cluster that does not answer is abandoned, not waited for,
    and cannot keep the process alive.
    """
    result: list[list[T]] = []

    def work() -> None:
        with contextlib.suppress(Exception):  # completion never fails loudly
            result.append(fetch())

    thread = threading.Thread(target=work, name="kubectl-rollback-completion", daemon=True)
    thread.start()
    thread.join(seconds)
    return result[0] if result else []


KIND_ORDER = ("Deployment", "StatefulSet", "DaemonSet", "Service", "Release")
"""The types TYPE/NAME completes, in the order suggestions are listed."""


def _aliases_of(kind: str) -> list[str]:
    """kubectl's spellings of `kind` (shortest first; `deploy` before `deployment`)."""
    return sorted((a for a, k in type_aliases().items() if k == kind), key=lambda a: (len(a), a))


def _names(
    kinds: Sequence[str], namespace: str | None, context: str | None, kubeconfig: str | None
) -> dict[str, list[str]]:
    """The names of each of `kinds` in the namespace, from one connection; {} after the
    deadline or on any error. Services are the blue/green ones (a group's Services), releases
    those the workloads' marks name (as `kubectl rollback releases` lists them)."""

    def fetch() -> list[dict[str, list[str]]]:
        from ..core.bluegreen import detect_groups
        from ..core.kinds import KINDS
        from ..core.ports import SERVICES
        from ..core.release import find_releases
        from ..kube.gateway import KubeGateway

        gateway = KubeGateway.connect(kubeconfig, context, namespace)
        try:
            ns = gateway.namespace
            wanted = {k.kind for k in KINDS if k.kind in kinds}
            if {"Service", "Release"} & set(kinds):
                wanted = {k.kind for k in KINDS}  # groups and releases are made of workloads
            workloads = [
                (k.kind, obj)
                for k in KINDS
                if k.kind in wanted
                for obj in gateway.list(k.resource, ns)
            ]
            found = {
                kind: sorted(str(o["metadata"]["name"]) for k, o in workloads if k == kind)
                for kind in kinds
                if kind in wanted
            }
            if "Service" in kinds:
                deployments = [o for k, o in workloads if k == "Deployment"]
                groups = detect_groups(ns, gateway.list(SERVICES, ns), deployments)
                found["Service"] = sorted({r.name for g in groups for r in g.services})
            if "Release" in kinds:
                found["Release"] = sorted({g.name for g in find_releases(ns, workloads)})
            return [found]
        finally:
            gateway.close()

    result = _within_deadline(fetch)
    return result[0] if result else {}


def complete_workloads(
    incomplete: str, namespace: str | None, context: str | None, kubeconfig: str | None
) -> list[str]:
    """`TYPE/NAME` completions of `incomplete` from the cluster; [] on any error.

    `deploy/we` gives `deploy/web`, keeping the type as typed (`deployment/web`,
    `deployments.apps/web`); likewise `sts/`, `ds/`, `svc/` (blue/green Services) and
    `release/`. A word without a slash is completed as `TYPE/NAME` for every type it begins
    (`""` every type, `s` gives `sts/...` and `svc/...`), each in its short spelling (`deploy`)
    unless the word already reaches past it (`deploym` -> `deployment/NAME`).
    """
    type_text, slash, prefix = incomplete.partition("/")
    spelled: dict[str, str] = {}
    if not slash:
        typed = incomplete.lower()
        for kind in KIND_ORDER:
            matching = [a for a in _aliases_of(kind) if a.startswith(typed) and "." not in a]
            if matching:
                spelled[kind] = matching[0]
    else:
        named = type_aliases().get(type_text.lower())
        if named is None:
            return []
        spelled[named] = type_text
    if not spelled:
        return []
    names = _names(list(spelled), namespace, context, kubeconfig)
    return [
        f"{spelled[kind]}/{name}"
        for kind in spelled
        for name in names.get(kind, [])
        if name.startswith(prefix)
    ]


def target_values(
    words: list[str], namespace: str | None, context: str | None, kubeconfig: str | None
) -> list[tuple[str, str]]:
    """`--to` values for the workload on the line, with what each is: its revision numbers
    and their images (a Deployment, StatefulSet or DaemonSet), the colours of a blue/green
    Service's group; [] for anything else, on any error or after the deadline."""
    from .args import Failure, parse_workload

    try:
        kind, name = parse_workload(words)
    except Failure:
        return []
    if kind == "Release":
        return []

    def fetch() -> list[tuple[str, str]]:
        from datetime import UTC, datetime

        from ..core import bluegreen_service
        from ..core import rollback as use_case
        from ..core.model import WorkloadRef
        from ..kube.gateway import KubeGateway

        gateway = KubeGateway.connect(kubeconfig, context, namespace)
        try:
            if kind == "Service":
                group = bluegreen_service.load_group(gateway, gateway.namespace, name)
                live = group.live_color
                return [(c, "live side" if c == live else f"side {c}") for c in group.colors]
            history = use_case.load(
                gateway,
                WorkloadRef(kind, gateway.namespace, name),
                now=datetime.now(UTC),
                pods=False,
                references=False,
                harness=False,
                hpas=False,
            )
        finally:
            gateway.close()
        revisions = sorted(history.revisions, key=lambda r: -r.number)
        values = [
            (
                str(r.number),
                f"revision {r.number}: {r.image_summary}" + (" (current)" if r.current else ""),
            )
            for r in revisions
        ]
        seen: set[str] = set()
        for r in revisions:
            for image in r.images:
                if not image.init and image.image not in seen:
                    seen.add(image.image)
                    values.append((image.image, f"image of revision {r.number}"))
        return values

    return _within_deadline(fetch)


def complete_contexts(incomplete: str, kubeconfig: str | None) -> list[str]:
    """Context names of the kubeconfig (as kubectl reads it) starting with `incomplete`."""
    try:
        from ..kube.gateway import KubeGateway

        names, _ = KubeGateway.list_contexts(kubeconfig)
    except Exception:  # noqa: BLE001 - a broken kubeconfig completes nothing
        return []
    return [name for name in names if name.startswith(incomplete)]


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
    flags = global_flags(commands[DEFAULT_COMMAND])
    # Nothing but global flags so far (not `-n <TAB>`, whose value is being completed).
    only_flags = first_word(args, flags) == len(args)
    args = subcommand_first(list(args), commands, flags)  # `-n shop history ...` as dispatched
    target = group if args and args[0] in commands else commands[DEFAULT_COMMAND]
    items: list[Any] = _completer_class()(target, {}, prog_name, COMPLETE_VAR).get_completions(
        list(args), incomplete
    )
    if only_flags and not incomplete.startswith("-"):
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
