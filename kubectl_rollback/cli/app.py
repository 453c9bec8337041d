"""The command line's Typer app, built from the declarations of spec.py, and its dispatch.

entry.py runs the everyday command lines without it; every other line comes here: help,
shell completion, usage errors (Click's messages), and anything entry.py is not sure of.
`kubectl rollback` with no workload in a terminal opens the terminal UI; with a workload it
plans and performs a rollback; `history` shows revisions; `sim` runs the simulated cluster.
What each command does is in its own module (commands.py, history.py, apply.py, ...),
imported only when the command runs, so `--help` stays fast. Nothing here decides
anything about rollbacks: the core does.
"""

import inspect
import os
import types
from collections.abc import Callable
from typing import Annotated, Any

import typer

from .. import version_line
from . import completers, spec
from .args import COMPLETE_VAR, COMPLETION_PROG, check_command_word, exit_quietly, fail
from .ending import outcome
from .spec import PROG, SUBCOMMANDS

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


def _declared_help(command: str, param: str) -> str:
    """The help spec.py declares for an argument (Click 8.2+ drops what Typer passes it)."""
    return next((p.help for p in spec.command_named(command).params if p.name == param), "")


app = typer.Typer(
    name=PROG,
    add_completion=True,
    no_args_is_help=False,
    context_settings=HELP,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help=spec.APP_HELP,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(version_line())
        raise typer.Exit()


def _annotation(param: spec.Param) -> Any:
    """The Typer annotation of a declared parameter: its type, and its typer.Argument/Option."""
    kind: Any = types.GenericAlias(list, (param.type,)) if param.many else param.type
    if not param.required and (param.default is None):
        kind = kind | None
    complete = getattr(completers, param.complete) if param.complete else None
    if param.argument:
        return Annotated[kind, typer.Argument(help=param.help, autocompletion=complete)]
    info = typer.Option(
        *param.decls,
        help=param.help,
        metavar=param.metavar,
        autocompletion=complete,
        callback=_version_callback if param.eager else None,
        is_eager=param.eager,
    )
    return Annotated[kind, info]


def _typer_function(command: spec.Command) -> Callable[..., None]:
    """A function with the command's parameters as its signature (what Typer reads), calling
    the command's run with them."""

    def function(**values: Any) -> None:
        command.run(**values)

    empty = inspect.Parameter.empty
    function.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                p.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=empty if p.required else p.default,
                annotation=_annotation(p),
            )
            for p in command.params
        ]
    )
    function.__name__ = function.__qualname__ = f"{command.name}_command"
    return function


for _declared in spec.COMMANDS:
    app.command(_declared.name, cls=Command, context_settings=HELP, help=_declared.help)(
        _typer_function(_declared)
    )


def dispatch(argv: list[str]) -> None:
    """Subcommands go to their command; anything else is the default rollback command.

    Calling the rollback command directly (not as `rollback` under the group) keeps its
    usage line `kubectl rollback [OPTIONS] [WORKLOAD]...`, as users type it. The words are
    arranged as spec.arranged does for entry.py (a bare `--dry-run`, global flags first).
    """
    args = spec.arranged(argv)
    try:
        if os.environ.get(COMPLETE_VAR):  # a script from --show-completion asks for completions
            from .completion import run_shell_completion

            raise typer.Exit(
                run_shell_completion(typer.main.get_command(app), os.environ[COMPLETE_VAR])
            )
        if args and args[0] in ("--install-completion", "--show-completion"):
            # Completion scripts are for the `kubectl-rollback` command: `kubectl rollback` is
            # completed by kubectl itself, through `kubectl_complete-rollback`.
            typer.main.get_command(app).main(
                args=args,
                prog_name=COMPLETION_PROG,
                complete_var=COMPLETE_VAR,
                standalone_mode=False,
            )
        elif args and args[0] in SUBCOMMANDS:
            # Only the command that runs is built from its function (not the whole group): its
            # usage line and errors read `kubectl rollback history ...` as under the group.
            _command(args[0]).main(
                args=args[1:], prog_name=f"{PROG} {args[0]}", standalone_mode=False
            )
        else:
            check_command_word(args, SUBCOMMANDS, spec.global_flags())
            _command("rollback").main(args=args, prog_name=PROG, standalone_mode=False)
    except typer.Exit as exc:
        exit_quietly(int(exc.exit_code or 0))
    except _click_errors() as exc:
        fail(exc.format_message(), 2)


def _command(name: str) -> Any:
    """The Click command of one of the app's commands, built from its Typer definition."""
    (info,) = [c for c in app.registered_commands if c.name == name]
    return typer.main.get_command_from_info(
        info,
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
    )


def run(argv: list[str]) -> int:
    """Run the command line with Typer; returns the exit code (errors end as one line on
    stderr, Click's usage errors with exit code 2)."""
    return outcome(lambda: dispatch(argv))


def _click_errors() -> Any:
    """Typer >= 0.26 vendors Click as typer._click; older releases use click itself."""
    try:
        from typer._click.exceptions import ClickException
    except ImportError:  # pragma: no cover - older typer
        from click.exceptions import ClickException
    return ClickException


def complete_main(argv: list[str] | None = None) -> int:
    """Console script `kubectl_complete-rollback`: kubectl's completion of `kubectl rollback`."""
    from .completion import kubectl_complete_main

    return kubectl_complete_main(typer.main.get_command(app), argv)
