"""--demo and the other global flags before or after every subcommand (the demo cluster)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.cli.cli_support import CliResult


@pytest.mark.parametrize(
    "args",
    [
        ["--demo", "history", "deploy/web"],
        ["history", "--demo", "deploy/web"],
        ["history", "deploy/web", "--demo"],
        ["--demo", "-n", "shop", "history", "deploy/web"],
        ["-n", "shop", "--demo", "-o", "json", "history", "deploy/web"],
    ],
    ids=" ".join,
)
def test_history_runs_on_the_demo_cluster_whatever_the_flag_order(
    cli: Callable[..., CliResult], args: list[str]
) -> None:
    result = cli(*args)
    assert result.code == 0, result.err
    if "json" in args:
        doc = json.loads(result.out)
        assert doc["workload"]["name"] == "web" and doc["workload"]["namespace"] == "shop"
    else:
        assert result.out.startswith("deployment.apps/web (namespace shop)"), result.out


@pytest.mark.parametrize("args", [["--demo", "releases"], ["releases", "--demo"]], ids=" ".join)
def test_releases_runs_on_the_demo_cluster(cli: Callable[..., CliResult], args: list[str]) -> None:
    result = cli(*args, "-o", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["kind"] == "ReleaseList"


def test_demo_before_the_rollback_subcommand(cli: Callable[..., CliResult]) -> None:
    result = cli("--demo", "rollback", "deploy/checkout", "--dry-run", "-o", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["plan"]["to"]["revision"] == 1
