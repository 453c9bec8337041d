"""StatefulSets and DaemonSets in the terminal UI: ControllerRevision history, preview, rollback,
live view.

Every assertion that matters is on the simulated cluster afterwards (the workload's
template, the renumbered ControllerRevision), not only on the screen.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.sim.resources import BY_KIND
from kubectl_rollback.tui.screens.confirm import ConfirmRollback
from kubectl_rollback.tui.widgets.revisions import RevisionTable
from kubectl_rollback.tui.widgets.rollout import RolloutView
from kubectl_rollback.tui.widgets.workloads import WorkloadList
from tests.tui.tui_helpers import (
    SIZE,
    main_of,
    make_app,
    notified,
    open_on,
    pilot_test,
    ready,
    screen_text,
    wait_for,
)

AGENT_090 = "registry.example.com/platform/node-agent:0.9.0"
AGENT_091 = "registry.example.com/platform/node-agent:0.9.1"


def workload_of(sim: RunningCluster, plural: str, name: str) -> dict[str, Any]:
    return sim.cluster.get(plural, "shop", name)


def template_image(sim: RunningCluster, plural: str, name: str) -> str:
    return str(workload_of(sim, plural, name)["spec"]["template"]["spec"]["containers"][0]["image"])


def revision_number(sim: RunningCluster, name: str) -> int:
    return int(sim.cluster.get("controllerrevisions", "shop", name)["revision"])


async def _advance_until(
    pilot: Pilot[Any],
    sim: RunningCluster,
    predicate: Any,
    *,
    step: float = 5,
    limit: float = 900,
    what: str = "rollout",
) -> None:
    moved = 0.0
    while not predicate():
        assert moved <= limit, f"{what} did not happen within {limit} simulated seconds"
        sim.cluster.advance(step)
        moved += step
        await pilot.pause(0.03)


async def _roll_back_to_default(pilot: Pilot[Any], app: Any) -> None:
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRollback), what="the confirmation")
    await pilot.press("y")


@pilot_test
async def test_statefulset_db_rolls_back_to_its_default_target_and_the_rollout_is_followed(
    demo: RunningCluster,
) -> None:
    app = make_app(demo, workload="db", workload_kind="StatefulSet")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "db")
        main = main_of(app)
        plan = main.preview.plan
        assert plan.ref.kind == "StatefulSet" and plan.to_revision.number == 2
        assert plan.to_revision.object_kind == "ControllerRevision"
        await wait_for(
            pilot, lambda: "postgres:16.1 -> postgres:15.5" in screen_text(app), what="the preview"
        )
        text = screen_text(app)
        assert "CONTROLLERREVISION" in text and "REPLICASET" not in text
        assert "db-5f7869b77" in text and "★ 2" in text and "● 3" in text
        assert "no revision before 3 has evidence of success" in text  # the core's warning
        assert main.query_one("#revisions-table").cursor_row == 1  # the ★ row, not the current one
        assert template_image(demo, "statefulsets", "db") == "postgres:16.1"  # nothing yet
        await _roll_back_to_default(pilot, app)
        await wait_for(
            pilot,
            lambda: template_image(demo, "statefulsets", "db") == "postgres:15.5",
            what="the patch",
        )
        rollout = main.query_one(RolloutView)
        await wait_for(pilot, lambda: rollout.display, what="the rollout view")
        await _advance_until(pilot, demo, lambda: rollout.finished is not None)
        assert rollout.finished == "done"
        assert "partitioned roll out complete: 3 new pods have been updated..." in screen_text(
            app
        )  # kubectl's words
        assert [(c.label, c.value, c.total) for c in rollout.counters] == [
            ("pods updated", 3, 3),
            ("pods ready", 3, 3),
        ]
        await wait_for(
            pilot,
            lambda: (
                main.preview.history is not None
                and main.preview.history.current is not None
                and main.preview.history.current.number == 4
            ),
            what="the renumbered revision",
        )
        revisions = main.query_one(RevisionTable)
        # The cursor follows the new default target (★), not the current revision.
        await wait_for(
            pilot,
            lambda: revisions.target is not None and revisions.highlighted == revisions.target,
            what="the cursor on the new default target",
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: not rollout.display, what="back to the preview")
    # The controller gave the existing ControllerRevision the next number.
    assert revision_number(demo, "db-5f7869b77") == 4
    sts = workload_of(demo, "statefulsets", "db")
    assert (
        "rolled back from revision 3"
        in sts["metadata"]["annotations"]["kubernetes.io/change-cause"]
    )
    assert sts["status"]["currentRevision"] == sts["status"]["updateRevision"] == "db-5f7869b77"


@pilot_test
async def test_daemonset_node_agent_rolls_back_to_its_default_target(demo: RunningCluster) -> None:
    app = make_app(demo, workload="node-agent", workload_kind="DaemonSet")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "node-agent")
        main = main_of(app)
        assert (
            main.preview.plan.ref.kind == "DaemonSet" and main.preview.plan.to_revision.number == 1
        )
        await wait_for(
            pilot, lambda: "node-agent:0.9.1 -> " in screen_text(app), what="the preview"
        )
        text = screen_text(app)
        assert "CONTROLLERREVISION" in text and "node-agent-86b84987f" in text
        assert "maxUnavailable 1" in text  # the DaemonSet's update strategy in the title
        await _roll_back_to_default(pilot, app)
        await wait_for(
            pilot,
            lambda: template_image(demo, "daemonsets", "node-agent") == AGENT_090,
            what="the patch",
        )
        rollout = main.query_one(RolloutView)
        await wait_for(pilot, lambda: rollout.display, what="the rollout view")
        await _advance_until(pilot, demo, lambda: rollout.finished is not None)
        assert rollout.finished == "done"
        assert 'daemon set "node-agent" successfully rolled out' in screen_text(app)
        # The notification is posted after the rollout view shows the end: wait for it.
        await wait_for(
            pilot, lambda: "Rollout complete" in notified(app), what="the rollout's notice"
        )
    assert revision_number(demo, "node-agent-86b84987f") == 3
    assert template_image(demo, "daemonsets", "node-agent") == AGENT_090


@pilot_test
async def test_read_only_blocks_statefulsets_and_daemonsets_picked_in_the_list(
    demo: RunningCluster,
) -> None:
    before = {
        plural: workload_of(demo, plural, name)["metadata"]["resourceVersion"]
        for plural, name in (("statefulsets", "db"), ("daemonsets", "node-agent"))
    }
    app = make_app(demo, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        main = main_of(app)
        table = main.query_one("#workloads-table")
        workloads = main.query_one(WorkloadList)
        for kind, name in (("StatefulSet", "db"), ("DaemonSet", "node-agent")):
            row = workloads._shown.index((kind, name))
            table.move_cursor(row=row)
            await wait_for(
                pilot,
                lambda kind=kind, name=name: (
                    main.preview.history is not None
                    and main.preview.history.ref.kind == kind
                    and main.preview.history.ref.name == name
                    and main.preview.plan is not None
                ),
                what=f"the history of {name}",
            )
            # The model is set before the next layout draws it: wait for the screen too.
            await wait_for(
                pilot,
                lambda: (
                    "CONTROLLERREVISION" in screen_text(app)
                    and "roll back unavailable: read-only mode" in screen_text(app)
                ),
                what=f"the revisions of {name} drawn",
            )
            assert main.check_action("rollback", ()) is None
            await pilot.press("r")
            await pilot.pause(0.2)
            assert not isinstance(app.screen, ConfirmRollback)
    assert template_image(demo, "statefulsets", "db") == "postgres:16.1"
    assert template_image(demo, "daemonsets", "node-agent") == AGENT_091
    for plural, name in (("statefulsets", "db"), ("daemonsets", "node-agent")):
        assert workload_of(demo, plural, name)["metadata"]["resourceVersion"] == before[plural]


@pilot_test
async def test_rbac_denied_statefulset_patch_is_shown_as_unavailable(demo: RunningCluster) -> None:
    def authorizer(
        verb: str, group: str, plural: str, namespace: str | None, name: str | None
    ) -> bool:
        return not (plural == "statefulsets" and verb == "patch")

    demo.cluster.authorizer = authorizer
    app = make_app(demo, workload="db", workload_kind="StatefulSet")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "db")
        main = main_of(app)
        await wait_for(
            pilot, lambda: main.check_action("rollback", ()) is None, what="the RBAC answer"
        )
        assert (
            "RBAC: you may not patch statefulsets.apps in namespace shop"
            in main.rollback_unavailable()
        )
        await pilot.press("r")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmRollback)
    assert template_image(demo, "statefulsets", "db") == "postgres:16.1"


@pilot_test
async def test_a_statefulset_changed_elsewhere_shows_its_new_revision_without_refreshing(
    demo: RunningCluster,
) -> None:
    app = make_app(demo, workload="db", workload_kind="StatefulSet")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "db")
        main = main_of(app)

        def edit(obj: dict[str, Any]) -> None:  # kubectl set image sts/db, from another terminal
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:16.2"

        demo.cluster.store.mutate(BY_KIND["StatefulSet"], "shop", "db", edit)
        demo.cluster.settle()
        await wait_for(
            pilot,
            lambda: main.preview.history is not None and len(main.preview.history.revisions) == 4,
            what="the history reloaded by the watch",
        )
        assert main.preview.history.current is not None and main.preview.history.current.number == 4
        await wait_for(
            pilot, lambda: "postgres:16.2" in screen_text(app), what="the new revision on screen"
        )
