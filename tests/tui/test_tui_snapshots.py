"""Snapshots of the main screens on the demo cluster: fixed size, fixed simulated clock, no
blinking.

Regenerate with `pytest tests/tui/test_tui_snapshots.py --snapshot-update` and look at the
SVGs under tests/tui/__snapshots__ before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from kubectl_rollback.core.api_objects import dig
from kubectl_rollback.core.target import TargetSpec
from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.app import RollbackApp
from kubectl_rollback.tui.screens.confirm import ConfirmRollback
from kubectl_rollback.tui.widgets.bluegreen import BlueGreenPanel
from kubectl_rollback.tui.widgets.rollout import RolloutView
from tests.tui.tui_helpers import SIZE, main_of, make_app, no_blink, open_on, settle, wait_for

Compare = Callable[..., bool]


def _opened(
    app: RollbackApp, workload: str, then: Callable[[Pilot[Any]], Awaitable[None]] | None = None
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_on(pilot, app, workload)
        if then is not None:
            await then(pilot)
        no_blink(app)
        main_of(app)._tick()  # the header clock ticks once a second: show the simulated time now
        await settle(pilot, app)

    return run_before


async def _confirm_dialog(app: RollbackApp, pilot: Pilot[Any]) -> None:
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRollback))


def test_history_with_evidence(snap_compare: Compare, demo: RunningCluster) -> None:
    app = make_app(demo, workload="checkout")
    assert snap_compare(app, terminal_size=SIZE, run_before=_opened(app, "checkout"))


def test_preview_with_diff_and_warnings(snap_compare: Compare, demo: RunningCluster) -> None:
    # Revision 2 failed: choosing it explicitly warns, and its diff has the broken image.
    app = make_app(demo, workload="checkout", target=TargetSpec.revision(2))
    assert snap_compare(app, terminal_size=SIZE, run_before=_opened(app, "checkout"))


def test_confirmation_dialog(snap_compare: Compare, demo: RunningCluster) -> None:
    app = make_app(demo, workload="checkout")

    async def then(pilot: Pilot[Any]) -> None:
        await _confirm_dialog(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=_opened(app, "checkout", then))


def test_rollout_progress(snap_compare: Compare, demo: RunningCluster) -> None:
    app = make_app(demo, workload="web")

    async def then(pilot: Pilot[Any]) -> None:
        await _confirm_dialog(app, pilot)
        await pilot.press("y")
        rollout = main_of(app).query_one(RolloutView)
        await wait_for(pilot, lambda: rollout.display and rollout.status is not None)
        demo.cluster.advance(3)  # the first new pod is Ready; the rollout is half way

        def caught_up() -> bool:
            replicasets = demo.cluster.list("replicasets", "shop", group="apps")
            shown = rollout.replicasets
            return (
                all(
                    r["metadata"]["name"] in shown
                    and shown[r["metadata"]["name"]].ready
                    == int(dig(r, "status", "readyReplicas") or 0)
                    and shown[r["metadata"]["name"]].desired == int(dig(r, "spec", "replicas") or 0)
                    for r in replicasets
                    if r["metadata"]["name"].startswith("web-")
                )
                and rollout.status is not None
                and "rollout to finish" in rollout.status.message
            )

        await wait_for(pilot, caught_up, what="the rollout view to catch up")
        await pilot.pause(0.5)

    assert snap_compare(app, terminal_size=SIZE, run_before=_opened(app, "web", then))


def test_blue_green_panel(snap_compare: Compare, demo: RunningCluster) -> None:
    app = make_app(demo, workload="storefront-green")

    async def then(pilot: Pilot[Any]) -> None:
        await wait_for(
            pilot,
            lambda: [r.name for r in main_of(app).query_one(BlueGreenPanel).rows] == ["storefront"],
        )

    assert snap_compare(app, terminal_size=SIZE, run_before=_opened(app, "storefront-green", then))


def test_statefulset_controllerrevisions(snap_compare: Compare, demo: RunningCluster) -> None:
    app = make_app(demo, workload="db", workload_kind="StatefulSet")
    assert snap_compare(app, terminal_size=SIZE, run_before=_opened(app, "db"))


def test_an_error(snap_compare: Compare, demo: RunningCluster) -> None:
    demo.cluster.store.inject_failure(
        "patch", "deployments", "checkout", 500, "InternalError", "etcdserver: request timed out"
    )
    app = make_app(demo, workload="checkout")

    async def then(pilot: Pilot[Any]) -> None:
        await _confirm_dialog(app, pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: main_of(app).banner is not None, what="the error")
        await wait_for(pilot, lambda: main_of(app).preview.plan is not None)
        await pilot.pause(0.5)

    assert snap_compare(app, terminal_size=SIZE, run_before=_opened(app, "checkout", then))
