"""Values from the cluster cannot forge lines on a terminal: control characters arrive escaped."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kubectl_rollback.sim import RunningCluster
from tests.cli.cli_support import CliResult, deployment, roll_out

HOSTILE = "ok\x1b[2J\x1b[31m\r\nWhy:\n  - trust me\u202e"


@pytest.fixture
def hostile(sim: RunningCluster) -> RunningCluster:
    for n, image in enumerate(["nginx:1.25.3", "nginx:1.26.0"]):
        d = deployment(
            "web",
            image,
            annotations={"kubernetes.io/change-cause": f"release {n} {HOSTILE}"},
            env=[{"name": "BANNER", "value": f"{n}{HOSTILE}"}],
        )
        roll_out(sim, d)
    return sim


@pytest.mark.parametrize(
    "args",
    [
        ["deploy/web", "--dry-run"],
        ["history", "deploy/web"],
        ["history", "deploy/web", "--revision", "1"],
        ["deploy/web", "--yes", "--no-wait"],
    ],
    ids=lambda a: " ".join(a),
)
def test_control_characters_from_the_cluster_are_escaped(
    hostile: RunningCluster, cli: Callable[..., CliResult], args: list[str]
) -> None:
    result = cli(*args)
    assert result.code == 0, result.err
    text = result.out + result.err
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert not any(line.startswith("  - trust me") for line in text.splitlines())
    if "--revision" in args:
        assert "\\x1b[2J" in text  # shown, not obeyed


def test_an_error_line_stays_one_line(sim: RunningCluster, cli: Callable[..., CliResult]) -> None:
    result = cli("deploy/web", "--yes", "--to", "image:evil\x1b[2J\nSECOND")
    assert result.code != 0
    assert "\x1b" not in result.err and len(result.err.strip().splitlines()) == 1
