"""Malformed arguments are usage errors (exit 2, one line) before a request reaches the cluster."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kubectl_rollback.sim import RunningCluster
from tests.cli.cli_support import CliResult, history_of

CASES = [
    (["deploy/web", "--yes", "--to", ""], "--to is empty"),
    (["deploy/web", "--yes", "--to", "   "], "--to is empty"),
    (["deploy/web", "--yes", "--to", "0"], "--to must be a positive revision number, got 0"),
    (
        ["deploy/web", "--yes", "--to-revision", "0"],
        "--to-revision must be a positive revision number, got 0",
    ),
    (["deploy/web", "--yes", "--to", "revision:"], "empty target after revision:"),
    (["deploy/web", "--yes", "--timeout", "5"], 'invalid duration "5" for --timeout: missing unit'),
    (["deploy/web", "--yes", "--timeout", "5x"], 'invalid duration "5x"'),
    (
        ["deploy/web", "--yes", "-o", "table"],
        'unable to match a printer suitable for the output format "table"',
    ),
    (["deploy/web", "--yes", "--dry-run=maybe"], "Invalid dry-run value (maybe)"),
    (
        ["pods/web", "--yes"],
        "pods cannot be rolled back: kubectl rollback rolls back "
        "Deployments, StatefulSets and DaemonSets",
    ),
    (["rollback", "pod/x", "--yes"], "pods cannot be rolled back"),
    (["rs", "web-abc", "--yes"], "roll back the Deployment that owns it"),
    (["frobs/web", "--yes"], 'the server doesn\'t have a resource type "frobs"'),
    (["rollback", "deploy", "--yes"], "you must name the deployment: kubectl rollback deploy/NAME"),
    (["sts", "--yes"], "you must name the statefulset"),
    (
        ["histroy", "deploy/web"],
        'unknown command "histroy" for "kubectl rollback": did you mean "history"?',
    ),
    (["-n", "default", "relases"], 'did you mean "releases"?'),
    (["release/shop", "--yes", "--to-revision", "1"], "apply to one workload or Service"),
    (["release/shop", "--yes", "--to-release", "0"], "--to-release must be a positive release"),
    (["deploy/web", "--yes", "--to-release", "2"], "--to-release applies to release/NAME"),
    (["deploy/web", "--yes", "--no-restore"], "--no-restore applies to release/NAME"),
    (["-l", "", "--yes"], "-l/--selector is empty"),
    (["-l", "app=web", "deploy/web", "--yes"], "name no TYPE/NAME with it"),
]


@pytest.mark.parametrize(("args", "says"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_malformed_arguments_change_nothing(
    sim: RunningCluster, cli: Callable[..., CliResult], args: list[str], says: str
) -> None:
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0"])
    sim.cluster.count_requests = True
    result = cli(*args)
    assert result.code == 2, (result.code, result.err)
    line = result.err.strip()
    assert len(line.splitlines()) == 1 and line.startswith("error: ") and says in line, line
    writes = [r for r in sim.cluster.requests if r[0] != "GET"]
    assert writes == [], f"a malformed command wrote to the cluster: {writes}"
    image = sim.cluster.get("deployments", "default", "web")["spec"]["template"]["spec"][
        "containers"
    ][0]["image"]
    assert image == "nginx:1.26.0"


def test_a_zero_timeout_is_a_go_duration(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0"])
    result = cli("deploy/web", "--dry-run", "--timeout", "0")
    assert result.code == 0, result.err


def test_kubeconfig_takes_a_list(
    sim: RunningCluster, cli: Callable[..., CliResult], tmp_path: object
) -> None:
    from pathlib import Path

    import yaml

    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0"])
    doc = yaml.safe_load(Path(sim.kubeconfig).read_text())
    users = {"apiVersion": "v1", "kind": "Config", "users": doc.pop("users")}
    base = Path(str(tmp_path))
    (base / "a").write_text(yaml.safe_dump(doc))
    (base / "b").write_text(yaml.safe_dump(users))
    sim.cluster.required_token = "sim-token"
    result = cli("history", "deploy/web", "--kubeconfig", f"{base / 'a'}:{base / 'b'}")
    assert result.code == 0, result.err
    assert "nginx:1.25.3" in result.out
