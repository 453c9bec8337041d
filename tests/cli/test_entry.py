"""cli/entry.py reads the everyday command lines without Typer, exactly as Typer would.

Every line is read twice: by entry.parse (the fast path) and by Typer (app.dispatch), each
calling the same functions underneath, which record what they were called with. Where the
fast path takes a line, both must call the same function with the same values (or raise
the same usage error); the lines it leaves to Typer are Typer's alone.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_rollback import sim
from kubectl_rollback.cli import app, apply, commands, entry, guard, history, releases, spec
from kubectl_rollback.cli.args import Failure


class Called(Exception):
    """What a command's work would have been called with (raised: nothing runs)."""

    def __init__(self, name: str, values: dict[str, Any]) -> None:
        super().__init__(name)
        self.call = (name, values)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    def recorder(name: str) -> Any:
        def record(**values: Any) -> None:
            raise Called(name, values)

        return record

    for module, name in (
        (commands, "rollback"),
        (history, "history"),
        (releases, "releases"),
        (apply, "apply"),
        (guard, "command"),
        (guard, "record_command"),
        (sim, "serve_forever"),
    ):
        monkeypatch.setattr(module, name, recorder(f"{module.__name__}.{name}"))


def _fast(argv: list[str]) -> Any:
    """What the fast path does with the line: None (Typer's), a call, or a usage error."""
    try:
        line = entry.parse(argv)
        if line is None:
            return None
        if line.help:
            return ("help", line.prog, line.command.name)
        line.command.run(**line.values)
    except Called as called:
        return called.call
    except Failure as failure:
        return ("failure", str(failure), failure.exit_code)
    raise AssertionError(f"{argv}: the command ran without calling its work")


def _typer(argv: list[str]) -> Any:
    try:
        line = entry.parse(argv)
        if line is not None and line.help:  # the page itself: test_help_page.py
            return ("help", line.prog, line.command.name)
        app.dispatch(argv)
    except Called as called:
        return called.call
    except Failure as failure:
        return ("failure", str(failure), failure.exit_code)
    raise AssertionError(f"{argv}: Typer ran the command without calling its work")


EVERYDAY = [
    [],
    ["--demo"],
    ["deploy/web", "--yes"],
    ["-n", "shop", "deploy/web", "--dry-run"],
    ["-nshop", "deploy", "web", "--dry-run=server", "-o", "json"],
    ["--namespace=shop", "sts/db", "--to-revision", "3", "--yes", "--no-wait", "-q"],
    ["deploy/web", "--to", "nginx:1.25", "-y", "--timeout", "5m", "--wait"],
    ["svc/web", "--to", "blue", "--scale-up", "--force", "--yes"],
    ["release/shop", "--to-release", "2", "--no-restore", "--delete-canary", "--yes"],
    ["-l", "app=web", "--yes", "--request-timeout", "10s", "--context", "kind-kind"],
    ["--read-only", "--kubeconfig", "/tmp/kc"],
    ["history", "deploy/web", "-n", "shop"],
    ["-n", "shop", "history", "deploy/web", "--revision", "2", "-o", "yaml"],
    ["history", "sts", "db", "--show-secrets", "--demo"],
    ["rollback", "deploy/web", "--dry-run"],
    ["releases", "-n", "shop", "-o", "json"],
    ["apply", "plan.json", "--no-wait", "-q"],
    ["guard", "deploy/web", "--settle", "10s", "--grace", "1m", "--no-rollback"],
    ["guard", "--watch-namespace", "shop", "--auto-rollback", "-A", "--max-rollbacks", "2"],
    ["record", "deploy/web", "--success", "--reason", "smoke tests passed"],
    ["sim", "--port", "0", "--fault", "PATCH deployments lost", "--fault", "LIST pods 429"],
    ["sim", "--time-scale", "2.5", "--scenario", "bluegreen"],
    ["deploy/web", "--to", "--yes"],  # --to takes the next word, whatever it is
    ["deploy/web", "--dry-run", "--to-revision", " 3"],  # int() as Click's INT
    ["deploy/web", "-o", "json", "-o", "yaml", "--wait", "--no-wait"],  # the last wins
    ["histroy", "deploy/web"],  # a misspelt subcommand: the same usage error
]

HELP = [
    (["--help"], "kubectl rollback", "rollback"),
    (["-n", "shop", "deploy/web", "-h"], "kubectl rollback", "rollback"),
    (["rollback", "--help"], "kubectl rollback rollback", "rollback"),
    (["-n", "shop", "history", "--help"], "kubectl rollback history", "history"),
    (["guard", "--timeout", "x", "-h"], "kubectl rollback guard", "guard"),
]


@pytest.mark.parametrize(("argv", "prog", "name"), HELP, ids=lambda v: str(v))
def test_help_anywhere_an_option_may_be_is_the_commands_page(
    argv: list[str], prog: str, name: str
) -> None:
    line = entry.parse(argv)
    assert line is not None and line.help
    assert (line.prog, line.command.name) == (prog, name)


@pytest.mark.parametrize("argv", EVERYDAY, ids=" ".join)
def test_everyday_lines_are_read_without_typer_as_typer_reads_them(
    recorded: None, argv: list[str]
) -> None:
    fast = _fast(argv)
    assert fast is not None, f"{argv} left to Typer"
    assert fast == _typer(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["deploy/web", "--version"],
        ["--help", "--version"],
        ["deploy/web", "-h", "--bogus"],
        ["deploy/web", "--bogus"],
        ["deploy/web", "-yq"],
        ["deploy/web", "--yes=1"],
        ["deploy/web", "--to"],
        ["deploy/web", "--to-revision", "x"],
        ["-n=shop", "deploy/web"],
        ["deploy/web", "--", "--yes"],
        ["history"],
        ["apply"],
        ["apply", "a.json", "b.json"],
        ["releases", "deploy/web"],
        ["sim", "--port", "-"],
        ["--show-completion", "bash"],
    ],
    ids=" ".join,
)
def test_lines_the_fast_path_is_not_sure_of_go_to_typer(recorded: None, argv: list[str]) -> None:
    assert _fast(argv) is None


def _tokens(command: spec.Command) -> st.SearchStrategy[list[str]]:
    """Words of a line for `command`: its options in every spelling, with values that
    convert and values that do not, arguments, and words Click treats specially."""
    values = st.sampled_from(["shop", "3", " 4", "1_0", "-1", "x", "", "2.5", "nan", "--yes"])
    pieces: list[st.SearchStrategy[list[str]]] = [
        st.sampled_from([["deploy/web"], ["deploy"], ["web"], ["sts/db"], ["-"], ["--"]]),
        st.sampled_from([["-h"], ["--version"], ["-yq"], ["--bogus"], ["-Z"], ["history"]]),
    ]
    for param in command.params:
        on, off = param.spellings()
        for spelling in (*on, *off):
            if param.flag:
                pieces.append(st.sampled_from([[spelling], [spelling + "=1"]]))
            elif spelling.startswith("--"):
                pieces.append(values.map(lambda v, s=spelling: [s, v]))
                pieces.append(values.map(lambda v, s=spelling: [f"{s}={v}"]))
            else:
                pieces.append(values.map(lambda v, s=spelling: [s + v]))
                pieces.append(values.map(lambda v, s=spelling: [s, v]))
    line = st.lists(st.one_of(pieces), max_size=6).map(lambda chunks: sum(chunks, []))
    argument = st.sampled_from([[], ["deploy/web"], ["plan.json"]])
    return st.tuples(argument, line, argument).map(lambda t: [*t[0], *t[1], *t[2]])


@pytest.mark.parametrize("command", spec.COMMANDS, ids=lambda c: c.name)
def test_any_line_the_fast_path_takes_typer_reads_the_same(
    recorded: None, command: spec.Command
) -> None:
    taken = 0

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(_tokens(command))
    def check(words: list[str]) -> None:
        nonlocal taken
        argv = words if command is spec.ROLLBACK else [command.name, *words]
        fast = _fast(argv)
        if fast is not None:
            taken += 1
            assert fast == _typer(argv), argv

    check()
    assert taken >= 5  # the lines drawn are not all left to Typer


def test_the_typer_app_declares_what_spec_declares() -> None:
    """Typer builds each command from spec.py: the same spellings, switches, types and
    defaults the fast path reads."""
    for declared in spec.COMMANDS:
        click_command = app._command(declared.name)
        built = {p.name: p for p in click_command.params}
        assert set(built) == {p.name for p in declared.params}, declared.name
        for param in declared.params:
            made = built[param.name]
            on, off = param.spellings()
            if param.argument:
                assert made.param_type_name == "argument"
                assert made.nargs == (-1 if param.many else 1)
                assert made.required is param.required
                continue
            assert (tuple(made.opts), tuple(made.secondary_opts)) == (on, off), param.name
            assert made.is_flag is param.flag, param.name
            assert made.multiple is param.many, param.name
            assert made.is_eager is param.eager, param.name
            if not param.many:
                assert made.default == param.default, param.name
