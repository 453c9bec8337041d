"""What makes the UI answer at once, as behaviour (never timed; bench/bench_tui.py measures):
the first key loads at once, a burst of keys loads where it ends, a kept history is shown
again only while it is the workload's, the first listing is fetched while the UI loads, and
the filter narrows what it showed without losing a row a watch event made match."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.cluster import Connector, Prefetch, PrefetchingConnector
from kubectl_rollback.tui.controllers import preview
from kubectl_rollback.tui.screens import main as main_screen
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
