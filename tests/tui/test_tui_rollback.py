"""Rolling back from the terminal UI, asserting on the simulated cluster afterwards."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.screens.confirm import ConfirmRollback
from kubectl_rollback.tui.widgets.rollout import RolloutView
from tests.tui.tui_helpers import (
    CHECKOUT_CRASH,
    CHECKOUT_GOOD,
    SIZE,
    confirm_rollback,
    deployment_of,
    image_of,
    main_of,
    make_app,
    notified,
    open_on,
    pilot_test,
    screen_text,
    wait_for,
)


async def _advance_until(
    pilot: Pilot[Any],
    sim: RunningCluster,
    predicate: Any,
    *,
    step: float = 5,
    limit: float = 900,
    what: str = "rollout",
) -> None:
    """Move the simulated clock and let the app catch up until ``predicate()``."""
    moved = 0.0
    while not predicate():
        assert moved <= limit, f"{what} did not happen within {limit} simulated seconds"
        sim.cluster.advance(step)
        moved += step
        await pilot.pause(0.03)


@pilot_test
async def test_confirming_rolls_checkout_back_to_its_last_good_revision_and_follows_it(
    demo: RunningCluster,
) -> None:
    app = make_app(demo, workload="checkout")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "checkout")
        main = main_of(app)
        assert main.preview.plan.to_revision.number == 1
        assert "kubectl rollout undo would pick 2" in screen_text(app)
        await pilot.press("r")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmRollback), what="the confirmation"
        )
        assert image_of(demo, "checkout") == CHECKOUT_CRASH  # nothing before the deliberate key
        await pilot.press("y")
        await wait_for(pilot, lambda: image_of(demo, "checkout") == CHECKOUT_GOOD, what="the patch")
        rollout = main.query_one(RolloutView)
        await wait_for(pilot, lambda: rollout.display, what="the rollout view")
        await _advance_until(pilot, demo, lambda: rollout.finished is not None)
        assert rollout.finished == "done"
        assert 'deployment "checkout" successfully rolled out' in screen_text(app)
        # The history now shows the renumbered revision as current.
        await wait_for(
            pilot,
            lambda: (
                main.preview.history is not None
                and main.preview.history.current is not None
                and main.preview.history.current.number == 4
            ),
            what="the new revision numbers",
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: not rollout.display, what="back to the preview")
    dep = deployment_of(demo, "checkout")
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4"
    assert (
        "rolled back from revision 3"
        in dep["metadata"]["annotations"]["kubernetes.io/change-cause"]
    )


@pilot_test
async def test_typing_the_workload_name_confirms(demo: RunningCluster) -> None:
    app = make_app(demo, workload="checkout")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "checkout")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRollback))
        await pilot.click("#confirm-name")
        await pilot.press(*"checkou", "enter")  # a wrong name does nothing
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmRollback)
        assert image_of(demo, "checkout") == CHECKOUT_CRASH
        await pilot.press(*"checkout", "enter")
        await wait_for(pilot, lambda: image_of(demo, "checkout") == CHECKOUT_GOOD, what="the patch")


@pilot_test
async def test_cancelling_the_dialog_changes_nothing(demo: RunningCluster) -> None:
    before = deployment_of(demo, "checkout")["metadata"]["resourceVersion"]
    app = make_app(demo, workload="checkout")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "checkout")
        for cancel in ("n", "escape", "enter"):  # enter lands on the default button: No
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRollback))
            await pilot.press(cancel)
            await wait_for(
                pilot,
                lambda: not isinstance(app.screen, ConfirmRollback),
                what=f"{cancel} to close",
            )
        await pilot.pause(0.2)
        assert "rollback cancelled; nothing was changed" in notified(app)
    assert deployment_of(demo, "checkout")["metadata"]["resourceVersion"] == before
    assert image_of(demo, "checkout") == CHECKOUT_CRASH


@pilot_test
async def test_an_explicit_revision_is_rolled_back_to_and_its_failure_is_reported(
    demo: RunningCluster,
) -> None:
    app = make_app(demo, workload="checkout")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "checkout")
        main = main_of(app)
        await pilot.press("tab")  # to the revisions
        await wait_for(
            pilot, lambda: main.query_one("#revisions-table").has_focus, what="revisions focus"
        )
        await pilot.press("up")  # from ★ 1 to revision 2 (the broken image)
        await wait_for(
            pilot,
            lambda: main.preview.plan is not None and main.preview.plan.to_revision.number == 2,
        )
        assert "⚠" in screen_text(app)  # rolling back onto a failed revision warns
        await confirm_rollback(pilot, app)
        await wait_for(
            pilot, lambda: image_of(demo, "checkout").endswith("broken-1.9.0"), what="the patch"
        )
        rollout = main.query_one(RolloutView)
        await _advance_until(pilot, demo, lambda: rollout.finished is not None, step=30, limit=1800)
        assert rollout.finished == "failed"
        assert "exceeded its progress deadline" in screen_text(app)


@pilot_test
async def test_stopping_the_watch_does_not_undo_the_rollback(demo: RunningCluster) -> None:
    # web's previous revision has no pods left: its rollout waits for the (stopped) clock.
    app = make_app(demo, workload="web")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "web")
        main = main_of(app)
        assert main.preview.plan.to_revision.number == 3
        await confirm_rollback(pilot, app)
        rollout = main.query_one(RolloutView)
        await wait_for(
            pilot,
            lambda: rollout.display and main.rollback.follow_stop is not None,
            what="following",
        )
        await wait_for(
            pilot, lambda: "rollout to finish" in screen_text(app), what="kubectl's status line"
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: rollout.finished == "stopped", what="stopped watching")
        assert "nothing was undone" in screen_text(app)
        assert not main.rollback.following
        demo.cluster.advance(120)
    assert image_of(demo, "web") == "nginx:1.26.0"
    assert demo.cluster.get("deployments", "shop", "web")["status"]["updatedReplicas"] == 3


@pilot_test
async def test_paused_deployment_is_refused_with_kubectls_reason(demo: RunningCluster) -> None:
    before = deployment_of(demo, "payments")["metadata"]["resourceVersion"]
    app = make_app(demo, workload="payments")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "payments")
        await pilot.press("r")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmRollback)
        assert "you cannot rollback a paused deployment" in notified(app)
    assert deployment_of(demo, "payments")["metadata"]["resourceVersion"] == before


@pilot_test
async def test_a_single_revision_has_nothing_to_roll_back_to(demo: RunningCluster) -> None:
    app = make_app(demo, workload="cart")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "cart")
        message = 'no rollout history found for deployment "cart"'
        assert main_of(app).preview.plan_error == message
        # Once in the revisions legend, once in the preview (they are drawn one after the other).
        await wait_for(
            pilot,
            lambda: screen_text(app).count(message) == 2,
            what="the core's reason in the legend and the preview",
        )
        text = screen_text(app)
        assert "skipped rollback" not in text and "1 → 1" not in text and "★" not in text
        await pilot.press("r")
        await wait_for(pilot, lambda: message in notified(app), what="the reason, notified")
        assert not isinstance(app.screen, ConfirmRollback)
