"""Every error a user can cause: one line on stderr, a documented exit code, nothing changed."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kubectl_rollback.core.execution import execute
from kubectl_rollback.core.model import WorkloadRef
from kubectl_rollback.core.rollback import prepare
from kubectl_rollback.sim import RunningCluster
from tests.cli.cli_support import CliResult, history_of


def _one_line(result: CliResult, code: int, expected: str) -> None:
    assert result.code == code, (result.code, result.err)
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    assert result.err.startswith("error: ")
    assert expected in result.err, result.err


@pytest.fixture
def web(sim: RunningCluster) -> RunningCluster:
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0"])
    return sim


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["pod/web", "--yes"], 2, "pods cannot be rolled back: kubectl rollback rolls back"),
        (["web", "--yes"], 2, 'you must specify the type of resource: "web"'),
        (["deploy/nope", "--yes"], 1, 'deployments.apps "nope" not found'),
        (["deploy/web", "-n", "nowhere", "--yes"], 1, 'namespaces "nowhere" not found'),
        (
            ["deploy/web", "--to-revision", "9", "--yes"],
            1,
            "unable to find specified revision 9 in history",
        ),
        (["deploy/web", "--to", "nginx:9.9", "--yes"], 1, "nginx:9.9"),
        (["deploy/web", "--timeout", "soon", "--yes"], 2, 'invalid duration "soon"'),
        (["deploy/web", "-o", "wide", "--dry-run"], 2, 'output format "wide"'),
        (["deploy/web", "--dry-run=maybe"], 2, "Invalid dry-run value (maybe)"),
        (["deploy/web", "--bogus"], 2, "No such option"),
    ],
)
def test_usage_and_lookup_errors(
    web: RunningCluster, cli: Callable[..., CliResult], args: list[str], code: int, message: str
) -> None:
    before = web.cluster.get("deployments", "default", "web")["metadata"]["resourceVersion"]
    _one_line(cli(*args), code, message)
    assert web.cluster.get("deployments", "default", "web")["metadata"]["resourceVersion"] == before


def test_no_history(sim: RunningCluster, cli: Callable[..., CliResult]) -> None:
    history_of(sim, "solo", ["nginx:1.25.3"])
    _one_line(cli("deploy/solo", "--yes"), 1, 'no rollout history found for deployment "solo"')


def test_forbidden(web: RunningCluster, cli: Callable[..., CliResult]) -> None:
    web.cluster.authorizer = lambda verb, group, plural, ns, name: (
        not (verb == "patch" and plural == "deployments")
    )
    _one_line(cli("deploy/web", "--yes"), 1, "forbidden")
    assert (
        web.cluster.get("deployments", "default", "web")["spec"]["template"]["spec"]["containers"][
            0
        ]["image"]
        == "nginx:1.26.0"
    )


def test_unauthorized(web: RunningCluster, cli: Callable[..., CliResult]) -> None:
    web.cluster.required_token = "another-token"
    _one_line(cli("deploy/web", "--yes"), 1, "You must be logged in to the server (Unauthorized)")


def test_unreachable(
    tmp_path: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again on exit: nothing listens there
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        f"clusters: [{{name: c, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
    )
    _one_line(
        cli("deploy/web", "--yes", "--kubeconfig", str(kubeconfig)),
        1,
        "Unable to connect to the server",
    )


def test_bad_kubeconfig_and_unknown_context(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    garbage = tmp_path / "garbage"
    garbage.write_text("{{{ not yaml")
    _one_line(cli("deploy/web", "--yes", "--kubeconfig", str(garbage)), 1, "kubeconfig")
    _one_line(
        cli("deploy/web", "--yes", "--kubeconfig", str(tmp_path / "missing")), 1, "no such file"
    )
    _one_line(
        cli("deploy/web", "--yes", "--context", "elsewhere"),
        1,
        "context was not found for specified context: elsewhere",
    )


def test_change_between_plan_and_execute_applies_nothing(web: RunningCluster) -> None:
    from kubectl_rollback.core.errors import Conflict
    from kubectl_rollback.kube.gateway import KubeGateway

    gw = KubeGateway.connect(web.kubeconfig)
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    plan = prepare(gw, WorkloadRef("Deployment", "default", "web"), now=now).plan(now=now)
    # Someone scales the Deployment after the preview.
    web.cluster.store.mutate(
        __import__("kubectl_rollback.sim.store", fromlist=["resource"]).resource(
            "apps", "deployments"
        ),
        "default",
        "web",
        lambda d: d["spec"].__setitem__("replicas", 5),
    )
    changed = web.cluster.get("deployments", "default", "web")
    with pytest.raises(Conflict) as err:
        execute(gw, plan, dry_run=False)
    assert "was changed since the plan was made" in str(err.value)
    assert "nothing was applied" in str(err.value)
    after = web.cluster.get("deployments", "default", "web")
    assert after["spec"]["template"] == changed["spec"]["template"]
    assert plan.ref == WorkloadRef("Deployment", "default", "web")


def test_errors_from_the_installed_script_have_no_traceback(web: RunningCluster) -> None:
    script = Path(sys.executable).with_name("kubectl-rollback")
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "kubectl_rollback"]
    proc = subprocess.run(
        [*argv, "deploy/nope", "--yes", "--kubeconfig", web.kubeconfig],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr == 'error: deployments.apps "nope" not found\n'
