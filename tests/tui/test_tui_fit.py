"""The terminal UI at the sizes people use (80x24, 120x40, 200x60, and 160x45): dialogs that
fit and take the typed name at once, a layout that adapts, names that stay apart, the
workload it opens on, and what it says when a key or a name cannot be used."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from kubectl_rollback.core.target import TargetSpec
from kubectl_rollback.core.workloads import WorkloadStatus
from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.app import RollbackApp
from kubectl_rollback.tui.screens.confirm import ConfirmRollback, ConfirmSwitch
from kubectl_rollback.tui.screens.help import HelpScreen
from kubectl_rollback.tui.widgets.revisions import RevisionTable
from kubectl_rollback.tui.widgets.rollout import RolloutView
from kubectl_rollback.tui.widgets.workloads import WorkloadList
from tests.tui.tui_helpers import (
    CHECKOUT_CRASH,
    CHECKOUT_GOOD,
    deployment,
    deployment_of,
    image_of,
    main_of,
    make_app,
    notified,
    open_on,
    pilot_test,
    ready,
    screen_text,
    wait_for,
)

QUIT_HELP = ("q Quit  ? Help", "q Quit ? Help")
"""The footer's start (compact on a narrow terminal)."""
SIZES = [
    pytest.param((80, 24), id="80x24"),
    pytest.param((120, 40), id="120x40"),
    pytest.param((200, 60), id="200x60"),
]
LONG_NAMES = (
    "payments-reconciliation-worker-eu-west-1",
    "payments-reconciliation-worker-eu-west-2",
)


def add_long_names(sim: RunningCluster) -> None:
    """Two Deployments whose names differ only at the end."""
    for name in LONG_NAMES:
        sim.cluster.apply_object(deployment(name, "nginx:1.27.0", namespace="shop"))
    sim.cluster.settle()


def on_screen(app: RollbackApp, widget: Widget) -> bool:
    """``widget`` is wholly inside the terminal (and has a size)."""
    width, height = app.size
    region = widget.region
    return (
        region.width > 0
        and region.height > 0
        and region.x >= 0
        and region.y >= 0
        and region.right <= width
        and region.bottom <= height
    )


def dialog_fits(app: RollbackApp) -> bool:
    dialog = app.screen
    parts = ["#confirm-dialog", "#confirm-title", "#confirm-help", "#confirm-name", "#no", "#yes"]
    return all(on_screen(app, dialog.query_one(part)) for part in parts)


async def open_dialog(pilot: Pilot[Any], app: RollbackApp, key: str, kind: type) -> Any:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, kind), what=f"{kind.__name__}")
    dialog = app.screen
    await wait_for(pilot, lambda: dialog_fits(app), what="the dialog to fit the terminal")
    return dialog


# ------------------------------------------------------------- the confirmation dialog
@pytest.mark.parametrize("size", SIZES)
@pilot_test
async def test_typing_the_name_confirms_at_once_in_a_dialog_that_fits(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    # Revision 2 failed: the plan has warnings, the longest dialog there is.
    app = make_app(demo, workload="checkout", target=TargetSpec.revision(2))
    async with app.run_test(size=size) as pilot:
        await open_on(pilot, app, "checkout")
        assert main_of(app).preview.plan.warnings
        dialog = await open_dialog(pilot, app, "r", ConfirmRollback)
        assert dialog.focused is dialog.query_one("#confirm-name", Input)
        text = screen_text(app)
        assert "Type checkout and Enter to roll back, or press y." in text.replace("\n", " ")
        assert "Warnings" in text  # first after the headline: on screen even at 80x24
        if size[1] >= 40:  # the plan takes the rows the rest leaves, not a fixed share
            body = dialog.query_one("#confirm-body")
            await wait_for(pilot, lambda: body.outer_size.height > 0.4 * size[1], what="room")
        await pilot.press(*"checkou", "enter")  # not the name: asked again
        await wait_for(pilot, lambda: "type checkout exactly to confirm" in notified(app))
        assert isinstance(app.screen, ConfirmRollback) and dialog_fits(app)
        assert image_of(demo, "checkout") == CHECKOUT_CRASH
        await pilot.press(*"checkout", "enter")  # no click first: the input has the focus
        await wait_for(
            pilot,
            lambda: image_of(demo, "checkout").endswith("broken-1.9.0"),
            what="the rollback to revision 2",
        )


@pilot_test
async def test_y_confirms_and_enter_alone_is_no(demo: RunningCluster) -> None:
    before = deployment_of(demo, "checkout")["metadata"]["resourceVersion"]
    app = make_app(demo, workload="checkout")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, app, "checkout")
        await open_dialog(pilot, app, "r", ConfirmRollback)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmRollback), what="No")
        await wait_for(pilot, lambda: "rollback cancelled" in notified(app))
        assert deployment_of(demo, "checkout")["metadata"]["resourceVersion"] == before
        await open_dialog(pilot, app, "r", ConfirmRollback)
        await pilot.press("y")
        await wait_for(pilot, lambda: image_of(demo, "checkout") == CHECKOUT_GOOD, what="y")


@pytest.mark.parametrize(
    "size",
    [*SIZES, pytest.param((160, 45), id="160x45")],
)
@pilot_test
async def test_the_traffic_switch_dialog_is_centred_and_fits(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    app = make_app(demo, workload="storefront-green")
    async with app.run_test(size=size) as pilot:
        await open_on(pilot, app, "storefront-green")
        await wait_for(pilot, lambda: main_of(app).bluegreen.rows, what="the blue/green group")
        dialog = await open_dialog(pilot, app, "s", ConfirmSwitch)
        assert dialog.plan.warnings
        box = dialog.query_one("#confirm-dialog").region
        width, height = app.size
        # Centred as the rollback dialog is: the same room on the left and on the right.
        assert abs(box.x - (width - box.right)) <= 1
        assert abs(box.y - (height - box.bottom)) <= 1
        await pilot.press(*"storefront", "enter")
        await wait_for(pilot, lambda: "Traffic switched" in notified(app), what="the switch")


@pytest.mark.parametrize("size", [*SIZES, pytest.param((160, 45), id="160x45")])
@pilot_test
async def test_help_fits_the_terminal(demo: RunningCluster, size: tuple[int, int]) -> None:
    app = make_app(demo)
    async with app.run_test(size=size) as pilot:
        await ready(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await wait_for(pilot, lambda: on_screen(app, app.screen.query_one("#help-dialog")))
        await wait_for(pilot, lambda: "esc closes" in screen_text(app), what="the help's end")
        assert on_screen(app, app.screen.query_one("#help-scroll"))
        assert "Every key" in screen_text(app)


# ---------------------------------------------------------------- the main screen
@pytest.mark.parametrize("size", SIZES)
@pilot_test
async def test_quit_and_help_are_on_screen_at_every_width(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    app = make_app(demo)
    async with app.run_test(size=size) as pilot:
        await ready(pilot, app)
        await wait_for(
            pilot,
            lambda: screen_text(app).splitlines()[-1].lstrip().startswith(QUIT_HELP),
            what="q Quit and ? Help first in the footer",
        )
        await pilot.press("enter")  # the workload's detail: the same keys first
        await wait_for(pilot, lambda: main_of(app).preview.history is not None)
        await pilot.pause(0.2)
        assert screen_text(app).splitlines()[-1].lstrip().startswith(QUIT_HELP)


@pilot_test
async def test_at_80_columns_enter_opens_the_workload_and_esc_goes_back(
    demo: RunningCluster,
) -> None:
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        main = main_of(app)
        workloads, revisions = main.query_one(WorkloadList), main.query_one(RevisionTable)
        assert workloads.region.width == 80 and not revisions.region.width  # one pane
        await wait_for(pilot, lambda: main.preview.plan is not None, what="the preview")
        await pilot.press("enter")
        await wait_for(pilot, lambda: revisions.region.width == 80, what="the detail pane")
        assert not workloads.region.width
        assert "Preview: checkout 3 → 1" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: workloads.region.width == 80, what="back to the list")
        assert workloads.table.has_focus


@pytest.mark.parametrize("size", SIZES)
@pilot_test
async def test_names_that_differ_at_the_end_never_look_the_same(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    add_long_names(demo)
    app = make_app(demo)
    async with app.run_test(size=size) as pilot:
        await ready(pilot, app)

        def rows() -> list[str]:
            lines = screen_text(app).splitlines()
            return [line for line in lines if "west-" in line and "deploy" in line]

        await wait_for(pilot, lambda: len(rows()) == 2, what="both long names listed")
        await pilot.pause(0.2)  # the layout for the longest name
        rows = rows()  # type: ignore[assignment]
        names = [row.split("deploy")[0].strip(" │✔✖⟳⏸") for row in rows]
        assert names[0] != names[1], rows
        assert names[0].endswith("west-1") and names[1].endswith("west-2"), names
        if size[0] >= 200:
            assert names == list(LONG_NAMES)  # room enough: whole


@pytest.mark.parametrize("size", SIZES)
@pilot_test
async def test_it_opens_on_the_failing_workload_not_the_first(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    app = make_app(demo)
    async with app.run_test(size=size) as pilot:
        await ready(pilot, app)
        main = main_of(app)
        listed = main.query_one(WorkloadList)
        first = listed.table.rows[0]
        assert first.name == "cart" and first.status is WorkloadStatus.HEALTHY
        await wait_for(pilot, lambda: main.preview.plan is not None, what="a preview")
        assert listed.highlighted.name == "checkout"
        assert main.workloads.selected.name == "checkout"
        assert main.preview.history.ref.name == "checkout"


@pytest.mark.parametrize("size", SIZES)
@pilot_test
async def test_a_workload_that_does_not_exist_is_said_so_and_nothing_else_opens(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    app = make_app(demo, workload="nonexist")
    async with app.run_test(size=size) as pilot:
        await ready(pilot, app)
        message = 'deployments.apps "nonexist" not found in namespace shop'
        await wait_for(pilot, lambda: message in screen_text(app), what="the not-found message")
        await pilot.pause(0.5)  # longer than the history debounce: nothing else loads
        main = main_of(app)
        assert main.preview.history is None and main.workloads.selected is None
        assert message in notified(app)
        await pilot.press("r")  # nothing selected: it says so
        await wait_for(pilot, lambda: "cannot roll back: no workload selected" in notified(app))
        if size[0] < 100:
            await pilot.press("escape")  # back to the list
        await pilot.press("down")  # the user picks one: it opens
        await wait_for(pilot, lambda: main.preview.history is not None, what="a history")
        assert message not in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
@pilot_test
async def test_statefulsets_and_daemonsets_show_their_revision_in_the_list(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    app = make_app(demo, workload="db", workload_kind="StatefulSet")
    async with app.run_test(size=size) as pilot:
        await open_on(pilot, app, "db")
        main = main_of(app)
        rows = main.query_one(WorkloadList).summaries
        history = main.preview.history
        assert rows[("StatefulSet", "db")].revision == history.current.number
        assert rows[("DaemonSet", "node-agent")].revision is not None
        text = screen_text(app)
        assert f"rev {history.current.number}" in text
        await wait_for(
            pilot,
            lambda: (
                "revision(s) kept" in screen_text(app)
                and "revisionHistoryLimit" in screen_text(app)
            ),
            what="what is kept",
        )


# -------------------------------------------------------------- saying why, leaving
@pytest.mark.parametrize("size", SIZES)
@pilot_test
async def test_read_only_says_why_r_and_s_do_nothing(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    before = deployment_of(demo, "storefront-green")["metadata"]["resourceVersion"]
    app = make_app(demo, workload="storefront-green", read_only=True)
    async with app.run_test(size=size) as pilot:
        await open_on(pilot, app, "storefront-green")
        main = main_of(app)
        await wait_for(pilot, lambda: main.bluegreen.rows, what="the blue/green group")
        assert main.check_action("rollback", ()) is None  # dimmed in the footer
        assert main.check_action("switch_traffic", ()) is None
        await pilot.press("r")
        await wait_for(
            pilot, lambda: "cannot roll back: read-only mode (--read-only)" in notified(app)
        )
        await pilot.press("s")
        await wait_for(
            pilot, lambda: "cannot switch traffic: read-only mode (--read-only)" in notified(app)
        )
        assert not isinstance(app.screen, (ConfirmRollback, ConfirmSwitch))
    assert deployment_of(demo, "storefront-green")["metadata"]["resourceVersion"] == before


@pilot_test
async def test_the_palette_lists_this_apps_actions_once_and_none_of_textuals(
    demo: RunningCluster,
) -> None:
    from textual.command import CommandPalette

    app = make_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        assert list(app.get_system_commands(app.screen)) == []
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.pause(0.5)
        text = screen_text(app)
        for textual_own in ("Theme", "Screenshot", "Maximize", "Minimize", "Keys"):
            assert textual_own not in text, textual_own
        assert "Quit the application" not in text  # Textual's Quit
        assert text.count("leave kubectl rollback") == 1 and "Help: every key" in text


@pytest.mark.parametrize("demo_mode", [False, True], ids=["cluster", "demo"])
@pilot_test
async def test_quitting_mid_rollout_leaves_a_parting_line(
    demo: RunningCluster, demo_mode: bool
) -> None:
    # Revision 2's pods are gone and the clock is stopped: its rollout cannot end by itself.
    app = make_app(demo, workload="checkout", target=TargetSpec.revision(2))
    app.demo = demo_mode
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, app, "checkout")
        await open_dialog(pilot, app, "r", ConfirmRollback)
        await pilot.press(*"checkout", "enter")
        rollout = main_of(app).query_one(RolloutView)
        await wait_for(pilot, lambda: rollout.display and rollout.status is not None)
        assert on_screen(app, rollout)  # the narrow screen shows the rollout, not the list
        await pilot.press("q")
    if demo_mode:
        assert app.parting_line == (
            "deployment.apps/checkout is still rolling out: the demo cluster stops with the UI, "
            "so the rollout ends here"
        )
    else:
        assert app.parting_line == (
            "deployment.apps/checkout is still rolling out in the cluster; follow with: "
            "kubectl rollout status deployment/checkout -n shop"
        )


@pilot_test
async def test_quitting_after_a_finished_rollout_says_nothing(demo: RunningCluster) -> None:
    app = make_app(demo, workload="checkout")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_on(pilot, app, "checkout")
        await open_dialog(pilot, app, "r", ConfirmRollback)
        await pilot.press("y")
        rollout = main_of(app).query_one(RolloutView)
        await wait_for(pilot, lambda: rollout.display and rollout.status is not None)
        for _ in range(60):
            if rollout.finished is not None:
                break
            demo.cluster.advance(5)
            await pilot.pause(0.05)
        await wait_for(pilot, lambda: rollout.finished == "done", what="the rollout to end")
        await pilot.press("q")
    assert app.parting_line is None
