"""The TUI's controllers without the app: connection, RBAC, selection, preview, rollback notices.

They hold the main screen's rules and import no Textual, so they are tried here on the
simulated cluster (or on plain values) without running the app.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from kubectl_rollback.core.workloads import summarise
from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.cluster import Connector
from kubectl_rollback.tui.controllers import preview, rollback
from kubectl_rollback.tui.controllers.connection import ConnectionController
from kubectl_rollback.tui.controllers.preview import PreviewController
from kubectl_rollback.tui.controllers.rollback import HISTORY_LOADING, RollbackController
from kubectl_rollback.tui.controllers.workloads import WorkloadsController
from tests.tui.tui_helpers import set_image


class FakeGateway:
    def __init__(self, context: str = "ctx") -> None:
        self.context = context
        self.namespace = "shop"
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_the_controllers_import_no_textual() -> None:
    modules = (
        "connection",
        "workloads",
        "preview",
        "rollback",
        "bluegreen",
        "releases",
        "confirm",
        "layout",
        "pods",
    )
    code = "; ".join(f"import kubectl_rollback.tui.controllers.{m}" for m in modules)
    code += "; import sys; print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_connection_for_a_context_the_user_left_is_closed_and_ignored() -> None:
    conn = ConnectionController(Connector())
    stale = conn.reconnect()
    current = conn.switch_context("staging")
    old, new = FakeGateway("prod"), FakeGateway("staging")
    assert not conn.connected_to(old, stale) and old.closed  # type: ignore[arg-type]
    assert conn.connected_to(new, current) and conn.gw is new  # type: ignore[arg-type]
    assert not conn.failed("timeout", stale) and conn.error is None


def test_rbac_answers_are_cached_per_context_and_namespace_and_say_why() -> None:
    conn = ConnectionController(Connector())
    conn.connected_to(FakeGateway(), conn.reconnect())  # type: ignore[arg-type]
    _, ask = conn.open_namespace("shop")
    assert ask
    assert conn.permissions_checked("shop", (("deployments", False, "no role"),))
    assert not conn.permissions_checked("shop", (("deployments", False, "no role"),))
    assert conn.refused("deployments", "deployments.apps") == (
        "RBAC: you may not patch deployments.apps in namespace shop (no role)"
    )
    assert conn.refused("services") is None  # not asked: allowed until the server says
    assert conn.open_namespace("shop")[1] is False  # known: not asked again


def test_why_the_rollback_key_is_unavailable(demo: RunningCluster) -> None:
    conn = ConnectionController(Connector(demo.kubeconfig))
    control = RollbackController()
    obj = demo.cluster.get("deployments", "shop", "web")

    def why(**kwargs: Any) -> str | None:
        args: dict[str, Any] = {
            "read_only": False,
            "connection": conn,
            "selected": summarise(obj, "Deployment"),
            "history_loaded": True,
        }
        return control.unavailable(**{**args, **kwargs})

    assert why() is None
    assert why(history_loaded=False) == HISTORY_LOADING
    assert why(selected=None) == "no workload selected"
    assert why(read_only=True).startswith("read-only mode")
    control.send(object())  # type: ignore[arg-type]
    assert why().startswith("a rollback is being followed")


def test_the_preview_plans_carry_the_blue_green_warning(demo: RunningCluster) -> None:
    set_image(demo, "storefront-blue", "registry.example.com/shop/storefront:2.0.0")
    gw = Connector(demo.kubeconfig).connect(None, "shop")
    try:
        loaded = preview.load(
            gw, "shop", "Deployment", "storefront-blue", now=demo.cluster.clock.now()
        )
    finally:
        gw.close()
    assert loaded.group_warning is not None and loaded.default_plan is not None
    control = PreviewController()
    control.accept(loaded, focused=False)
    for number in (1, 2):  # the default target, and the current revision (a noop: no warning)
        plan = control.plan_for(number, now=demo.cluster.clock.now())
        codes = [w.code for w in plan.warnings]
        assert ("blue-green" in codes) is (plan.noop is None), (number, codes)
    assert control.default_target == 1


def test_what_the_user_is_told_when_a_signal_ends_the_app(demo: RunningCluster) -> None:
    gw = Connector(demo.kubeconfig).connect(None, "shop")
    try:
        loaded = preview.load(gw, "shop", "Deployment", "web", now=demo.cluster.clock.now())
    finally:
        gw.close()
    plan = loaded.default_plan
    assert plan is not None
    control = RollbackController()
    assert control.stopped_line() == "nothing was changed"
    control.send(plan)
    assert "may or may not have been applied" in control.stopped_line()
    result = rollback.RollbackResult(plan, True, False, False, "rolled back")
    assert control.applied_now(result)
    line = control.stopped_line()
    assert line.startswith(
        f"deployment.apps/web was rolled back to revision {plan.to_revision.number}"
    )
    assert line.endswith(
        "the rollout goes on in the cluster (kubectl rollout status deployment/web -n shop)"
    )


def test_a_watch_event_of_the_selected_workload_reloads_its_history(demo: RunningCluster) -> None:
    obj = demo.cluster.get("deployments", "shop", "web")
    control = WorkloadsController(selected=summarise(obj, "Deployment"))
    version = str(obj["metadata"]["resourceVersion"])
    same = control.workload_events("Deployment", [("MODIFIED", obj)], version)
    assert not same.reload_selected and [s.name for s in same.upserts] == ["web"]
    changed = control.workload_events("Deployment", [("MODIFIED", obj)], "0")
    assert changed.reload_selected
    relist = control.workload_events("Deployment", [("RELIST", {}), ("ADDED", obj)], version)
    assert relist.relisted is not None and not relist.upserts


def test_a_rollout_whose_outcome_was_not_recorded_says_so() -> None:
    from kubectl_rollback.core.execution import RolloutOutcome
    from kubectl_rollback.core.model import Verdict
    from kubectl_rollback.core.status import RolloutStatus
    from kubectl_rollback.tui.controllers.rollback import FollowEnd

    done = RolloutStatus(True, False, 'deployment "web" successfully rolled out')
    failed = RolloutStatus(False, True, 'deployment "web" exceeded its progress deadline')
    refused = 'replicasets.apps "web-1" is forbidden'
    control = RollbackController()
    recorded = control.ended(FollowEnd(RolloutOutcome(Verdict.SUCCESS, done, False, "web-1", True)))
    assert recorded is not None and recorded.severity == "information"
    assert recorded.message == done.message
    unrecorded = control.ended(
        FollowEnd(RolloutOutcome(Verdict.SUCCESS, done, False, "web-1", False, refused))
    )
    assert unrecorded is not None and unrecorded.title == "Rollout complete"
    assert unrecorded.severity == "warning"
    assert unrecorded.message == f"{done.message}; its success was not recorded: {refused}"
    lost = control.ended(
        FollowEnd(RolloutOutcome(Verdict.FAILURE, failed, False, "web-1", False, refused))
    )
    assert lost is not None and lost.severity == "error"
    assert lost.message == f"{failed.message}; its failure was not recorded: {refused}"
