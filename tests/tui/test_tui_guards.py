"""What keeps a rollback from happening: read-only mode, RBAC, failing requests, refusals."""

from __future__ import annotations

import pytest

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.screens.confirm import ConfirmRollback
from kubectl_rollback.tui.screens.help import HelpScreen
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


@pilot_test
async def test_read_only_shows_the_action_disabled_with_the_reason_and_changes_nothing(
    demo: RunningCluster,
) -> None:
    before = deployment_of(demo, "checkout")["metadata"]["resourceVersion"]
    app = make_app(demo, workload="checkout", read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "checkout")
        main = main_of(app)
        assert main.check_action("rollback", ()) is None
        assert "read-only" in screen_text(app)
        assert "roll back unavailable: read-only mode" in screen_text(app)
        await pilot.press("r")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmRollback)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_for(pilot, lambda: "esc closes" in screen_text(app), what="the help drawn")
        text = screen_text(app)
        assert (
            "unavailable:" in text
            and "read-only mode (--read-only): nothing can be changed" in text
        )
    assert deployment_of(demo, "checkout")["metadata"]["resourceVersion"] == before


@pilot_test
async def test_rbac_denied_patch_is_checked_once_and_shown_as_unavailable(
    demo: RunningCluster,
) -> None:
    asked: list[tuple[str, str, str | None]] = []

    def authorizer(
        verb: str, group: str, plural: str, namespace: str | None, name: str | None
    ) -> bool:
        if plural == "deployments" and verb == "patch":
            asked.append((verb, plural, namespace))
            return False
        return True

    demo.cluster.authorizer = authorizer
    app = make_app(demo, workload="checkout")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "checkout")
        main = main_of(app)
        await wait_for(
            pilot, lambda: main.check_action("rollback", ()) is None, what="the RBAC answer"
        )
        assert (
            "RBAC: you may not patch deployments.apps in namespace shop"
            in main.rollback_unavailable()
        )
        assert "roll back unavailable: RBAC" in screen_text(app)
        await pilot.press("r")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmRollback)
        await pilot.press("down")  # another workload: no new review
        await pilot.pause(0.3)
    assert image_of(demo, "checkout") == CHECKOUT_CRASH
    assert asked.count(("patch", "deployments", "shop")) == 1


@pytest.mark.parametrize(("code", "reason"), [(409, "Conflict"), (500, "InternalError")])
@pilot_test
async def test_a_failing_patch_shows_an_error_and_nothing_changes(
    demo: RunningCluster, code: int, reason: str
) -> None:
    before = deployment_of(demo, "checkout")["metadata"]["resourceVersion"]
    demo.cluster.store.inject_failure(
        "patch", "deployments", "checkout", code, reason, f"injected {reason}"
    )
    app = make_app(demo, workload="checkout")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "checkout")
        await confirm_rollback(pilot, app)
        await wait_for(pilot, lambda: "Rollback failed" in notified(app), what="the error")
        assert f"injected {reason}" in notified(app)
        assert "rollback failed: nothing was applied" in screen_text(app)
        main = main_of(app)
        assert not main.rollback.following and main.check_action("rollback", ()) is True
    assert deployment_of(demo, "checkout")["metadata"]["resourceVersion"] == before
    assert image_of(demo, "checkout") == CHECKOUT_CRASH


@pytest.mark.parametrize("effect", ["lost", "reset"])
@pilot_test
async def test_a_rollback_whose_answer_is_lost_says_what_the_cluster_holds(
    demo: RunningCluster, effect: str
) -> None:
    demo.cluster.faults.add(f"PATCH deployments/checkout {effect}")
    app = make_app(demo, workload="checkout")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "checkout")
        await confirm_rollback(pilot, app)
        if effect == "lost":  # applied, answer lost: read back, it is followed as any rollback
            await wait_for(
                pilot,
                lambda: main_of(app).rollback.following or "Rolling back" in screen_text(app),
                what="the rollout followed",
            )
            assert "Rollback failed" not in notified(app)
        else:  # the connection dropped before the server applied it: read back, unchanged
            await wait_for(pilot, lambda: "Rollback failed" in notified(app), what="the error")
            text = screen_text(app)
            assert (
                "read back, deployment.apps/checkout is unchanged: nothing was applied; run again"
                in notified(app)
            )
            assert "rollback failed: nothing was applied" not in text  # said once, by the core
    assert image_of(demo, "checkout") == (CHECKOUT_GOOD if effect == "lost" else CHECKOUT_CRASH)


@pilot_test
async def test_a_change_after_the_preview_is_a_conflict_and_nothing_is_applied(
    demo: RunningCluster,
) -> None:
    app = make_app(demo, workload="checkout", live=False)  # no watch: the preview goes stale
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "checkout")
        demo.cluster.store.mutate(
            __import__("kubectl_rollback.sim.resources", fromlist=["BY_KIND"]).BY_KIND[
                "Deployment"
            ],
            "shop",
            "checkout",
            lambda d: d["metadata"].setdefault("labels", {}).update(touched="yes"),
        )
        changed = deployment_of(demo, "checkout")["metadata"]["resourceVersion"]
        await confirm_rollback(pilot, app)
        await wait_for(pilot, lambda: "Rollback failed" in notified(app), what="the conflict")
        assert "was changed since the plan was made" in notified(app)
    assert deployment_of(demo, "checkout")["metadata"]["resourceVersion"] == changed
    assert image_of(demo, "checkout") != CHECKOUT_GOOD
