"""Snapshots at the sizes people use: 80x24, 120x40 and 200x60, of the main screen (a
StatefulSet selected, two long names that differ only at the end), both confirmation dialogs
(plans with warnings) and the help screen.

Regenerate with `pytest tests/tui/test_tui_snapshot_sizes.py --snapshot-update` and look at the
SVGs under tests/tui/__snapshots__ before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from kubectl_rollback.core.target import TargetSpec
from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.screens.confirm import ConfirmRollback, ConfirmSwitch
from kubectl_rollback.tui.screens.help import HelpScreen
from tests.tui.test_tui_fit import add_long_names, dialog_fits
from tests.tui.tui_helpers import main_of, make_app, no_blink, open_on, settle, wait_for

Compare = Callable[..., bool]
SIZES = [
    pytest.param((80, 24), id="80x24"),
    pytest.param((120, 40), id="120x40"),
    pytest.param((200, 60), id="200x60"),
]


async def _still(pilot: Pilot[Any], app: Any) -> None:
    """No blinking cursor, the simulated time in the header, the layout settled."""
    no_blink(app)
    main_of(app)._tick()
    await settle(pilot, app)


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare: Compare, demo: RunningCluster, size: tuple[int, int]) -> None:
    add_long_names(demo)
    app = make_app(demo, workload="db", workload_kind="StatefulSet")

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_on(pilot, app, "db")
        await _still(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_rollback_dialog(
    snap_compare: Compare, demo: RunningCluster, size: tuple[int, int]
) -> None:
    app = make_app(demo, workload="checkout", target=TargetSpec.revision(2))

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_on(pilot, app, "checkout")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRollback))
        await wait_for(pilot, lambda: dialog_fits(app), what="the dialog to fit")
        await _still(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_switch_dialog(snap_compare: Compare, demo: RunningCluster, size: tuple[int, int]) -> None:
    app = make_app(demo, workload="storefront-green")

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_on(pilot, app, "storefront-green")
        await wait_for(pilot, lambda: main_of(app).bluegreen.rows, what="the blue/green group")
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmSwitch))
        await wait_for(pilot, lambda: dialog_fits(app), what="the dialog to fit")
        await _still(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare: Compare, demo: RunningCluster, size: tuple[int, int]) -> None:
    app = make_app(demo, workload="checkout")

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_on(pilot, app, "checkout")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await _still(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
