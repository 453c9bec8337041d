"""The command line as data: every command's arguments and options, its help, what it runs.

Typer builds the app from these declarations (app.py); entry.py parses the everyday command
lines with the same declarations without loading Typer at all (a one-shot rollback, a dry
run, `history`, the terminal UI), and hands every other line (help, completion, anything it
is not sure of, every usage error) to Typer. So the options are declared once, here, and
nothing here imports Typer or Click: a completer is named, app.py finds it in completers.py.

Each command's `run` takes the command's parameters by name, as Typer passes them, and
calls what does the work (commands.py, history.py, apply.py, releases.py, guard.py),
imported only then.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..core.values import value
from .args import GLOBAL_PARAMETERS, fail, subcommand_first

PROG = "kubectl rollback"


@value
class Param:
    """One argument or option of a command, as Typer declares it."""

    name: str
    """The keyword the command's `run` receives it as."""
    decls: tuple[str, ...]
    """Typer's declarations (`("--namespace", "-n")`, `("--wait/--no-wait",)`); () for
    an argument."""
    type: type
    """str, int, float or bool (the type of each word, for a repeated one or the arguments)."""
    default: Any
    help: str
    required: bool = False
    many: bool = False
    """Repeatable (an option), or every remaining word (an argument)."""
    metavar: str | None = None
    complete: str | None = None
    """The name of the completion function in completers.py."""
    eager: bool = False
    """Typer's is_eager with app.py's version callback (--version)."""

    @property
    def argument(self) -> bool:
        return not self.decls

    @property
    def flag(self) -> bool:
        return self.type is bool

    def spellings(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The option's spellings that set it, and those that unset it (`--no-wait`)."""
        on: list[str] = []
        off: list[str] = []
        for decl in self.decls:
            first, slash, second = decl.partition("/")
            on.append(first)
            if slash:
                off.append(second)
        return tuple(on), tuple(off)


@value
class Command:
    """A command: its name (`rollback` is also the default), help, parameters and action."""

    name: str
    help: str
    params: tuple[Param, ...]
    run: Callable[..., None]


def option(
    name: str,
    *decls: str,
    help: str,
    type: type = str,
    default: Any = None,
    metavar: str | None = None,
    complete: str | None = None,
    many: bool = False,
) -> Param:
    return Param(name, decls, type, default, help, metavar=metavar, complete=complete, many=many)


def switch(name: str, *decls: str, help: str, default: bool = False) -> Param:
    return Param(name, decls, bool, default, help)


def words(name: str, help: str, *, required: bool, complete: str | None = None) -> Param:
    """The TYPE/NAME words of a command (TYPE/NAME or TYPE NAME)."""
    return Param(name, (), str, None, help, required=required, many=True, complete=complete)


def unwrapped(text: str) -> str:
    """Mark each example paragraph with Click's no-rewrap marker so commands stay on their lines."""
    return "\n\n".join("\b\n" + p if p.lstrip().startswith("#") else p for p in text.split("\n\n"))


EXAMPLES_ROLLBACK = unwrapped("""\
Examples:

  # Open the terminal UI on the current context and namespace
  kubectl rollback

  # Try everything against the built-in simulated cluster
  kubectl rollback --demo

  # Roll deploy/web back to its last successful revision (and wait until it is healthy)
  kubectl rollback deploy/web --yes

  # Show the plan (image changes, template diff, scaling, warnings) and change nothing
  kubectl rollback deploy/web --dry-run

  # Roll back to a given revision, ReplicaSet, pod-template-hash or image
  kubectl rollback deployment web --to-revision 3 --yes
  kubectl rollback deploy/web --to web-6d4b75cb6d --yes
  kubectl rollback deploy/web --to nginx:1.25.3 --yes

  # The plan as JSON, for scripts
  kubectl rollback deploy/web --dry-run -o json

  # StatefulSets and DaemonSets (history in ControllerRevisions), same rules
  kubectl rollback sts/db --yes
  kubectl rollback ds/node-agent --to-revision 1 --yes

  # Blue/green rapid rollback: route Service traffic back to the side that was live before
  kubectl rollback svc/web --yes
  kubectl rollback svc/web --to blue --scale-up --yes
""")

EXAMPLES_HISTORY = unwrapped("""\
Examples:

  # Revisions of deploy/web with images, age, replicas and evidence of health
  kubectl rollback history deploy/web -n shop

  # As JSON
  kubectl rollback history deploy/web -o json

  # A StatefulSet's ControllerRevisions
  kubectl rollback history sts/db -n shop

  # A blue/green group: where each Service routes, and the switches kubectl-rollback made
  kubectl rollback history svc/web
""")

EXAMPLES_SIM = unwrapped("""\
Examples:

  # Run the simulated cluster with the demo scenario and point kubectl at it
  kubectl rollback sim --port 0 --scenario demo --write-kubeconfig /tmp/sim.kubeconfig
  kubectl --kubeconfig /tmp/sim.kubeconfig -n shop get deploy

  # The same, with the next rollback's PATCH applied but its answer lost
  kubectl rollback sim --fault "PATCH deployments lost" --write-kubeconfig /tmp/sim.kubeconfig
""")

EXAMPLES_GUARD = unwrapped("""\
Examples:

  # In a pipeline, right after deploying: follow the rollout; healthy (and still so after
  # --settle) records success; a failure is recorded and rolled back (exit 3)
  kubectl apply -f web.yaml && kubectl rollback guard deploy/web --notify "$HOOK"

  # Judge only: record the outcome, never roll back (exit 5 on a failure)
  kubectl rollback guard sts/db --no-rollback --timeout 15m

  # Every workload a label selector picks, at once: when one fails, all go back together
  kubectl rollback guard -l app.kubernetes.io/part-of=shop

  # Keep following every rollout of a namespace, recording outcomes and rolling failures back
  kubectl rollback guard --watch-namespace shop --auto-rollback
""")

APP_HELP = (
    "Roll Kubernetes workloads back to their last successful revision, safely.\n\n"
    + EXAMPLES_ROLLBACK
    + "\nRun 'kubectl rollback COMMAND --help' for the other commands (history, sim)."
)

# The options several commands take (the global flags among them, see args.py).
NAMESPACE = option(
    "namespace",
    "--namespace",
    "-n",
    help="Namespace (default: the context's).",
    complete="namespace_autocompletion",
)
CONTEXT = option(
    "context", "--context", help="kubeconfig context to use.", complete="context_autocompletion"
)
KUBECONFIG = option(
    "kubeconfig", "--kubeconfig", help="Path to the kubeconfig file (or a KUBECONFIG list)."
)
OUTPUT = option("output", "--output", "-o", help="Output format: json or yaml (default: text).")
DEMO = switch("demo", "--demo", help="Run against the built-in simulated cluster (demo scenario).")
QUIET = switch(
    "quiet",
    "--quiet",
    "-q",
    help="With --yes or --dry-run: print only the result line, no plan or progress "
    "(errors are still one line on stderr).",
)
REQUEST_TIMEOUT = option(
    "request_timeout",
    "--request-timeout",
    default="30s",
    help="How long one request to the API server may take, retries "
    "included (e.g. 10s, 1m; 0: no limit), as in kubectl.",
)
WAIT = switch(
    "wait", "--wait/--no-wait", default=True, help="Follow the rollout until it completes or fails."
)
TIMEOUT = option(
    "timeout",
    "--timeout",
    default="10m",
    help="How long --wait follows the rollout (e.g. 90s, 5m).",
)
WORKLOAD = "TYPE/NAME or TYPE NAME, e.g. deploy/web."
WORKLOAD_KIND = "TYPE/NAME or TYPE NAME: a Deployment, StatefulSet or DaemonSet."


def run_rollback(
    *, workload: list[str] | None, no_restore: bool, version: bool, **options: Any
) -> None:
    from . import commands

    commands.rollback(workload=workload or [], restore=not no_restore, **options)


def run_history(**options: Any) -> None:
    from .history import history

    history(**options)


def run_releases(**options: Any) -> None:
    from .releases import releases

    releases(**options)


def run_apply(**options: Any) -> None:
    from .apply import apply

    apply(**options)


def run_guard(*, workload: list[str] | None, no_rollback: bool, **options: Any) -> None:
    from . import guard

    guard.command(workload=workload or [], rollback=not no_rollback, **options)


def run_record(**options: Any) -> None:
    from . import guard

    guard.record_command(**options)


def run_sim(
    *,
    port: int,
    scenario: str,
    write_kubeconfig: str | None,
    time_scale: float,
    fault: list[str] | None,
) -> None:
    from ..sim import serve_forever
    from ..sim.faults import FaultSpecError, parse_fault
    from ..sim.scenarios import names

    # Every argument is checked before anything starts (usage errors, exit 2).
    if not 0 <= port <= 65535:
        fail(f"invalid --port {port}: a port is 0 (pick a free one) to 65535", 2)
    if scenario not in names():
        fail(f"unknown --scenario {scenario!r}; known: {', '.join(names())}", 2)
    if not time_scale > 0:
        fail(
            f"invalid --time-scale {time_scale}: simulated seconds per real second must be above 0",
            2,
        )
    if write_kubeconfig is not None:
        folder = os.path.dirname(os.path.abspath(write_kubeconfig))
        if not os.path.isdir(folder):
            fail(f"--write-kubeconfig {write_kubeconfig}: the folder {folder} does not exist", 2)
        if os.path.isdir(write_kubeconfig):
            fail(f"--write-kubeconfig {write_kubeconfig}: is a folder, not a file", 2)
    try:
        faults = [parse_fault(spec) for spec in fault or []]
    except FaultSpecError as exc:
        fail(str(exc), 2)
    try:
        serve_forever(
            port=port,
            scenario=scenario,
            kubeconfig_path=write_kubeconfig,
            time_scale=time_scale,
            faults=faults,
        )
    except OSError as exc:
        fail(f"cannot serve the simulated cluster: {exc.strerror or exc}", 1)


ROLLBACK = Command(
    "rollback",
    "Roll a workload back to its last successful revision, showing exactly what changes.\n\n"
    + EXAMPLES_ROLLBACK
    + "\nOther commands:\n\n\b\n  history   show a workload's revisions with evidence of health\n"
    "  apply     apply exactly a plan reviewed with --dry-run -o json\n"
    "  sim       run the simulated Kubernetes cluster\n\n"
    "Run 'kubectl rollback COMMAND --help' for their options.",
    (
        words("workload", WORKLOAD, required=False, complete="workload_autocompletion"),
        NAMESPACE,
        CONTEXT,
        KUBECONFIG,
        option("to_revision", "--to-revision", type=int, help="Revision number to roll back to."),
        option(
            "to",
            "--to",
            help="Target: a revision number, ReplicaSet or ControllerRevision name, "
            "hash or image; "
            "for a Service (blue/green), the colour to route traffic to.",
            complete="target_autocompletion",
        ),
        option(
            "dry_run",
            "--dry-run",
            help="client (default when given without a value) or server: print the plan, "
            "change nothing.",
        ),
        OUTPUT,
        switch("yes", "--yes", "-y", help="Do not ask for confirmation."),
        QUIET,
        WAIT,
        TIMEOUT,
        switch(
            "require_healthy",
            "--require-healthy",
            help="Refuse when no earlier revision has evidence of success.",
        ),
        switch(
            "show_secrets",
            "--show-secrets",
            help="Show secret-looking environment values in diffs.",
        ),
        switch(
            "force",
            "--force",
            help="Blue/green: route traffic to a side with fewer Ready pods than the live one.",
        ),
        switch(
            "scale_up",
            "--scale-up",
            help="Blue/green: first scale the target side to the live side's replicas "
            "and wait until its pods are Ready, then switch.",
        ),
        DEMO,
        REQUEST_TIMEOUT,
        switch("read_only", "--read-only", help="Terminal UI: look, never change anything."),
        option(
            "selector",
            "--selector",
            "-l",
            help="Roll back every workload this label selector picks, together (as a release).",
        ),
        option(
            "to_release",
            "--to-release",
            type=int,
            help="release/NAME: the recorded release to go back to.",
        ),
        switch(
            "no_restore",
            "--no-restore",
            help="release/NAME: when one workload's patch fails, leave the ones already "
            "rolled back as they are (default: put them back).",
        ),
        switch(
            "delete_canary",
            "--delete-canary",
            help="release/NAME: also delete the canary workloads a failed Harness canary "
            "left (shown in the plan).",
        ),
        Param("version", ("--version",), bool, False, "Print the version.", eager=True),
    ),
    run_rollback,
)

COMMANDS: tuple[Command, ...] = (
    ROLLBACK,
    Command(
        "history",
        "Show a workload's revisions with evidence of health.\n\n" + EXAMPLES_HISTORY,
        (
            words("workload", WORKLOAD, required=True, complete="workload_autocompletion"),
            NAMESPACE,
            CONTEXT,
            KUBECONFIG,
            OUTPUT,
            option("revision", "--revision", type=int, help="Show one revision's pod template."),
            switch(
                "show_secrets", "--show-secrets", help="Show secret-looking environment values."
            ),
            DEMO,
            REQUEST_TIMEOUT,
        ),
        run_history,
    ),
    Command(
        "releases",
        "List the releases of a namespace (Harness, Helm, Argo CD, Flux) with their "
        "workloads and the release each would go back to.",
        (NAMESPACE, CONTEXT, KUBECONFIG, OUTPUT, DEMO, REQUEST_TIMEOUT),
        run_releases,
    ),
    Command(
        "apply",
        "Apply exactly a reviewed plan: kubectl rollback TYPE/NAME --dry-run -o json > plan.json, "
        "then kubectl rollback apply plan.json. Refuses, changing nothing, when the workload or "
        "the change has moved on since the review.",
        (
            Param(
                "path", (), str, None, "The plan file (JSON or YAML; - reads standard input).", True
            ),
            CONTEXT,
            KUBECONFIG,
            OUTPUT,
            QUIET,
            WAIT,
            TIMEOUT,
            REQUEST_TIMEOUT,
        ),
        run_apply,
    ),
    Command(
        "guard",
        "Follow a rollout until it is healthy or has failed, record the outcome on the "
        "revision, and roll a failure back to the last successful revision.\n\n"
        "Exit codes: 0 healthy (success recorded); 3 failed and rolled back (the rollback is "
        "healthy); 4 failed, rolled back, and the rollback failed too; 5 failed and not rolled "
        "back (--no-rollback, or no revision with evidence of success); 1 error; 2 usage; "
        "130/143 interrupted.\n\n" + EXAMPLES_GUARD,
        (
            words("workload", WORKLOAD_KIND, required=False, complete="workload_autocompletion"),
            NAMESPACE,
            CONTEXT,
            KUBECONFIG,
            OUTPUT,
            option(
                "settle",
                "--settle",
                default="30s",
                help="How long the new pods must stay Ready after the rollout completes.",
            ),
            option(
                "grace",
                "--grace",
                default="2m",
                help="How long new pods may wait in ImagePullBackOff, CrashLoopBackOff, "
                "ErrImagePull or CreateContainerConfigError before the rollout counts as failed.",
            ),
            option(
                "timeout",
                "--timeout",
                default="10m",
                help="How long a rollout may take to become healthy.",
            ),
            switch(
                "no_rollback", "--no-rollback", help="Record the outcome only; never roll back."
            ),
            option(
                "max_rollbacks",
                "--max-rollbacks",
                type=int,
                default=1,
                help="Roll back at most this many times in a row.",
            ),
            option(
                "notify_url",
                "--notify",
                metavar="URL",
                help="POST the GuardResult to this webhook (its query string is never printed).",
            ),
            option(
                "notify_format",
                "--notify-format",
                default="json",
                help='json (the GuardResult) or slack ({"text": ...}).',
            ),
            option(
                "watch_namespace",
                "--watch-namespace",
                metavar="NS",
                help="Keep following every rollout in this namespace (runs until stopped).",
            ),
            switch(
                "all_namespaces",
                "--all",
                "-A",
                help="With no workload: keep following every namespace.",
            ),
            switch(
                "auto_rollback",
                "--auto-rollback",
                help="--watch-namespace/--all: also roll back failed rollouts.",
            ),
            option(
                "selector",
                "--selector",
                "-l",
                help="Guard every workload this label selector picks, together: when one "
                "fails, roll them all back (as kubectl rollback -l ... --yes).",
            ),
            DEMO,
            REQUEST_TIMEOUT,
        ),
        run_guard,
    ),
    Command(
        "record",
        "Record that the current revision of a workload succeeded or failed (for pipelines "
        "that judge health themselves: smoke tests, metrics). The record is evidence for the "
        "next rollback's choice of target.\n\n"
        "\b\nExamples:\n"
        "  kubectl rollback record deploy/web --success --reason 'smoke tests passed'\n"
        "  kubectl rollback record sts/db --failure --reason 'p99 latency doubled'",
        (
            words("workload", WORKLOAD_KIND, required=True, complete="workload_autocompletion"),
            switch("success", "--success", help="The revision is good."),
            switch("failure", "--failure", help="The revision is bad."),
            option(
                "reason", "--reason", default="", help="One line saying why (secrets are masked)."
            ),
            option(
                "revision",
                "--revision",
                type=int,
                help="Record on this revision instead of the current one.",
            ),
            NAMESPACE,
            CONTEXT,
            KUBECONFIG,
            OUTPUT,
            DEMO,
            REQUEST_TIMEOUT,
        ),
        run_record,
    ),
    Command(
        "sim",
        "Run the simulated Kubernetes cluster in the foreground.\n\n" + EXAMPLES_SIM,
        (
            option(
                "port",
                "--port",
                type=int,
                default=0,
                help="Port on 127.0.0.1 (0 picks a free one).",
            ),
            option(
                "scenario",
                "--scenario",
                default="demo",
                help="Scenario to load: empty, demo, bluegreen or releases.",
            ),
            option(
                "write_kubeconfig",
                "--write-kubeconfig",
                help="Write a kubeconfig for the cluster to this path.",
            ),
            option(
                "time_scale",
                "--time-scale",
                type=float,
                default=1.0,
                help="Simulated seconds per real second.",
            ),
            option(
                "fault",
                "--fault",
                metavar="SPEC",
                many=True,
                help='Inject a fault (repeatable): "VERB RESOURCE[/NAME] EFFECT [xCOUNT]", '
                'e.g. "PATCH deployments lost", "LIST pods 429 x3", "WATCH deployments cut". '
                "EFFECT: an HTTP status, reset, lost, delay=SECONDS, cut or expire.",
            ),
        ),
        run_sim,
    ),
)
"""Every command, `rollback` (the default) first."""

SUBCOMMANDS = tuple(c.name for c in COMMANDS)


def command_named(name: str) -> Command:
    (found,) = [c for c in COMMANDS if c.name == name]
    return found


def global_flags() -> dict[str, bool]:
    """The global options (the default rollback command's, see args.GLOBAL_PARAMETERS): each
    spelling (`-n`, `--namespace`) -> whether it takes a value."""
    flags: dict[str, bool] = {}
    for param in ROLLBACK.params:
        if param.name in GLOBAL_PARAMETERS:
            on, off = param.spellings()
            for spelling in (*on, *off):
                flags[spelling] = not param.flag
    return flags


def arranged(argv: list[str]) -> list[str]:
    """The words as the commands read them: a bare `--dry-run` means `--dry-run=client`, as
    in kubectl; global flags (-n, --context, --kubeconfig, --demo, --request-timeout, -o)
    typed before a subcommand go behind its name, as kubectl takes them."""
    words = ["--dry-run=client" if word == "--dry-run" else word for word in argv]
    return subcommand_first(words, SUBCOMMANDS, global_flags())
