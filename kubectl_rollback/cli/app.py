"""The command line: the Typer app, its options and dispatch (Typer; heavy imports are lazy).

`kubectl rollback` with no workload in a terminal opens the terminal UI; with a workload it
plans and performs a rollback; `history` shows revisions; `sim` runs the simulated cluster.
What each command does is in commands.py (imported only when a command runs, so `--help`
stays fast), argument parsing in args.py. Nothing here decides anything about rollbacks: the
core does.
"""

# No `from __future__ import annotations` here: Typer reads the options from the commands'
# annotations, and string annotations would be evaluated again (every typer.Option() made
# anew) each time a command is built, on every start.
import os
import sys
from typing import Annotated, Any

import typer

from .. import version_line
from .args import Failure, check_command_word, fail, global_flags, subcommand_first
from .completers import (
    COMPLETE_VAR,
    COMPLETION_PROG,
    context_autocompletion,
    namespace_autocompletion,
    target_autocompletion,
    workload_autocompletion,
)

PROG = "kubectl rollback"
SUBCOMMANDS = ("history", "sim", "rollback", "apply", "releases", "guard", "record")

EXAMPLES_ROLLBACK = """\
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
"""

EXAMPLES_HISTORY = """\
Examples:

  # Revisions of deploy/web with images, age, replicas and evidence of health
  kubectl rollback history deploy/web -n shop

  # As JSON
  kubectl rollback history deploy/web -o json

  # A StatefulSet's ControllerRevisions
  kubectl rollback history sts/db -n shop

  # A blue/green group: where each Service routes, and the switches kubectl-rollback made
  kubectl rollback history svc/web
"""

EXAMPLES_SIM = """\
Examples:

  # Run the simulated cluster with the demo scenario and point kubectl at it
  kubectl rollback sim --port 0 --scenario demo --write-kubeconfig /tmp/sim.kubeconfig
  kubectl --kubeconfig /tmp/sim.kubeconfig -n shop get deploy

  # The same, with the next rollback's PATCH applied but its answer lost
  kubectl rollback sim --fault "PATCH deployments lost" --write-kubeconfig /tmp/sim.kubeconfig
"""


def _unwrapped(text: str) -> str:
    """Mark each example paragraph with Click's no-rewrap marker so commands stay on their lines."""
    return "\n\n".join("\b\n" + p if p.lstrip().startswith("#") else p for p in text.split("\n\n"))


EXAMPLES_ROLLBACK, EXAMPLES_HISTORY, EXAMPLES_SIM = (
    _unwrapped(EXAMPLES_ROLLBACK),
    _unwrapped(EXAMPLES_HISTORY),
    _unwrapped(EXAMPLES_SIM),
)

HELP: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


class Command(typer.core.TyperCommand):
    """Typer's command, its help drawn by Click's formatter alone.

    Typer, when rich is installed, imports rich (and markdown-it) to escape the brackets
    of `[default: 0]` and `[required]`, which Click's formatter then prints as `\\[default:
    0]`. Our help has no markup: the records are Click's, shown as they are.
    """

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                record = _argument_record(param, ctx)
                if record is not None:
                    arguments.append(record)
            elif param.param_type_name == "option":
                # Click's own record (TyperOption's would escape it for rich).
                if isinstance(param, typer.core.TyperOption):
                    option_record = super(typer.core.TyperOption, param).get_help_record(ctx)
                else:
                    option_record = param.get_help_record(ctx)
                if option_record is not None:
                    options.append(option_record)
        for title, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


def _argument_record(param: Any, ctx: Any) -> tuple[str, str] | None:
    """An argument's help line as Typer writes it: METAVAR, help and `[required]`."""
    if getattr(param, "hidden", False):
        return None
    extra = "[required]" if param.required else ""
    text = param.help or _declared_help(ctx.command.name, param.name)
    return param.make_metavar(ctx), f"{text}  {extra}" if text and extra else text or extra


app = typer.Typer(
    name=PROG,
    add_completion=True,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Roll Kubernetes workloads back to their last successful revision, safely.\n\n"
    + EXAMPLES_ROLLBACK
    + "\nRun 'kubectl rollback COMMAND --help' for the other commands (history, sim).",
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(version_line())
        raise typer.Exit()


Namespace = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        "-n",
        help="Namespace (default: the context's).",
        autocompletion=namespace_autocompletion,
    ),
]
Context = Annotated[
    str | None,
    typer.Option(
        "--context", help="kubeconfig context to use.", autocompletion=context_autocompletion
    ),
]
Kubeconfig = Annotated[
    str | None,
    typer.Option("--kubeconfig", help="Path to the kubeconfig file (or a KUBECONFIG list)."),
]
Output = Annotated[
    str | None, typer.Option("--output", "-o", help="Output format: json or yaml (default: text).")
]
Demo = Annotated[
    bool,
    typer.Option("--demo", help="Run against the built-in simulated cluster (demo scenario)."),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="With --yes or --dry-run: print only the result line, no plan or progress "
        "(errors are still one line on stderr).",
    ),
]
RequestTimeout = Annotated[
    str,
    typer.Option(
        "--request-timeout",
        help="How long one request to the API server may take, retries "
        "included (e.g. 10s, 1m; 0: no limit), as in kubectl.",
    ),
]


@app.command(
    "rollback",
    cls=Command,
    context_settings=HELP,
    help="Roll a workload back to its last successful revision, showing exactly what changes.\n\n"
    + EXAMPLES_ROLLBACK
    + "\nOther commands:\n\n\b\n  history   show a workload's revisions with evidence of health\n"
    "  apply     apply exactly a plan reviewed with --dry-run -o json\n"
    "  sim       run the simulated Kubernetes cluster\n\n"
    "Run 'kubectl rollback COMMAND --help' for their options.",
)
def rollback_command(
    workload: Annotated[
        list[str] | None,
        typer.Argument(
            help="TYPE/NAME or TYPE NAME, e.g. deploy/web.", autocompletion=workload_autocompletion
        ),
    ] = None,
    namespace: Namespace = None,
    context: Context = None,
    kubeconfig: Kubeconfig = None,
    to_revision: Annotated[
        int | None, typer.Option("--to-revision", help="Revision number to roll back to.")
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Target: a revision number, ReplicaSet or ControllerRevision name, "
            "hash or image; "
            "for a Service (blue/green), the colour to route traffic to.",
            autocompletion=target_autocompletion,
        ),
    ] = None,
    dry_run: Annotated[
        str | None,
        typer.Option(
            "--dry-run",
            help="client (default when given without a value) or server: print the plan, "
            "change nothing.",
        ),
    ] = None,
    output: Output = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    quiet: Quiet = False,
    wait: Annotated[
        bool,
        typer.Option("--wait/--no-wait", help="Follow the rollout until it completes or fails."),
    ] = True,
    timeout: Annotated[
        str, typer.Option("--timeout", help="How long --wait follows the rollout (e.g. 90s, 5m).")
    ] = "10m",
    require_healthy: Annotated[
        bool,
        typer.Option(
            "--require-healthy", help="Refuse when no earlier revision has evidence of success."
        ),
    ] = False,
    show_secrets: Annotated[
        bool,
        typer.Option("--show-secrets", help="Show secret-looking environment values in diffs."),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Blue/green: route traffic to a side with fewer Ready pods than the live one.",
        ),
    ] = False,
    scale_up: Annotated[
        bool,
        typer.Option(
            "--scale-up",
            help="Blue/green: first scale the target side to the live side's replicas "
            "and wait until its pods are Ready, then switch.",
        ),
    ] = False,
    demo: Demo = False,
    request_timeout: RequestTimeout = "30s",
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Terminal UI: look, never change anything.")
    ] = False,
    selector: Annotated[
        str | None,
        typer.Option(
            "--selector",
            "-l",
            help="Roll back every workload this label selector picks, together (as a release).",
        ),
    ] = None,
    to_release: Annotated[
        int | None,
        typer.Option("--to-release", help="release/NAME: the recorded release to go back to."),
    ] = None,
    no_restore: Annotated[
        bool,
        typer.Option(
            "--no-restore",
            help="release/NAME: when one workload's patch fails, leave the ones already "
            "rolled back as they are (default: put them back).",
        ),
    ] = False,
    delete_canary: Annotated[
        bool,
        typer.Option(
            "--delete-canary",
            help="release/NAME: also delete the canary workloads a failed Harness canary "
            "left (shown in the plan).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    from . import commands

    commands.rollback(
        workload=workload or [],
        namespace=namespace,
        context=context,
        kubeconfig=kubeconfig,
        to_revision=to_revision,
        to=to,
        dry_run=dry_run,
        output=output,
        yes=yes,
        wait=wait,
        timeout=timeout,
        require_healthy=require_healthy,
        show_secrets=show_secrets,
        demo=demo,
        read_only=read_only,
        force=force,
        scale_up=scale_up,
        request_timeout=request_timeout,
        selector=selector,
        to_release=to_release,
        restore=not no_restore,
        delete_canary=delete_canary,
        quiet=quiet,
    )


@app.command(
    "history",
    cls=Command,
    context_settings=HELP,
    help="Show a workload's revisions with evidence of health.\n\n" + EXAMPLES_HISTORY,
)
def history_command(
    workload: Annotated[
        list[str],
        typer.Argument(
            help="TYPE/NAME or TYPE NAME, e.g. deploy/web.", autocompletion=workload_autocompletion
        ),
    ],
    namespace: Namespace = None,
    context: Context = None,
    kubeconfig: Kubeconfig = None,
    output: Output = None,
    revision: Annotated[
        int | None, typer.Option("--revision", help="Show one revision's pod template.")
    ] = None,
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", help="Show secret-looking environment values.")
    ] = False,
    demo: Demo = False,
    request_timeout: RequestTimeout = "30s",
) -> None:
    from . import commands

    commands.history(
        workload=workload,
        namespace=namespace,
        context=context,
        kubeconfig=kubeconfig,
        output=output,
        revision=revision,
        show_secrets=show_secrets,
        request_timeout=request_timeout,
        demo=demo,
    )


@app.command(
    "releases",
    cls=Command,
    context_settings=HELP,
    help="List the releases of a namespace (Harness, Helm, Argo CD, Flux) with their "
    "workloads and the release each would go back to.",
)
def releases_command(
    namespace: Namespace = None,
    context: Context = None,
    kubeconfig: Kubeconfig = None,
    output: Output = None,
    demo: Demo = False,
    request_timeout: RequestTimeout = "30s",
) -> None:
    from . import commands

    commands.releases(
        namespace=namespace,
        context=context,
        kubeconfig=kubeconfig,
        output=output,
        request_timeout=request_timeout,
        demo=demo,
    )


@app.command(
    "apply",
    cls=Command,
    context_settings=HELP,
    help="Apply exactly a reviewed plan: kubectl rollback TYPE/NAME --dry-run -o json > plan.json, "
    "then kubectl rollback apply plan.json. Refuses, changing nothing, when the workload or "
    "the change has moved on since the review.",
)
def apply_command(
    path: Annotated[
        str, typer.Argument(help="The plan file (JSON or YAML; - reads standard input).")
    ],
    context: Context = None,
    kubeconfig: Kubeconfig = None,
    output: Output = None,
    quiet: Quiet = False,
    wait: Annotated[
        bool,
        typer.Option("--wait/--no-wait", help="Follow the rollout until it completes or fails."),
    ] = True,
    timeout: Annotated[
        str, typer.Option("--timeout", help="How long --wait follows the rollout (e.g. 90s, 5m).")
    ] = "10m",
    request_timeout: RequestTimeout = "30s",
) -> None:
    from . import commands

    commands.apply(
        path=path,
        context=context,
        kubeconfig=kubeconfig,
        output=output,
        wait=wait,
        timeout=timeout,
        request_timeout=request_timeout,
        quiet=quiet,
    )


EXAMPLES_GUARD = """\
Examples:

  # In a pipeline, right after deploying: follow the rollout; healthy (and still so after
  # --settle) records success; a failure is recorded and rolled back (exit 3)
  kubectl apply -f web.yaml && kubectl rollback guard deploy/web --notify "$HOOK"

  # Judge only: record the outcome, never roll back (exit 5 on a failure)
  kubectl rollback guard sts/db --no-rollback --timeout 15m

  # Keep following every rollout of a namespace, recording outcomes and rolling failures back
  kubectl rollback guard --watch-namespace shop --auto-rollback
"""


@app.command(
    "guard",
    cls=Command,
    context_settings=HELP,
    help="Follow a rollout until it is healthy or has failed, record the outcome on the "
    "revision, and roll a failure back to the last successful revision.\n\n"
    "Exit codes: 0 healthy (success recorded); 3 failed and rolled back (the rollback is "
    "healthy); 4 failed, rolled back, and the rollback failed too; 5 failed and not rolled "
    "back (--no-rollback, or no revision with evidence of success); 1 error; 2 usage; "
    "130/143 interrupted.\n\n" + _unwrapped(EXAMPLES_GUARD),
)
def guard_command(
    workload: Annotated[
        list[str] | None,
        typer.Argument(
            help="TYPE/NAME or TYPE NAME: a Deployment, StatefulSet or DaemonSet.",
            autocompletion=workload_autocompletion,
        ),
    ] = None,
    namespace: Namespace = None,
    context: Context = None,
    kubeconfig: Kubeconfig = None,
    output: Output = None,
    settle: Annotated[
        str,
        typer.Option(
            "--settle", help="How long the new pods must stay Ready after the rollout completes."
        ),
    ] = "30s",
    grace: Annotated[
        str,
        typer.Option(
            "--grace",
            help="How long new pods may wait in ImagePullBackOff, CrashLoopBackOff, ErrImagePull "
            "or CreateContainerConfigError before the rollout counts as failed.",
        ),
    ] = "2m",
    timeout: Annotated[
        str,
        typer.Option("--timeout", help="How long a rollout may take to become healthy."),
    ] = "10m",
    no_rollback: Annotated[
        bool, typer.Option("--no-rollback", help="Record the outcome only; never roll back.")
    ] = False,
    max_rollbacks: Annotated[
        int,
        typer.Option("--max-rollbacks", help="Roll back at most this many times in a row."),
    ] = 1,
    notify_url: Annotated[
        str | None,
        typer.Option(
            "--notify",
            metavar="URL",
            help="POST the GuardResult to this webhook (its query string is never printed).",
        ),
    ] = None,
    notify_format: Annotated[
        str,
        typer.Option("--notify-format", help='json (the GuardResult) or slack ({"text": ...}).'),
    ] = "json",
    watch_namespace: Annotated[
        str | None,
        typer.Option(
            "--watch-namespace",
            metavar="NS",
            help="Keep following every rollout in this namespace (runs until stopped).",
        ),
    ] = None,
    all_namespaces: Annotated[
        bool,
        typer.Option("--all", "-A", help="With no workload: keep following every namespace."),
    ] = False,
    auto_rollback: Annotated[
        bool,
        typer.Option(
            "--auto-rollback", help="--watch-namespace/--all: also roll back failed rollouts."
        ),
    ] = False,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="Run against the built-in simulated cluster (demo scenario)."),
    ] = False,
    request_timeout: RequestTimeout = "30s",
) -> None:
    from . import guard as guard_cli

    guard_cli.command(
        workload=workload or [],
        namespace=namespace,
        context=context,
        kubeconfig=kubeconfig,
        output=output,
        settle=settle,
        grace=grace,
        timeout=timeout,
        rollback=not no_rollback,
        max_rollbacks=max_rollbacks,
        notify_url=notify_url,
        notify_format=notify_format,
        watch_namespace=watch_namespace,
        all_namespaces=all_namespaces,
        auto_rollback=auto_rollback,
        demo=demo,
        request_timeout=request_timeout,
    )


@app.command(
    "record",
    cls=Command,
    context_settings=HELP,
    help="Record that the current revision of a workload succeeded or failed (for pipelines "
    "that judge health themselves: smoke tests, metrics). The record is evidence for the "
    "next rollback's choice of target.\n\n"
    "\b\nExamples:\n  kubectl rollback record deploy/web --success --reason 'smoke tests passed'\n"
    "  kubectl rollback record sts/db --failure --reason 'p99 latency doubled'",
)
def record_command(
    workload: Annotated[
        list[str],
        typer.Argument(
            help="TYPE/NAME or TYPE NAME: a Deployment, StatefulSet or DaemonSet.",
            autocompletion=workload_autocompletion,
        ),
    ],
    success: Annotated[bool, typer.Option("--success", help="The revision is good.")] = False,
    failure: Annotated[bool, typer.Option("--failure", help="The revision is bad.")] = False,
    reason: Annotated[
        str, typer.Option("--reason", help="One line saying why (secrets are masked).")
    ] = "",
    revision: Annotated[
        int | None,
        typer.Option("--revision", help="Record on this revision instead of the current one."),
    ] = None,
    namespace: Namespace = None,
    context: Context = None,
    kubeconfig: Kubeconfig = None,
    output: Output = None,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="Run against the built-in simulated cluster (demo scenario)."),
    ] = False,
    request_timeout: RequestTimeout = "30s",
) -> None:
    from . import guard as guard_cli

    guard_cli.record_command(
        workload=workload,
        success=success,
        failure=failure,
        reason=reason,
        revision=revision,
        namespace=namespace,
        context=context,
        kubeconfig=kubeconfig,
        output=output,
        demo=demo,
        request_timeout=request_timeout,
    )


@app.command(
    "sim",
    cls=Command,
    context_settings=HELP,
    help="Run the simulated Kubernetes cluster in the foreground.\n\n" + EXAMPLES_SIM,
)
def sim_command(
    port: Annotated[
        int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).")
    ] = 0,
    scenario: Annotated[
        str,
        typer.Option("--scenario", help="Scenario to load: empty, demo, bluegreen or releases."),
    ] = "demo",
    write_kubeconfig: Annotated[
        str | None,
        typer.Option("--write-kubeconfig", help="Write a kubeconfig for the cluster to this path."),
    ] = None,
    time_scale: Annotated[
        float, typer.Option("--time-scale", help="Simulated seconds per real second.")
    ] = 1.0,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            metavar="SPEC",
            help='Inject a fault (repeatable): "VERB RESOURCE[/NAME] EFFECT [xCOUNT]", '
            'e.g. "PATCH deployments lost", "LIST pods 429 x3", "WATCH deployments cut". '
            "EFFECT: an HTTP status, reset, lost, delay=SECONDS, cut or expire.",
        ),
    ] = None,
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


def _declared_help(command: str, param: str) -> str:
    """The help a command's function declares for an argument (Click 8.2+ drops what Typer
    passes it for arguments)."""
    for info in app.registered_commands:
        if info.name == command and info.callback is not None:
            declared = typer.utils.get_params_from_function(info.callback).get(param)
            return str(getattr(declared.default, "help", None) or "") if declared else ""
    return ""


def _dispatch(argv: list[str]) -> None:
    """Subcommands go to the group; anything else is the default rollback command.

    Calling the rollback command directly (not as `rollback` under the group) keeps its
    usage line `kubectl rollback [OPTIONS] [WORKLOAD]...`, as users type it. A bare
    `--dry-run` means `--dry-run=client`, as in kubectl. Global flags (-n, --context,
    --kubeconfig, --demo, --request-timeout, -o) may come before a subcommand, as kubectl's
    do: they are moved behind its name.
    """
    args = ["--dry-run=client" if a == "--dry-run" else a for a in argv]
    rollback = _command("rollback")  # its options are the global flags
    flags = global_flags(rollback)
    args = subcommand_first(args, SUBCOMMANDS, flags)
    if os.environ.get(COMPLETE_VAR):  # a script from --show-completion asks for completions
        from .completion import run_shell_completion

        raise typer.Exit(
            run_shell_completion(typer.main.get_command(app), os.environ[COMPLETE_VAR])
        )
    if args and args[0] in ("--install-completion", "--show-completion"):
        # Completion scripts are for the `kubectl-rollback` command: `kubectl rollback` is
        # completed by kubectl itself, through `kubectl_complete-rollback`.
        typer.main.get_command(app).main(
            args=args, prog_name=COMPLETION_PROG, complete_var=COMPLETE_VAR, standalone_mode=False
        )
    elif args and args[0] in SUBCOMMANDS:
        # Only the command that runs is built from its function (not the whole group): its
        # usage line and errors read `kubectl rollback history ...` as under the group.
        _command(args[0]).main(args=args[1:], prog_name=f"{PROG} {args[0]}", standalone_mode=False)
    else:
        check_command_word(args, SUBCOMMANDS, flags)
        rollback.main(args=args, prog_name=PROG, standalone_mode=False)


def _command(name: str) -> Any:
    """The Click command of one of the app's commands, built from its Typer definition."""
    (info,) = [c for c in app.registered_commands if c.name == name]
    return typer.main.get_command_from_info(
        info,
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
    )


def run(argv: list[str]) -> int:
    """Run the command line; returns the exit code (errors end as one line on stderr)."""
    from ..core import errors
    from ..interrupts import Stopped, raising

    try:
        with raising():
            _dispatch(argv)
    except Stopped as exc:
        _error_line(str(exc))
        return exc.exit_code
    except Failure as exc:
        if str(exc):
            _error_line(str(exc))
        return exc.exit_code
    except errors.RollbackError as exc:
        _error_line(str(exc))
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except _click_errors() as exc:
        _error_line(exc.format_message())
        return 2
    except KeyboardInterrupt:
        _error_line("interrupted")
        return 130
    except BrokenPipeError:
        return 1
    return 0


def _click_errors() -> Any:
    """Typer >= 0.26 vendors Click as typer._click; older releases use click itself."""
    try:
        from typer._click.exceptions import ClickException
    except ImportError:  # pragma: no cover - older typer
        from click.exceptions import ClickException
    return ClickException


def _error_line(message: str) -> None:
    from ..core.rendering import terminal_safe

    text = terminal_safe(" ".join(str(message).split()))
    sys.stderr.write(f"error: {text}\n")


def main(argv: list[str] | None = None) -> int:
    """Console script `kubectl-rollback` (through kubectl_rollback.__main__)."""
    return run(sys.argv[1:] if argv is None else argv)


def complete_main(argv: list[str] | None = None) -> int:
    """Console script `kubectl_complete-rollback`: kubectl's completion of `kubectl rollback`."""
    from .completion import kubectl_complete_main

    return kubectl_complete_main(typer.main.get_command(app), argv)
