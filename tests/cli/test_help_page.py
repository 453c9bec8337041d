"""help.py draws each command's page as Typer and Click draw it, at every width Click can
choose (the terminal's columns clamped to 50..78), so `--help` need not load Typer."""

from __future__ import annotations

import contextlib
import io

import pytest

from kubectl_rollback.cli import app, entry, spec
from kubectl_rollback.cli.args import Failure


def _typer_page(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(Failure):
        app.dispatch(argv)
    return out.getvalue()


def _our_page(argv: list[str]) -> str:
    line = entry.parse(argv)
    assert line is not None and line.help, argv
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        line.run()
    return out.getvalue()


LINES = [[c.name, "--help"] for c in spec.COMMANDS] + [["--help"], ["-n", "shop", "-h"]]


@pytest.mark.parametrize("columns", [20, 50, 51, 57, 63, 66, 70, 74, 77, 78, 79, 80, 81, 200])
def test_every_page_is_the_one_typer_draws(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    for argv in LINES:
        ours = _our_page(argv)
        assert ours.startswith("Usage: kubectl rollback")
        assert ours == _typer_page(argv), argv


def test_every_width_click_can_choose(monkeypatch: pytest.MonkeyPatch) -> None:
    for columns in range(52, 81):
        monkeypatch.setenv("COLUMNS", str(columns))
        for argv in LINES:
            assert _our_page(argv) == _typer_page(argv), (columns, argv)
