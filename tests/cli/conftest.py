"""Fixtures for the command line against the simulated cluster: build histories, run the CLI."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from kubectl_rollback.sim import RunningCluster
from tests.cli.cli_support import CliResult
from tests.clusters import running_clock


@pytest.fixture
def cli(
    sim: RunningCluster, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliResult]:
    """Run `kubectl rollback ARGS` in-process against `sim` (KUBECONFIG points at it)."""
    from kubectl_rollback.cli.entry import run

    monkeypatch.setenv("KUBECONFIG", sim.kubeconfig)

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def ticking(sim: RunningCluster) -> Iterator[Callable[[], None]]:
    """Start moving the simulated clock in the background (for commands that --wait)."""
    with contextlib.ExitStack() as stack:
        yield lambda: stack.enter_context(running_clock(sim.cluster))
