"""Snapshots of the live rollout view at 80x24, 120x40 and 200x60: a Deployment half way (pods
of both revisions, the Ready chart) and a StatefulSet stuck on a crash-looping pod (the
advice: which pod to delete).

The `demo` fixture names pods and gives uids the same way on every run (tests/tui/conftest.py),
so the pods shown are the same. Regenerate with
`--snapshot-update` and look at the SVGs under tests/tui/__snapshots__ before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets._progress_bar import Bar

from kubectl_rollback.core.api_objects import dig
from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.widgets.rollout import RolloutView
from tests.tui.test_tui_rollout_pods import pod_line, rolled_back, stuck_statefulset
from tests.tui.tui_helpers import SIZE_IDS, SIZES, main_of, make_app, no_blink, settle, wait_for

Compare = Callable[..., bool]


def _caught_up(demo: RunningCluster, view: RolloutView, prefix: str) -> bool:
    """The view shows every pod of ``prefix`` in its current state."""
    if view.pods is None:
        return False
    seen = {p.name: p for g in view.pods.groups for p in g.pods}
    pods = [
        p
        for p in demo.cluster.list("pods", "shop")
        if p["metadata"]["name"].startswith(prefix) and not p["metadata"].get("deletionTimestamp")
    ]
    return all(
        p["metadata"]["name"] in seen
        and seen[p["metadata"]["name"]].ready
        == any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in dig(p, "status", "conditions") or []
        )
        for p in pods
    )


async def _finish(pilot: Pilot[Any], app: Any) -> None:
    app.clear_notifications()  # "Rolled back" covers the view's ending otherwise
    no_blink(app)
    main_of(app)._tick()
    await settle(pilot, app)
    # Textual's Bar rounds its percentage to half cells of the width it has when the value
    # arrives: a value set before the layout settled keeps an unrounded half cell.
    for bar in app.screen.query(Bar):
        bar.percentage = bar.parent.percentage
    await settle(pilot, app)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_rollout_of_a_deployment_with_its_pods(
    snap_compare: Compare, demo: RunningCluster, size: tuple[int, int]
) -> None:
    app = make_app(demo, workload="web")

    async def run_before(pilot: Pilot[Any]) -> None:
        view = await rolled_back(pilot, app, "web")
        await wait_for(pilot, lambda: _caught_up(demo, view, "web-"), what="the first pod")
        demo.cluster.advance(3)  # the first new pod is Ready; an old one goes
        await wait_for(
            pilot,
            lambda: (
                view.status is not None
                and "rollout to finish" in view.status.message
                and "2 out of 3" in view.status.message
                and _caught_up(demo, view, "web-")
            ),
            what="the view half way",
        )
        await _finish(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_rollout_of_a_statefulset_stuck_on_a_pod(
    snap_compare: Compare, demo: RunningCluster, size: tuple[int, int]
) -> None:
    stuck_statefulset(demo)
    app = make_app(demo, workload="ledger", workload_kind="StatefulSet")

    async def run_before(pilot: Pilot[Any]) -> None:
        view = await rolled_back(pilot, app, "ledger")
        await wait_for(
            pilot,
            lambda: (
                "CrashLoopBackOff" in pod_line(app, "ledger-2")
                and view.advice is not None
                and "kubectl delete pod" in view.advice
                and _caught_up(demo, view, "ledger-")
            ),
            what="the stuck pod and the advice",
        )
        await _finish(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
