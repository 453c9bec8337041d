"""The blue/green panel and the rapid rollback (traffic switch) from the terminal UI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.screens.confirm import ConfirmSwitch
from kubectl_rollback.tui.widgets.bluegreen import BlueGreenPanel
from tests.tui.tui_helpers import (
    SIZE,
    main_of,
    make_app,
    notified,
    open_on,
    pilot_test,
    screen_text,
    set_image,
    wait_for,
)


def _color(sim: RunningCluster, service: str) -> str:
    return str(sim.cluster.get("services", "shop", service)["spec"]["selector"]["harness.io/color"])


@pilot_test
async def test_switch_routes_traffic_back_to_the_ready_side(demo: RunningCluster) -> None:
    assert (_color(demo, "storefront"), _color(demo, "storefront-stage")) == ("green", "blue")
    app = make_app(demo, workload="storefront-green")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "storefront-green")
        main = main_of(app)
        panel = main.query_one(BlueGreenPanel)
        await wait_for(
            pilot, lambda: [r.name for r in panel.rows] == ["storefront"], what="the group"
        )
        row = panel.rows[0]
        assert (row.live, row.live_ok, row.idle, row.idle_ok) == ("green", False, "blue", True)
        await wait_for(pilot, lambda: main.check_action("switch_traffic", ()) is True)
        await pilot.press("s")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmSwitch), what="the confirmation"
        )
        assert "green → blue" in screen_text(app)
        assert _color(demo, "storefront") == "green"
        await pilot.press("y")
        await wait_for(pilot, lambda: _color(demo, "storefront") == "blue", what="the switch")
        await wait_for(pilot, lambda: "Traffic switched" in notified(app))
        await wait_for(
            pilot, lambda: panel.rows and panel.rows[0].live == "blue", what="the panel to follow"
        )
    assert _color(demo, "storefront-stage") == "green"  # the swap is undone as a pair


@pilot_test
async def test_cancelled_or_read_only_switch_changes_nothing(demo: RunningCluster) -> None:
    app = make_app(demo, workload="storefront-green")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "storefront-green")
        main = main_of(app)
        await wait_for(pilot, lambda: main.check_action("switch_traffic", ()) is True)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmSwitch))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "traffic switch cancelled" in notified(app))
    read_only = make_app(demo, workload="storefront-green", read_only=True)
    async with read_only.run_test(size=SIZE) as pilot:
        await open_on(pilot, read_only, "storefront-green")
        await wait_for(pilot, lambda: main_of(read_only).query_one(BlueGreenPanel).rows)
        assert main_of(read_only).check_action("switch_traffic", ()) is None
        await pilot.press("s")
        await pilot.pause(0.2)
        assert not isinstance(read_only.screen, ConfirmSwitch)
    assert _color(demo, "storefront") == "green"


@pilot_test
async def test_the_preview_warns_that_a_deployment_is_a_side_of_a_blue_green_group(
    demo: RunningCluster,
) -> None:
    # A second revision of the idle side, so that rolling it back is a real plan; the CLI puts
    # the core's blue-green warning on that plan, and the TUI must show the same.
    set_image(demo, "storefront-blue", "registry.example.com/shop/storefront:2.0.0")
    app = make_app(demo, workload="storefront-blue")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "storefront-blue")
        plan = main_of(app).preview.plan
        assert plan.noop is None and plan.refusal is None and plan.to_revision.number == 1
        assert [w.code for w in plan.warnings if w.code == "blue-green"] == ["blue-green"]
        await wait_for(
            pilot,
            lambda: "storefront-blue is the idle side of blue/green group" in screen_text(app),
            what="the blue/green warning in the preview",
        )
        assert "kubectl rollback svc/storefront" in screen_text(app)
        shown = [(w.code, w.message) for w in plan.warnings]
    # The same (default) plan from the command line: the same warnings, word for word.
    out = subprocess.run(
        [sys.executable, "-m", "kubectl_rollback", "deploy/storefront-blue", "-n", "shop"]
        + ["--dry-run", "-o", "json"],
        env={**os.environ, "KUBECONFIG": demo.kubeconfig},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    printed = [(w["code"], w["message"]) for w in json.loads(out.stdout)["plan"]["warnings"]]
    assert printed == shown
