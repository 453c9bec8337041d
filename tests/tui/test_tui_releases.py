"""The Releases view (R): the namespace's releases, the release plan as the preview, one
confirmation, every workload rolled back and followed at once; at two terminal sizes."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.app import RollbackApp
from kubectl_rollback.tui.screens.confirm import ConfirmRelease
from kubectl_rollback.tui.screens.main import MainScreen
from kubectl_rollback.tui.screens.releases import ReleasesScreen
from tests.tui.tui_helpers import (
    RELEASE,
    RELEASE_IMAGES,
    harness_release,
    make_app,
    notified,
    pilot_test,
    ready,
    screen_text,
    set_image,
    template_image,
    wait_for,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def _images(sim: RunningCluster, release: int) -> bool:
    return all(
        template_image(sim, kind, name) == images[release]
        for (kind, name), images in RELEASE_IMAGES.items()
    )


def _resource_versions(sim: RunningCluster) -> list[str]:
    return [
        sim.cluster.get(plural, "shop", name)["metadata"]["resourceVersion"]
        for plural, name in (("deployments", "api"), ("statefulsets", "ledger"))
    ]


async def _open_releases(pilot: Pilot[Any], app: RollbackApp) -> ReleasesScreen:
    """R on the main screen; wait until the highlighted release's plan is shown."""
    await ready(pilot, app)
    await pilot.press("R")
    await wait_for(pilot, lambda: isinstance(app.screen, ReleasesScreen), what="the Releases view")
    screen = app.screen
    assert isinstance(screen, ReleasesScreen)
    await wait_for(
        pilot,
        lambda: screen.releases.plan is not None or screen.releases.plan_error is not None,
        what="the release plan",
    )
    await wait_for(
        pilot, lambda: "Release rollback plan for release/" in screen_text(app), what="the preview"
    )
    return screen


async def _confirm_dialog(pilot: Pilot[Any], app: RollbackApp) -> ConfirmRelease:
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRelease), what="the confirmation")
    dialog = app.screen
    assert isinstance(dialog, ConfirmRelease)
    await wait_for(pilot, lambda: dialog.focused is dialog.query_one("#confirm-name", Input))
    return dialog


def _fits(app: RollbackApp, dialog: ConfirmRelease) -> bool:
    """The dialog, its input and its buttons are all inside the terminal."""
    width, height = app.size
    for widget in (dialog.query_one("#confirm-dialog"), dialog.query_one("#confirm-name")):
        region = widget.region
        if region.x < 0 or region.y < 0 or region.right > width or region.bottom > height:
            return False
    buttons = dialog.query_one("#confirm-buttons").region
    return buttons.bottom <= height and buttons.height > 0


async def _advance_until(pilot: Pilot[Any], sim: RunningCluster, predicate: Any) -> None:
    moved = 0.0
    while not predicate():
        assert moved <= 900, "the rollouts did not end within 900 simulated seconds"
        sim.cluster.advance(5)
        moved += 5
        await pilot.pause(0.03)


@pytest.mark.parametrize("size", SIZES)
@pilot_test
async def test_R_lists_the_harness_release_and_previews_its_plan_and_esc_goes_back(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    harness_release(demo)
    app = make_app(demo)
    async with app.run_test(size=size) as pilot:
        screen = await _open_releases(pilot, app)
        text = screen_text(app)
        assert RELEASE in text and "harness" in text
        assert "deployment/api healthy" in text
        [row] = screen.releases.rows
        assert row.last_text == "1"  # the last successful release, from Harness's records
        assert f"Release rollback plan for release/{RELEASE} (namespace shop)" in text
        assert "r rolls the whole release back" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), what="the workloads")
    assert _images(demo, 1)


@pytest.mark.parametrize("size", SIZES)
@pilot_test
async def test_confirming_rolls_every_workload_back_and_follows_them_all(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    harness_release(demo)
    app = make_app(demo)
    async with app.run_test(size=size) as pilot:
        screen = await _open_releases(pilot, app)
        dialog = await _confirm_dialog(pilot, app)
        await wait_for(pilot, lambda: _fits(app, dialog), what="the dialog to fit the terminal")
        assert _images(demo, 1)  # nothing before the deliberate key
        await pilot.press("y")
        await wait_for(pilot, lambda: _images(demo, 0), what="every workload rolled back")
        await wait_for(
            pilot, lambda: "deployment.apps/api: Waiting" in screen_text(app), what="follow lines"
        )
        await _advance_until(pilot, demo, lambda: not screen.releases.following)
        await wait_for(
            pilot,
            lambda: (
                f"release/{RELEASE} rolled back to release 1 and rolled out" in screen_text(app)
            ),
            what="the outcome",
        )
        text = screen_text(app)
        assert 'deployment "api" successfully rolled out' in text
        assert "statefulset.apps/ledger:" in text
        await pilot.press("escape")  # back to the plan, then to the workloads
        await wait_for(pilot, lambda: not screen.query_one("#release-follow").display)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), what="the workloads")
    # Harness's records kept true: release 1's revisions renumbered to what the rollback made.
    assert (
        demo.cluster.get("deployments", "shop", "api")["metadata"]["annotations"][
            "deployment.kubernetes.io/revision"
        ]
        == "3"
    )


@pilot_test
async def test_typing_the_release_name_confirms_and_enter_alone_cancels(
    demo: RunningCluster,
) -> None:
    harness_release(demo)
    before = _resource_versions(demo)
    app = make_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_releases(pilot, app)
        await _confirm_dialog(pilot, app)
        await pilot.press("enter")  # an empty input is No
        await wait_for(pilot, lambda: isinstance(app.screen, ReleasesScreen), what="cancelled")
        await wait_for(
            pilot, lambda: "release rollback cancelled; nothing was changed" in notified(app)
        )
        assert _resource_versions(demo) == before
        await _confirm_dialog(pilot, app)
        await pilot.press(*RELEASE[:-1], "enter")  # a wrong name does nothing
        await wait_for(pilot, lambda: "exactly to confirm" in notified(app))
        assert isinstance(app.screen, ConfirmRelease) and _resource_versions(demo) == before
        await pilot.press(*RELEASE, "enter")
        await wait_for(pilot, lambda: _images(demo, 0), what="every workload rolled back")


@pytest.mark.parametrize("size", SIZES)
@pilot_test
async def test_read_only_says_why_r_does_nothing(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    harness_release(demo)
    before = _resource_versions(demo)
    app = make_app(demo, read_only=True)
    async with app.run_test(size=size) as pilot:
        screen = await _open_releases(pilot, app)
        assert screen.unavailable() == "read-only mode (--read-only): nothing can be changed"
        assert "roll back unavailable: read-only mode" in screen_text(app)
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: "cannot roll back the release: read-only mode" in notified(app),
            what="the reason",
        )
        assert not isinstance(app.screen, ConfirmRelease)
    assert _resource_versions(demo) == before


@pilot_test
async def test_esc_stops_following_and_nothing_is_undone(demo: RunningCluster) -> None:
    # The clock is stopped: the rollouts cannot end before esc.
    harness_release(demo)
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_releases(pilot, app)
        await _confirm_dialog(pilot, app)
        await pilot.press("y")
        await wait_for(pilot, lambda: _images(demo, 0), what="every workload rolled back")
        await wait_for(pilot, lambda: len(screen.releases.stops) == 2, what="following both")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.releases.following, what="stopped watching")
        await wait_for(
            pilot, lambda: "the rollouts go on in the cluster" in notified(app), what="outcome"
        )
        assert "stopped watching" in screen_text(app)
        assert [mark for mark, _ in screen.releases.follow_lines()] == ["⏹", "⏹"]
    assert _images(demo, 0)


@pilot_test
async def test_a_release_failure_is_shown_with_where_every_workload_stands(
    demo: RunningCluster,
) -> None:
    harness_release(demo)
    app = make_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_releases(pilot, app)
        set_image(demo, "api", "nginx:1.27.0")  # someone deploys api after the plan was shown
        ledger = _resource_versions(demo)[1]
        await _confirm_dialog(pilot, app)
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: "release rollback failed: nothing was applied" in screen_text(app),
            what="the failure",
        )
        assert "deployment.apps/api would not roll back" in notified(app)
        await wait_for(pilot, lambda: "from release 2 (Failed)" in screen_text(app), what="plan")
        text = " ".join(screen_text(app).split())  # the banner wraps
        assert "release rollback failed: nothing was applied" in text  # kept above the new plan
    assert template_image(demo, "Deployment", "api") == "nginx:1.27.0"
    assert _resource_versions(demo)[1] == ledger


@pilot_test
async def test_a_namespace_without_releases_says_so(demo: RunningCluster) -> None:
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ReleasesScreen))
        await wait_for(
            pilot, lambda: "No releases found in namespace shop" in screen_text(app), what="empty"
        )
        await pilot.press("r")
        await wait_for(pilot, lambda: "no release in this namespace" in notified(app))
