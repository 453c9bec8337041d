"""The revision history as a timeline in the preview: when each revision was live, its health,
and the mark on the revision the rollback goes to (it follows the highlighted revision)."""

from __future__ import annotations

import pytest

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.widgets.revisions import RevisionTable
from tests.tui.tui_helpers import (
    SIZES,
    main_of,
    make_app,
    open_on,
    pilot_test,
    screen_text,
    wait_for,
)


def timeline_rows(text: str) -> dict[str, str]:
    """Revision number -> its timeline row (from ``● 6 ✔ ·····██ live now`` lines)."""
    rows: dict[str, str] = {}
    for line in text.splitlines():
        cells = line.replace("│", " ").split()
        for index, cell in enumerate(cells[:-2]):
            if (
                cell.isdigit()
                and cells[index + 1] in "✔✖?"
                and set(cells[index + 2]) <= set("█▒·▌")
            ):
                rows[cell] = " ".join(cells[index:])
    return rows


@pytest.mark.parametrize("size", SIZES[1:], ids=[f"{w}x{h}" for w, h in SIZES[1:]])
def test_the_timeline_marks_where_the_rollback_goes_and_follows_the_highlight(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    @pilot_test
    async def run() -> None:
        app = make_app(demo, workload="catalog")
        async with app.run_test(size=size) as pilot:
            await open_on(pilot, app, "catalog")
            await wait_for(pilot, lambda: "timeline" in screen_text(app), what="the timeline")
            rows = timeline_rows(screen_text(app))
            # The default target (revision 5, becomes 7) is marked; the current one is live now.
            assert set(rows) >= {"6", "5", "4"}, rows
            assert "◀ rollback" in rows["5"]
            assert rows["6"].endswith("live now") and "█" in rows["6"]
            assert "◀" not in rows["6"] and "◀" not in rows["4"]
            # Each revision was live for a while, older ones further left.
            bars = {n: rows[n].split()[2] for n in ("6", "5", "4")}
            assert bars["4"].index("█") < bars["5"].index("█") < bars["6"].index("█")
            assert bars["6"].endswith("█")  # live up to now
            # Highlight revision 4: the mark moves there.
            main = main_of(app)
            main.query_one(RevisionTable).table.focus()
            await pilot.press("down")
            await wait_for(
                pilot,
                lambda: main.preview.plan is not None and main.preview.plan.to_revision.number == 4,
                what="revision 4 previewed",
            )
            await wait_for(
                pilot, lambda: "◀" in timeline_rows(screen_text(app)).get("4", ""), what="the mark"
            )
            rows = timeline_rows(screen_text(app))
            assert "◀" not in rows["5"]

    run()


@pilot_test
async def test_at_80x24_the_timeline_is_drawn_in_the_width_there_is(demo: RunningCluster) -> None:
    app = make_app(demo, workload="catalog")
    async with app.run_test(size=SIZES[0]) as pilot:
        await open_on(pilot, app, "catalog")
        await wait_for(pilot, lambda: "timeline" in screen_text(app), what="the timeline")
        assert all(len(line) <= 80 for line in screen_text(app).splitlines())
