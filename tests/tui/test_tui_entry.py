"""How the UI is started: `kubectl rollback deploy/NAME` in a terminal, targets, the demo hook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kubectl_rollback.core.target import TargetSpec
from kubectl_rollback.sim import RunningCluster
from tests.tui.tui_helpers import SIZE, main_of, make_app, open_on, pilot_test


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch, demo: RunningCluster) -> list[dict[str, Any]]:
    """Record run_app calls instead of starting the UI; the CLI believes it runs in a terminal."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("kubectl_rollback.tui.run_app", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr("kubectl_rollback.cli.commands.interactive", lambda: True)
    monkeypatch.setenv("KUBECONFIG", demo.kubeconfig)
    return calls


def test_deploy_name_in_a_terminal_opens_the_ui_on_it(opened: list[dict[str, Any]]) -> None:
    from kubectl_rollback.cli.entry import run

    assert run(["deploy/web", "-n", "shop"]) == 0
    assert opened == [
        dict(
            namespace="shop",
            context=None,
            kubeconfig=None,
            demo=False,
            read_only=False,
            workload="web",
            target=None,
            workload_kind="Deployment",
            request_timeout=30.0,
        )
    ]
    assert run(["deployment", "checkout", "-n", "shop", "--to-revision", "2"]) == 0
    assert opened[-1]["workload"] == "checkout" and opened[-1]["target"] == TargetSpec.revision(2)
    assert run(["sts/db", "-n", "shop"]) == 0
    assert (opened[-1]["workload"], opened[-1]["workload_kind"]) == ("db", "StatefulSet")
    assert run(["daemonset", "node-agent", "-n", "shop", "--to-revision", "1"]) == 0
    assert (opened[-1]["workload_kind"], opened[-1]["target"]) == (
        "DaemonSet",
        TargetSpec.revision(1),
    )


def test_request_timeout_reaches_the_ui_when_it_opens(opened: list[dict[str, Any]]) -> None:
    from kubectl_rollback.cli.entry import run

    assert run(["--request-timeout", "7s"]) == 0
    assert opened[-1]["request_timeout"] == 7.0 and opened[-1]["workload"] is None
    assert run(["--demo", "--request-timeout", "1m30s"]) == 0
    assert (opened[-1]["demo"], opened[-1]["request_timeout"]) == (True, 90.0)
    assert run(["deploy/web", "-n", "shop", "--request-timeout", "0"]) == 0
    assert (opened[-1]["workload"], opened[-1]["request_timeout"]) == ("web", 0.0)
    assert run([]) == 0
    assert opened[-1]["request_timeout"] == 30.0  # the default, as for the other commands


@pytest.mark.parametrize(
    "args",
    [
        ["--request-timeout", "5"],
        ["--demo", "--request-timeout", "5"],
        ["deploy/web", "-n", "shop", "--request-timeout", "5"],
    ],
    ids=["ui", "demo", "ui-on-a-workload"],
)
def test_a_malformed_request_timeout_is_a_usage_error_before_the_ui_opens(
    opened: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    from kubectl_rollback.cli.entry import run

    capsys.readouterr()
    assert run(args) == 2
    assert opened == []
    assert capsys.readouterr().err == (
        'error: invalid duration "5" for --request-timeout: missing unit (e.g. 5s or 5m)\n'
    )


@pytest.mark.parametrize("demo_flag", [False, True], ids=["kubeconfig", "demo"])
def test_the_uis_connections_take_the_request_timeout(
    monkeypatch: pytest.MonkeyPatch, demo: RunningCluster, demo_flag: bool
) -> None:
    """From the command line through run_app and its Connector to the connected gateway."""
    from kubectl_rollback.cli.entry import run
    from kubectl_rollback.tui.app import RollbackApp

    seen: list[float] = []

    def connect_instead_of_running(app: RollbackApp) -> None:
        gateway = app.connector.connect(None, "shop")
        try:
            seen.append(gateway.request_timeout)  # type: ignore[attr-defined]
        finally:
            gateway.close()

    monkeypatch.setattr(RollbackApp, "run", connect_instead_of_running)
    monkeypatch.setattr("kubectl_rollback.cli.commands.interactive", lambda: True)
    monkeypatch.setenv("KUBECONFIG", demo.kubeconfig)
    assert run(["--request-timeout", "7s", *(["--demo"] if demo_flag else [])]) == 0
    assert run(["deploy/web", "-n", "shop", *(["--demo"] if demo_flag else [])]) == 0
    assert seen == [7.0, 30.0]


def test_yes_dry_run_and_output_keep_the_plain_command_line(
    opened: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    from kubectl_rollback.cli.entry import run

    assert run(["deploy/web", "-n", "shop", "--dry-run=server"]) == 0
    assert run(["deploy/web", "-n", "shop", "--dry-run", "-o", "json"]) == 0
    assert opened == []
    assert "rolled back (server dry run)" in capsys.readouterr().out


def test_without_a_terminal_nothing_opens_and_nothing_changes(
    monkeypatch: pytest.MonkeyPatch, demo: RunningCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    from kubectl_rollback.cli.entry import run

    calls: list[object] = []
    monkeypatch.setattr("kubectl_rollback.tui.run_app", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setenv("KUBECONFIG", demo.kubeconfig)
    before = demo.cluster.get("deployments", "shop", "web")["metadata"]["resourceVersion"]
    assert run(["deploy/web", "-n", "shop"]) == 2
    assert calls == []
    assert "not running in a terminal" in capsys.readouterr().err
    assert demo.cluster.get("deployments", "shop", "web")["metadata"]["resourceVersion"] == before


@pilot_test
async def test_an_explicit_target_is_highlighted_and_previewed(demo: RunningCluster) -> None:
    app = make_app(demo, workload="checkout", target=TargetSpec.revision(2))
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "checkout")
        main = main_of(app)
        assert main.preview.plan.to_revision.number == 2
        assert main.query_one("#revisions-table").cursor_row == 1


def test_demo_kubeconfig_hook_writes_the_simulated_clusters_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo: RunningCluster
) -> None:
    from kubectl_rollback.tui import DEMO_KUBECONFIG_ENV, _share_demo_kubeconfig

    _share_demo_kubeconfig(demo.kubeconfig)  # unset: writes nothing
    target = tmp_path / "nested" / "demo.kubeconfig"
    monkeypatch.setenv(DEMO_KUBECONFIG_ENV, str(target))
    _share_demo_kubeconfig(demo.kubeconfig)
    assert target.read_text() == Path(demo.kubeconfig).read_text()
