"""The live rollout view's pods: each revision's pods with their state and reason, updating as
the simulated cluster moves; a StatefulSet stuck on a pod (which pod to delete, live and at
the end); the blue/green side whose rollback is the Service switch."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from kubectl_rollback.core.target import TargetSpec
from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.sim.resources import BY_KIND
from kubectl_rollback.tui.app import RollbackApp
from kubectl_rollback.tui.controllers.rollback import follow_timeout
from kubectl_rollback.tui.screens.confirm import ConfirmSwitch
from kubectl_rollback.tui.widgets.rollout import RolloutView
from tests.tui.test_tui_rollback import _advance_until
from tests.tui.tui_helpers import (
    SIZE_IDS,
    SIZES,
    confirm_rollback,
    main_of,
    make_app,
    notified,
    open_on,
    pilot_test,
    screen_text,
    wait_for,
)

LEDGER = ["postgres:15.4", "postgres:crash-15.5", "postgres:16.1"]


def rendered(app: RollbackApp, widget_id: str, width: int = 200) -> str:
    """What a Static of the rollout view holds, as plain text (whether scrolled into view
    or not)."""
    content = main_of(app).query_one(f"#{widget_id}", Static).content
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(content)
    return console.export_text()


def pod_line(app: RollbackApp, pod: str) -> str:
    return next(
        (line.strip() for line in rendered(app, "rollout-pods").splitlines() if pod in line), ""
    )


def stuck_statefulset(sim: RunningCluster, name: str = "ledger") -> None:
    """Revision 1 Ready on 3 pods; revision 2 crashes on <name>-2 (the controller stops there);
    revision 3 asked for and never rolled out."""
    for image in LEDGER:
        sim.cluster.apply_object(
            {
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": {"name": name, "namespace": "shop"},
                "spec": {
                    "replicas": 3,
                    "serviceName": name,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {
                        "metadata": {"labels": {"app": name}},
                        "spec": {"containers": [{"name": "db", "image": image}]},
                    },
                },
            }
        )
        sim.cluster.advance(60)


def annotate(obj: dict[str, Any]) -> None:
    obj["metadata"].setdefault("annotations", {})["example.com/poke"] = "1"


async def rolled_back(pilot: Pilot[Any], app: RollbackApp, workload: str) -> RolloutView:
    """Open on ``workload``, roll back to the previewed target, wait for its pods listed."""
    await open_on(pilot, app, workload)
    await confirm_rollback(pilot, app)
    view = main_of(app).query_one(RolloutView)
    await wait_for(pilot, lambda: view.display and view.pods is not None and view.pods.listed)
    return view


@pilot_test
async def test_the_pods_of_both_revisions_appear_with_their_state_and_update_live(
    demo: RunningCluster,
) -> None:
    app = make_app(demo, workload="web")
    async with app.run_test(size=(160, 48)) as pilot:
        old = [p["metadata"]["name"] for p in demo.cluster.list("pods", "shop", selector="app=web")]
        assert len(old) == 3
        view = await rolled_back(pilot, app, "web")
        # The new revision's first pod is starting; the old revision's 3 still serve.
        await wait_for(pilot, lambda: "revision 5 (target, was 3)" in rendered(app, "rollout-pods"))
        await wait_for(pilot, lambda: "ContainerCreating" in rendered(app, "rollout-pods"))
        text = rendered(app, "rollout-pods")
        assert "revision 4" in text and "3/3 Ready" in text
        assert all("✔ Ready" in pod_line(app, name) for name in old)
        assert "ContainerCreating" in screen_text(app)
        # The simulated cluster moves: new pods Ready, old ones terminate and go.
        await _advance_until(pilot, demo, lambda: view.finished is not None, step=1)
        await wait_for(
            pilot,
            lambda: all(name not in rendered(app, "rollout-pods") for name in old),
            what="the old pods gone from the view",
        )
        text = rendered(app, "rollout-pods")
        assert text.count("✔ Ready") == 3 and "no pods" in text
        # The chart: the target rose from nothing to 3 Ready, the old revision fell to none.
        target_line = next(line for line in text.splitlines() if "(target" in line)
        assert "▁" in target_line and "█" in target_line and "3/3 Ready" in target_line


@pilot_test
async def test_a_rollback_onto_a_broken_image_shows_why_its_pods_do_not_start(
    demo: RunningCluster,
) -> None:
    # Revision 2 of checkout never pulls (tag broken-*): rolled back onto explicitly.
    app = make_app(demo, workload="checkout", target=TargetSpec.revision(2))
    async with app.run_test(size=(160, 48)) as pilot:
        await rolled_back(pilot, app, "checkout")
        await _advance_until(
            pilot, demo, lambda: "ImagePullBackOff" in rendered(app, "rollout-pods"), step=2
        )
        text = rendered(app, "rollout-pods")
        assert "revision 4 (target, was 2)" in text
        line = next(line for line in text.splitlines() if "ImagePullBackOff" in line)
        assert line.strip().startswith("checkout-") and "✖ ImagePullBackOff" in line
        assert "ImagePullBackOff" in screen_text(app)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_a_statefulset_stuck_on_a_pod_says_which_to_delete_live_and_at_the_end(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    @pilot_test
    async def run() -> None:
        stuck_statefulset(demo)
        app = make_app(demo, workload="ledger", workload_kind="StatefulSet")
        async with app.run_test(size=size) as pilot:
            view = await rolled_back(pilot, app, "ledger")
            assert view.plan is not None and view.plan.to_revision.number == 1
            delete = "kubectl delete pod -n shop ledger-2"
            await wait_for(
                pilot,
                lambda: (
                    view.pods is not None
                    and view.pods.listed
                    and "CrashLoopBackOff" in pod_line(app, "ledger-2")
                ),
                what="ledger-2 crash-looping in the view",
            )
            text = rendered(app, "rollout-pods")
            assert "revision 4 (target, was 1)" in text and "revision 2" in text
            assert "✔ Ready" in pod_line(app, "ledger-0") and "✔ Ready" in pod_line(app, "ledger-1")
            assert "restart" in pod_line(app, "ledger-2")
            await wait_for(pilot, lambda: delete in rendered(app, "rollout-advice"))
            assert "is stuck: pod ledger-2 (CrashLoopBackOff" in rendered(app, "rollout-advice")
            # The StatefulSet never gets on: the follow times out (600 s), repeating the advice.
            # Its watch wakes on the next change of the StatefulSet: an annotation, once past.
            demo.cluster.advance(follow_timeout(None) + 10)
            demo.cluster.store.mutate(BY_KIND["StatefulSet"], "shop", "ledger", annotate)
            await wait_for(pilot, lambda: view.finished is not None, what="the follow's end")
            assert view.finished == "timeout"
            outcome = rendered(app, "rollout-outcome")
            assert "timed out waiting for the rollout" in outcome and delete in outcome
            assert "Rollout did not finish: timed out: Waiting for 1 pods to be ready...; " in (
                notified(app)
            ) and delete in notified(app)
            # The view scrolls to its ending (at 80x24 the pane of today's layout wraps it).
            if size != (80, 24):
                await wait_for(
                    pilot, lambda: "timed out waiting for the rollout" in screen_text(app)
                )
            # Doing what it says: the pod comes back from the target revision, the advice goes.
            demo.cluster.store.delete(BY_KIND["Pod"], "shop", "ledger-2")
            demo.cluster.settle()
            await _advance_until(
                pilot, demo, lambda: "✔ Ready" in pod_line(app, "ledger-2"), step=2
            )
            assert "revision 2" in rendered(app, "rollout-pods")  # now with no pods
            assert rendered(app, "rollout-advice").strip() == ""

    run()


@pilot_test
async def test_a_blue_green_side_with_one_revision_points_at_the_switch(
    demo: RunningCluster,
) -> None:
    app = make_app(demo, workload="storefront-blue")
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(pilot, app, "storefront-blue")
        await wait_for(
            pilot,
            lambda: "press s to switch the traffic instead" in screen_text(app),
            what="the switch hint",
        )
        text = " ".join(screen_text(app).split())
        assert "kubectl rollback svc/storefront" in text
        assert 'no rollout history found for deployment "storefront-blue"' in text
        await pilot.press("s")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmSwitch), what="the switch dialog"
        )


@pilot_test
async def test_a_daemonsets_pods_are_grouped_by_their_controller_revision_hash(
    demo: RunningCluster,
) -> None:
    app = make_app(demo, workload="node-agent", workload_kind="DaemonSet")
    async with app.run_test(size=(160, 48)) as pilot:
        view = await rolled_back(pilot, app, "node-agent")
        assert view.pods is not None
        await wait_for(
            pilot,
            lambda: "ContainerCreating" in rendered(app, "rollout-pods"),
            what="the first node's new pod",
        )
        text = rendered(app, "rollout-pods")
        assert "revision 3 (target, was 1)" in text and "revision 2" in text
        target, old = view.pods.groups[0], view.pods.groups[1]
        assert target.target and [p.state for p in target.pods] == ["ContainerCreating"]
        assert old.number == 2 and [p.state for p in old.pods] == ["Ready", "Ready"]
        # Node by node, every pod moves to the target's hash.
        await _advance_until(pilot, demo, lambda: view.finished is not None, step=1)
        await wait_for(
            pilot,
            lambda: (
                [len(g.pods) for g in view.pods.groups if g.pods] == [3]
                and view.pods.groups[0].ready == 3
            ),
            what="three Ready pods of the target, none of the old revision",
        )
        assert "no pods" in rendered(app, "rollout-pods")
