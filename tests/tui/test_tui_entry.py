"""How the UI is started: `kubectl rollback deploy/NAME` in a terminal, targets, and the demo hook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tui_helpers import SIZE, main_of, make_app, open_on, pilot_test

from kubectl_rollback.core.target import TargetSpec
from kubectl_rollback.sim import RunningCluster


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch, demo: RunningCluster) -> list[dict[str, Any]]:
    """Record run_app calls instead of starting the UI; the CLI believes it runs in a terminal."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("kubectl_rollback.tui.run_app", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr("kubectl_rollback.commands._interactive", lambda: True)
    monkeypatch.setenv("KUBECONFIG", demo.kubeconfig)
    return calls


def test_deploy_name_in_a_terminal_opens_the_ui_on_it(opened: list[dict[str, Any]]) -> None:
    from kubectl_rollback.cli import run

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


def test_yes_dry_run_and_output_keep_the_plain_command_line(
    opened: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    from kubectl_rollback.cli import run

    assert run(["deploy/web", "-n", "shop", "--dry-run=server"]) == 0
    assert run(["deploy/web", "-n", "shop", "--dry-run", "-o", "json"]) == 0
    assert opened == []
    assert "rolled back (server dry run)" in capsys.readouterr().out


def test_without_a_terminal_nothing_opens_and_nothing_changes(
    monkeypatch: pytest.MonkeyPatch, demo: RunningCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    from kubectl_rollback.cli import run

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
