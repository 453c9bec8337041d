"""What makes the UI answer at once, as behaviour (never timed; bench/bench_tui.py measures):
the first key loads at once, a burst of keys loads where it ends, a kept history is shown
again only while it is the workload's, the first listing is fetched while the UI loads, and
the filter narrows what it showed without losing a row a watch event made match."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from rich.text import Text
from textual._compositor import Compositor
from textual.geometry import Size

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.cluster import Connector, Prefetch, PrefetchingConnector
from kubectl_rollback.tui.collector import NEVER, Collector
from kubectl_rollback.tui.controllers import preview
from kubectl_rollback.tui.screens import main as main_screen
from kubectl_rollback.tui.widgets import timeline
from kubectl_rollback.tui.widgets.preview import PreviewPanel
from kubectl_rollback.tui.widgets.rendered import Rendered
from kubectl_rollback.tui.widgets.timeline import RevisionTimeline
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
    set_image,
    tables_settled,
    wait_for,
)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every workload whose history a worker loads, in order."""
    loaded: list[str] = []
    load = preview.load

    def counted(gw: Any, namespace: str, kind: str, name: str, **kwargs: Any) -> Any:
        loaded.append(name)
        return load(gw, namespace, kind, name, **kwargs)

    monkeypatch.setattr(preview, "load", counted)
    return loaded


def _previewing(app: Any, name: str) -> bool:
    main = main_of(app)
    return (
        main.preview.loaded is not None
        and main.preview.loaded.name == name
        and f"Preview: {name}" in screen_text(app)
    )


@pilot_test
async def test_the_first_key_shows_the_next_workloads_preview_without_a_debounce(
    demo: RunningCluster, loads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A debounce no test would outwait: the preview can only come from the first key itself.
    monkeypatch.setattr(main_screen, "HISTORY_DEBOUNCE", 3600.0)
    app = make_app(demo, workload="cart")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "cart")
        await pilot.press("down")
        await wait_for(pilot, lambda: _previewing(app, "catalog"), what="catalog's preview")
        assert loads == ["cart", "catalog"], loads


@pilot_test
async def test_a_burst_of_keys_loads_the_first_and_where_it_ends_not_the_rows_passed_over(
    demo: RunningCluster, loads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_screen, "HISTORY_DEBOUNCE", 3.0)
    app = make_app(demo, workload="cart")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "cart")
        workloads = main_of(app).query_one(WorkloadList)
        rows = [workloads.summaries[k].name for k in workloads._shown]
        start = rows.index("cart")
        await pilot.press("down", "down", "down")  # a held key: closer than the debounce
        last = rows[start + 3]
        await wait_for(pilot, lambda: _previewing(app, last), what=f"{last}'s preview")
        assert loads == ["cart", rows[start + 1], last]


@pilot_test
async def test_moving_back_shows_the_kept_history_only_while_the_workload_is_unchanged(
    demo: RunningCluster, loads: list[str]
) -> None:
    app = make_app(demo, workload="cart")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "cart")
        main = main_of(app)
        workloads = main.query_one(WorkloadList)
        await pilot.press("down")
        await wait_for(pilot, lambda: _previewing(app, "catalog"), what="catalog's preview")
        await pilot.press("up")
        await wait_for(pilot, lambda: _previewing(app, "cart"), what="cart's preview again")
        assert loads == ["cart", "catalog"]  # cart's history was kept, not asked for again

        await pilot.press("down")
        await wait_for(pilot, lambda: _previewing(app, "catalog"), what="catalog again")
        before = workloads.summaries[("Deployment", "cart")].resource_version
        set_image(demo, "cart", "registry.example.com/shop/cart:4.3.0")  # from elsewhere
        await wait_for(
            pilot,
            lambda: workloads.summaries[("Deployment", "cart")].resource_version != before,
            what="the watch event of cart",
        )
        await pilot.press("up")
        await wait_for(
            pilot,
            lambda: _previewing(app, "cart") and "cart:4.3.0" in screen_text(app),
            what="cart's new revision",
        )
        assert loads == ["cart", "catalog", "cart"]  # cart changed: read again


@pilot_test
async def test_without_live_updates_no_history_is_kept(
    demo: RunningCluster, loads: list[str]
) -> None:
    # Nothing would say that a kept history went stale: each visit reads it again.
    app = make_app(demo, workload="cart", live=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "cart")
        await pilot.press("down")
        await wait_for(pilot, lambda: _previewing(app, "catalog"), what="catalog's preview")
        await pilot.press("up")
        await wait_for(pilot, lambda: _previewing(app, "cart"), what="cart's preview")
        assert loads == ["cart", "catalog", "cart"]


@pilot_test
async def test_the_first_listing_is_the_one_fetched_while_the_ui_loaded(
    demo: RunningCluster,
) -> None:
    demo.cluster.count_requests = True
    prefetch = Prefetch(Connector(demo.kubeconfig), None, "shop")
    prefetch.wait()
    fetched = len(demo.cluster.requests)
    app = make_app(demo)
    app.connector = PrefetchingConnector(demo.kubeconfig, prefetch=prefetch)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        listed = main_of(app).query_one(WorkloadList).summaries
        assert {("Deployment", "checkout"), ("StatefulSet", "db")} <= set(listed)
        later = [path for _, path in demo.cluster.requests[fetched:]]
        # The workloads were not listed again (the watches start from the prefetch's list;
        # only the workload lister reads StatefulSets).
        assert not [p for p in later if "/statefulsets?" in p and "watch" not in p], later
        await pilot.press("ctrl+r")  # a refresh lists again, as before
        await wait_for(
            pilot,
            lambda: any(
                "/statefulsets?" in p and "watch" not in p
                for _, p in demo.cluster.requests[fetched:]
            ),
            what="the refresh's LIST",
        )


@pilot_test
async def test_a_prefetch_that_cannot_connect_says_so_as_the_ui_would(
    demo: RunningCluster, tmp_path: Any
) -> None:
    missing = str(tmp_path / "no-such-kubeconfig")
    prefetch = Prefetch(Connector(missing), None, None)
    app = make_app(demo, namespace=None)
    app.connector = PrefetchingConnector(missing, prefetch=prefetch)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Cannot connect" in notified(app), what="the error")
        assert "not connected" in screen_text(app)


@pilot_test
async def test_typing_on_narrows_the_filter_and_a_row_that_comes_to_match_is_shown(
    demo: RunningCluster,
) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        workloads = main_of(app).query_one(WorkloadList)
        await pilot.press("slash", *"crash")
        await wait_for(pilot, lambda: workloads.filter_text == "crash", what="the filter")
        crashing = [name for _, name in workloads._shown]
        assert "checkout" in crashing and "cart" not in crashing
        set_image(demo, "cart", "registry.example.com/shop/cart:crash-4.3.0")
        await wait_for(
            pilot,
            lambda: [name for _, name in workloads._shown] == ["cart", *crashing],
            what="cart matching the filter",
        )
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        await wait_for(pilot, lambda: workloads.filter_text == "", what="the filter cleared")
        assert len(workloads._shown) == len(workloads.summaries)


@pilot_test
async def test_a_loaded_history_is_previewed_in_the_handler_that_fills_the_revisions(
    demo: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Revisions and their preview change in one step, so one layout and one frame show both
    # (a Highlighted message from the table came after the table's own layout and frame).
    filling: list[bool] = [False]
    previews: list[tuple[str, bool]] = []
    show_history = main_screen.MainScreen._show_history
    show_plan = PreviewPanel.show_plan

    def filled(self: Any, loaded: Any) -> None:
        filling[0] = True
        try:
            show_history(self, loaded)
        finally:
            filling[0] = False

    def shown(self: Any, plan: Any, *args: Any, **kwargs: Any) -> None:
        previews.append((plan.ref.name, filling[0]))
        show_plan(self, plan, *args, **kwargs)

    monkeypatch.setattr(main_screen.MainScreen, "_show_history", filled)
    monkeypatch.setattr(PreviewPanel, "show_plan", shown)
    app = make_app(demo, workload="cart")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "cart")
        await pilot.press("down")
        await wait_for(pilot, lambda: _previewing(app, "catalog"), what="catalog's preview")
        assert ("cart", True) in previews and ("catalog", True) in previews, previews
        assert not [name for name, inside in previews if not inside], previews


@pilot_test
async def test_a_new_preview_is_drawn_once_when_it_is_given_not_in_the_layout_of_its_frame(
    demo: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The frame's layout and drawing of the screen are a wait of their own: rendering the
    # preview inside them as well made the longest stall a key met. Rendered when it is
    # given, at the width it is shown at (the pane keeps its scrollbar's gutter: a scrollbar
    # that comes with a long preview does not make it render again, narrower).
    laying_out: list[bool] = [False]
    renders: list[tuple[int, bool]] = []
    updates: list[object] = []
    refresh_layout = main_screen.MainScreen._refresh_layout
    lines, update = Rendered.lines, Rendered.update

    def laid_out(self: Any, *args: Any, **kwargs: Any) -> None:
        laying_out[0] = True
        try:
            refresh_layout(self, *args, **kwargs)
        finally:
            laying_out[0] = False

    def rendered(self: Rendered, width: int) -> Any:
        if width != self._width:
            renders.append((width, laying_out[0]))
        return lines(self, width)

    def updated(self: Rendered, renderable: Any) -> None:
        updates.append(renderable)
        update(self, renderable)

    monkeypatch.setattr(main_screen.MainScreen, "_refresh_layout", laid_out)
    monkeypatch.setattr(Rendered, "lines", rendered)
    monkeypatch.setattr(Rendered, "update", updated)
    app = make_app(demo, workload="cart")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "cart")
        panel = main_of(app).query_one(PreviewPanel)
        body = panel.query_one(Rendered)
        renders.clear()
        updates.clear()
        await pilot.press("down")
        await wait_for(pilot, lambda: _previewing(app, "catalog"), what="catalog's preview")
        await wait_for(pilot, lambda: tables_settled(app), what="the layout")
        assert panel.max_scroll_y > 0  # it scrolls
        assert updates and len(renders) == len(updates), (renders, updates)
        assert renders == [(body.size.width, False)] * len(updates)


@pilot_test
async def test_a_preview_whose_height_changed_asks_for_no_second_layout(
    demo: RunningCluster,
) -> None:
    # The layout that measured the preview's new height has placed it: Textual's virtual-size
    # reactive would lay the whole screen out again for nothing.
    app = make_app(demo, workload="cart")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "cart")
        panel = main_of(app).query_one(PreviewPanel)
        body = panel.query_one(Rendered)
        await pilot.pause()
        assert not body._layout_required and not panel._layout_required
        size, container = body.size, body.container_size
        taller = Size(size.width, size.height + 7)
        body._size_updated(taller, taller, container)
        # Taller still, with or without the scrollbar as before (one coming or going is a
        # layout of its own).
        scrolled = panel.virtual_size.height > panel.size.height
        height = panel.virtual_size.height + 7 if scrolled else max(1, panel.size.height - 3)
        panel._size_updated(
            panel.size, Size(panel.virtual_size.width, height), panel.container_size
        )
        assert body.virtual_size == taller and panel.virtual_size.height == height
        assert not body._layout_required and not panel._layout_required


@pilot_test
async def test_a_layout_that_leaves_the_workloads_table_as_it_was_repaints_no_scrollbar(
    demo: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ScrollView compared the compositor's virtual size with its own (never equal): every
    # layout of any pane updated and repainted the list's two scrollbars.
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        table = main_of(app).query_one(WorkloadList).table
        updates: list[Size] = []
        scroll_update = table._scroll_update

        def counted(virtual_size: Size) -> None:
            updates.append(virtual_size)
            scroll_update(virtual_size)

        monkeypatch.setattr(table, "_scroll_update", counted)
        shown = table.scrollable_content_region.size
        for _ in range(3):  # three layouts of the screen, the table unchanged
            table._size_updated(table.size, shown, table.parent.size)
        assert len(updates) <= 1, updates
        table.set_rows(table.rows[:2])  # its rows changed: its scrollbars follow
        table._size_updated(table.size, shown, table.parent.size)
        assert updates and updates[-1] == table.virtual_size


@pilot_test
async def test_a_timeline_bar_is_one_span_per_run_of_cells(demo: RunningCluster) -> None:
    # A span per cell made each row of the preview's timeline ~70 spans to draw one by one.
    app = make_app(demo, workload="checkout")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "checkout")
        history = main_of(app).preview.history
        picture = RevisionTimeline(history.revisions, demo.cluster.clock.now(), target=None)
        bars = [timeline._bar(picture.line, revision, 60) for revision in picture.rows()]
        assert len(bars) > 1
        for bar in bars:
            assert len(bar.plain) == 60
            assert len(bar.spans) == len(list(groupby(bar.plain))), (bar.plain, bar.spans)


def test_a_value_class_without_a_docstring_is_made_without_inspecting_a_signature(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # dataclasses documents such a class by inspect.signature: for a class that would be
    # object.__init__'s text signature, and the first one compiled tokenize's patterns at the
    # UI's start (controllers/layout.py's Layout was the first); @value writes it itself.
    import inspect

    from kubectl_rollback.core.values import value

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("inspect.signature called")

    monkeypatch.setattr(inspect, "signature", refused)

    @value
    class Undocumented:
        width: int
        name: str = ""

    assert Undocumented(3) == Undocumented(3, "")
    assert Undocumented.__doc__ == "Undocumented(width, name)"


def test_a_table_cell_that_is_a_string_is_drawn_without_making_a_rich_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A Text per cell (copied, truncated, rendered) was most of drawing a row; a string that
    # fits its column is the same segments made directly.
    from rich.console import Console
    from rich.style import Style

    from kubectl_rollback.tui.widgets import workload_table
    from kubectl_rollback.tui.widgets.workload_table import Column, LightTable

    cells = ["web", "日本語", "ring\x07bell", "x" * 9, ""]
    widths = [6, 7, 10, 9, 3]
    style = Style(color="red", bgcolor="black")

    def expected(cell: str, width: int) -> list[Segment]:
        text = Text(cell)
        text.truncate(width, overflow="ellipsis", pad=True)
        return [
            Segment(" ", style),
            *(Segment(s.text, style) for s in text.render(Console())),
            Segment(" ", style),
        ]

    want = [seg for cell, width in zip(cells, widths, strict=True) for seg in expected(cell, width)]
    monkeypatch.setattr(workload_table, "Text", None)  # any Text made would fail
    table = LightTable[str]([Column(str(w), w) for w in widths], lambda row: cells)
    assert list(table._line(cells, widths, style)) == want


def _stylesheets(app: Any) -> str:
    return "\n".join(source.content for source in app.stylesheet.source.values())


@pilot_test
async def test_the_dialogs_and_releases_stylesheets_are_read_when_their_screen_first_opens(
    demo: RunningCluster,
) -> None:
    # The first frame waits for every stylesheet read before it to be parsed: the rules of
    # screens not open yet are not among them.
    from kubectl_rollback.tui.screens.help import HelpScreen
    from kubectl_rollback.tui.screens.releases import ReleasesScreen

    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        assert "#confirm-dialog" not in _stylesheets(app)
        assert "#releases-table" not in _stylesheets(app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        assert "#confirm-dialog" in _stylesheets(app)
        assert app.screen.styles.align_horizontal == "center"  # dialogs.tcss applies
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
        assert "#releases-table" not in _stylesheets(app)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ReleasesScreen), what="releases")
        assert "#releases-table" in _stylesheets(app)


FIRST_SCREEN = """
import asyncio, json, sys
from kubectl_rollback.sim import run_demo
from tests.tui.tui_helpers import SIZE, make_app, ready


async def main():
    with run_demo() as sim:
        app = make_app(sim)
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot, app)
            first = {
                "modules": sorted(sys.modules),
                "widgets": sorted({type(w).__name__ for w in app.screen.walk_children()}),
            }
            await pilot.press("slash")
            box = app.screen.query_one("#filter")
            first["filter"] = [type(box).__name__, app.screen.focused is box]
            print(json.dumps(first))


asyncio.run(main())
"""


def test_the_first_screen_imports_and_mounts_only_what_it_shows() -> None:
    # What the first frame waits for: the dialogs, the other screens, the filter's input and
    # the rollout view's parts (its progress bar) come when first used.
    out = subprocess.run(
        [sys.executable, "-c", FIRST_SCREEN],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    first = json.loads(out.stdout.strip().splitlines()[-1])
    later = {
        "kubectl_rollback.tui.screens.confirm",
        "kubectl_rollback.tui.screens.help",
        "kubectl_rollback.tui.screens.picker",
        "kubectl_rollback.tui.screens.releases",
        "textual.widgets._progress_bar",
    }
    assert later.isdisjoint(first["modules"]), later & set(first["modules"])
    assert {"Input", "ProgressBar", "Bar"}.isdisjoint(first["widgets"]), first["widgets"]
    assert {"WorkloadList", "LightTable", "RevisionTable", "PreviewPanel", "RolloutView"} <= set(
        first["widgets"]
    )
    assert first["filter"] == ["Input", True]  # / mounts it, the keys typed go to it


@pilot_test
async def test_the_watches_and_the_side_questions_start_after_the_frame_that_shows_the_list(
    demo: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Their threads would share the interpreter with laying out and drawing the first list.
    frames: list[str] = []
    started: list[tuple[str, list[str]]] = []
    for name in ("_watch", "_check_permission", "_load_bluegreen"):
        worker = getattr(main_screen.MainScreen, name)

        def starting(self: Any, *args: Any, _name: str = name, _worker: Any = worker) -> Any:
            started.append((_name, list(frames)))
            return _worker(self, *args)

        monkeypatch.setattr(main_screen.MainScreen, name, starting)
    open_namespace = main_screen.MainScreen._open_namespace

    def opening(self: Any, namespace: str) -> None:
        frames.append("open")
        open_namespace(self, namespace)

    monkeypatch.setattr(main_screen.MainScreen, "_open_namespace", opening)
    app = make_app(demo)
    display = app._display

    def drawn(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None and not app._batch_count:  # in a batch, Textual drops it
            frames.append("listed" if "workloads" in app.timings else "before")

    app._display = drawn  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await wait_for(pilot, lambda: len({n for n, _ in started}) == 3, what="the workers")
        watches = [seen for name, seen in started if name == "_watch"]
        assert watches and all("listed" in seen for seen in watches), started
        others = [seen for name, seen in started if name != "_watch"]
        # After a frame drawn since the namespace was opened.
        assert others and all(seen[-1] != "open" for seen in others), started


@pilot_test
async def test_the_first_frame_is_rendered_once_with_the_list_and_the_keys(
    demo: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Textual renders a frame while the app batches updates (its whole start) and drops it;
    # its Footer shows no keys until the bindings are signalled, then recomposes and lays the
    # screen out again. The first frame drawn is the first rendered, with the keys in it.
    rendered: list[int] = []
    render_update = Compositor.render_update

    def rendering(self: Compositor, *args: Any, **kwargs: Any) -> Any:
        rendered.append(app._batch_count)
        return render_update(self, *args, **kwargs)

    monkeypatch.setattr(Compositor, "render_update", rendering)
    prefetch = Prefetch(Connector(demo.kubeconfig), None, "shop")  # as the UI starts
    prefetch.wait()
    app = make_app(demo)
    app.connector = PrefetchingConnector(demo.kubeconfig, prefetch=prefetch)
    display = app._display
    first: list[tuple[int, str, str]] = []

    def drawn(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None and not app._batch_count and not first:
            text = screen_text(app)
            first.append((len(rendered), text.splitlines()[-1], text))

    app._display = drawn  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await wait_for(pilot, lambda: bool(first), what="the first frame")
    assert all(batch == 0 for batch in rendered), rendered  # none rendered to be dropped
    renders, footer, screen = first[0]
    assert renders == 1, rendered
    assert footer.startswith(" q Quit  ? Help "), footer
    assert "checkout" in screen, screen


@pilot_test
async def test_the_main_screen_is_the_apps_first_screen_not_one_pushed_over_a_blank_one(
    demo: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Textual's default first screen is a blank Screen: with ours pushed over it in the app's
    # on_mount, both were composed, styled and laid out before the first frame (about 7% of
    # the CPU time of a start at 500 Deployments).
    from textual.screen import Screen

    laid_out: list[str] = []
    refresh_layout = Screen._refresh_layout

    def layout(self: Screen[Any], *args: Any, **kwargs: Any) -> Any:
        laid_out.append(type(self).__name__)
        return refresh_layout(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", layout)
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        assert [type(s) for s in app.screen_stack] == [main_screen.MainScreen]
    assert laid_out and set(laid_out) == {"MainScreen"}, laid_out


def test_an_allowed_answer_after_none_changes_nothing_the_screen_says() -> None:
    # Unknown counts as allowed: the answer "allowed" (with its reason) redraws no preview.
    from kubectl_rollback.tui.controllers.connection import ConnectionController

    conn = ConnectionController(Connector())
    assert not conn.permissions_checked("shop", (("deployments", True, "allowed by RBAC"),))
    assert conn.permissions_checked("shop", (("deployments", False, "no role"),))
    assert not conn.permissions_checked("shop", (("deployments", False, "no role"),))
    assert conn.permissions_checked("shop", (("deployments", False, "denied"),))
    assert conn.permissions_checked("shop", (("deployments", True, ""),))


def test_the_ui_starts_with_what_importing_made_out_of_the_collectors_sight(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Importing Textual made ~300,000 objects that live as long as the app: ten collections
    # among them while importing, then a full one of 20-30 ms just before the first frame;
    # the app's own start then led to young collections worth 15-20 ms of it.
    import gc

    from kubectl_rollback.tui import run_app
    from kubectl_rollback.tui.app import RollbackApp

    seen: dict[str, Any] = {}
    disabled: list[bool] = []
    disable = gc.disable

    def disabling() -> None:
        disabled.append(True)
        disable()

    def run(self: Any) -> None:
        seen.update(collecting=gc.isenabled(), frozen=gc.get_freeze_count())
        self.milestone("workloads")
        seen["listed"] = gc.isenabled()
        self.milestone("frame")  # MainScreen: once its first frame is on the terminal
        seen["drawn"] = gc.isenabled()
        seen["full"] = gc.get_threshold()[2]  # full collections: when the user pauses

    monkeypatch.setattr(gc, "disable", disabling)
    monkeypatch.setattr(RollbackApp, "run", run)
    gc.unfreeze()
    threshold = gc.get_threshold()
    run_app(kubeconfig=str(tmp_path / "no-kubeconfig"))
    assert disabled, "the imports ran with the collector on"
    assert not seen["collecting"] and seen["frozen"] > 10_000, seen
    assert seen == {**seen, "listed": False, "drawn": True, "full": NEVER}, seen
    assert gc.isenabled() and gc.get_threshold() == threshold


def test_the_collector_comes_back_when_the_ui_ends_before_its_first_frame(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import gc

    from kubectl_rollback.tui import run_app
    from kubectl_rollback.tui.app import RollbackApp

    def run(self: Any) -> None:
        raise KeyboardInterrupt  # ends before any frame (and not through the app)

    monkeypatch.setattr(RollbackApp, "run", run)
    with pytest.raises(KeyboardInterrupt):
        run_app(kubeconfig=str(tmp_path / "no-kubeconfig"))
    assert gc.isenabled()


@pilot_test
async def test_the_app_calls_back_once_its_first_frame_is_on_the_terminal(
    sim: RunningCluster,
) -> None:
    called: list[bool] = []

    class Counted(Collector):
        def drawn(self) -> None:
            called.append(True)

    app = make_app(sim, collector=Counted(enabled=False))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await wait_for(pilot, lambda: bool(called), what="the first frame's call")
        assert "frame" in app.timings
        main_of(app).refresh()
        await pilot.pause(0.05)
    assert called == [True]  # once, however many frames followed
