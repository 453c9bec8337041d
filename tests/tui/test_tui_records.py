"""The guard's records in the terminal UI: the demo's deploy/orders was guarded on every
deploy, so its revisions show recorded evidence and the preview picks by it."""

from __future__ import annotations

import pytest

from kubectl_rollback.sim import RunningCluster
from tests.tui.tui_helpers import main_of, make_app, open_on, pilot_test, screen_text, wait_for


@pytest.mark.parametrize(
    "size", [(80, 24), (120, 40), (200, 60)], ids=["80x24", "120x40", "200x60"]
)
@pilot_test
async def test_recorded_evidence_shows_and_decides_the_target(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    app = make_app(demo, workload="orders")
    async with app.run_test(size=size) as pilot:
        await open_on(pilot, app, "orders")
        main = main_of(app)
        await wait_for(pilot, lambda: main.preview.plan is not None, what="the preview")
        plan = main.preview.plan
        assert plan.to_revision.number == 1
        assert plan.to_revision.health_reason.startswith("guard, ")
        assert plan.to_revision.health_reason.endswith("settled 30s")
        assert plan.kubectl_would_pick is not None and plan.kubectl_would_pick.number == 3
        text = screen_text(app)
        assert "recorded" in text or "guard" in text
