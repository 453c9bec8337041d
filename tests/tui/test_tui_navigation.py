"""Live updates, namespaces, contexts, the filter, help, the palette, the mouse and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_rollback.core.workloads import WorkloadStatus, matches, ordered
from kubectl_rollback.sim import RunningCluster, kubeconfig_text
from kubectl_rollback.tui import cluster as tui_cluster
from kubectl_rollback.tui.screens.help import HelpScreen
from kubectl_rollback.tui.screens.picker import PickOne
from kubectl_rollback.tui.widgets.workloads import WorkloadList
from tests.tui.tui_helpers import (
    SIZE,
    deployment,
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


@pilot_test
async def test_workloads_list_kinds_statuses_revisions_and_images(demo: RunningCluster) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        rows = main_of(app).query_one(WorkloadList).summaries
        assert rows[("Deployment", "checkout")].status is WorkloadStatus.FAILED
        assert rows[("Deployment", "payments")].status is WorkloadStatus.PAUSED
        assert rows[("Deployment", "web")].status is WorkloadStatus.HEALTHY
        assert rows[("Deployment", "web")].revision == 4
        assert (
            rows[("StatefulSet", "db")].unsupported is None
            and rows[("DaemonSet", "node-agent")].unsupported is None
        )
        text = screen_text(app)
        for expected in ("✖  checkout", "⏸  payments", "✔  web", "sts", "ds", "nginx:1.27.0"):
            assert expected in text


@pilot_test
async def test_each_status_symbol_is_drawn_in_its_colour(demo: RunningCluster) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        # Off the cursor's row (its style goes over the cells), on the terminal's frame.
        table = main_of(app).query_one(WorkloadList).table
        await pilot.press("end")
        await wait_for(pilot, lambda: table.cursor_row == len(table.rows) - 1, what="the end")
        colours: dict[str, set[str | None]] = {}
        for strip in app.screen._compositor.render_strips():
            for segment in strip:
                text, style = segment.text.strip(), segment.style
                if text in ("✖", "⏸", "✔", "web"):
                    colour = style.color.name if style and style.color else None
                    colours.setdefault(text, set()).add(colour)
        # Failed, paused and healthy each in one colour of its own, none in the names' colour
        # (the terminal's theme turns red, yellow and green into its own shades).
        assert all(len(colours.get(s, ())) == 1 for s in ("✖", "⏸", "✔", "web")), colours
        failed, paused, healthy, name = (colours[s].pop() for s in ("✖", "⏸", "✔", "web"))
        assert len({failed, paused, healthy, name}) == 4, colours


@pilot_test
async def test_a_rollout_started_elsewhere_shows_up_without_refreshing(
    demo: RunningCluster,
) -> None:
    app = make_app(demo, workload="web")
    async with app.run_test(size=SIZE) as pilot:
        await open_on(pilot, app, "web")
        main = main_of(app)
        workloads = main.query_one(WorkloadList)
        set_image(demo, "web", "nginx:1.28.0")  # kubectl set image, from another terminal
        await wait_for(
            pilot,
            lambda: workloads.summaries[("Deployment", "web")].revision == 5,
            what="the watch event",
        )
        assert workloads.summaries[("Deployment", "web")].status is WorkloadStatus.PROGRESSING
        await wait_for(
            pilot,
            lambda: main.preview.history is not None and len(main.preview.history.revisions) == 5,
            what="the history reloaded",
        )
        await wait_for(
            pilot, lambda: "nginx:1.28.0" in screen_text(app), what="the new revision on screen"
        )
        assert "⟳  web" in screen_text(app)
        demo.cluster.advance(120)
        await wait_for(
            pilot,
            lambda: workloads.summaries[("Deployment", "web")].status is WorkloadStatus.HEALTHY,
            what="the rollout to complete",
        )
        assert main.query_one("#context-bar").live == ""


@pilot_test
async def test_a_new_deployment_appears_and_refresh_lists_again(demo: RunningCluster) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        workloads = main_of(app).query_one(WorkloadList)
        demo.cluster.apply_object(deployment("reviews", "reviews:1.0", namespace="shop"))
        await wait_for(
            pilot, lambda: ("Deployment", "reviews") in workloads.summaries, what="ADDED"
        )
        before = app.timings["workloads"]
        await pilot.press("ctrl+r")
        await wait_for(
            pilot,
            lambda: (
                ("Deployment", "reviews") in workloads.summaries and "reviews" in screen_text(app)
            ),
        )
        assert (
            app.timings["workloads"] == before
        )  # milestones are first-time only; the list is simply redone


@pilot_test
async def test_switching_namespace_lists_its_workloads(demo: RunningCluster) -> None:
    demo.cluster.apply_object(deployment("api", "api:2.0", namespace="default"))
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PickOne), what="the namespace picker")
        await pilot.press(*"defa", "enter")
        main = main_of(app)
        await wait_for(
            pilot,
            lambda: (
                main.connection.namespace == "default"
                and ("Deployment", "api") in main.query_one(WorkloadList).summaries
            ),
        )
        assert "namespace default" in screen_text(app)
        assert ("Deployment", "web") not in main.query_one(WorkloadList).summaries


@pilot_test
async def test_switching_context_reconnects(demo: RunningCluster, tmp_path: Path) -> None:
    text = kubeconfig_text(demo.url)
    # A second context on the same simulated cluster, defaulting to namespace shop.
    text = text.replace(
        "contexts:\n",
        "contexts:\n- name: staging\n  context:\n    cluster: sim\n    user: sim\n"
        "    namespace: shop\n",
        1,
    )
    config = tmp_path / "kubeconfig"
    config.write_text(text)
    app = make_app(demo, namespace=None, kubeconfig=str(config))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        main = main_of(app)
        assert main.connection.namespace == "default"
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, PickOne), what="the context picker")
        assert "staging" in screen_text(app)
        await pilot.press(*"stag", "enter")
        await wait_for(
            pilot,
            lambda: (
                main.connection.gw is not None
                and main.connection.gw.context == "staging"
                and main.connection.namespace == "shop"
                and ("Deployment", "web") in main.query_one(WorkloadList).summaries
            ),
        )
        assert "context staging" in screen_text(app)


@pilot_test
async def test_typing_after_slash_filters_the_workloads(demo: RunningCluster) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        workloads = main_of(app).query_one(WorkloadList)
        await pilot.press("slash", *"check")
        await wait_for(pilot, lambda: workloads.table.row_count == 1)
        assert workloads.highlighted is not None and workloads.highlighted.name == "checkout"
        await pilot.press("enter")  # back to the list, filter kept
        assert workloads.table.row_count == 1
        await pilot.press("slash", "escape")
        await wait_for(pilot, lambda: workloads.table.row_count == len(workloads.summaries) > 1)


@pilot_test
async def test_a_filter_of_several_words_shows_the_workloads_with_every_word(
    demo: RunningCluster,
) -> None:
    # Each word anywhere in a workload's name, kind, status or images (core.workloads's
    # rule, the referee), as the words are typed and as they are deleted again.
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        workloads = main_of(app).query_one(WorkloadList)
        everything = list(workloads.summaries.values())
        await pilot.press("slash")
        typed = ""
        for key, char in [(c, c) for c in "deploy 1."] + [("backspace", None)] * 3:
            await pilot.press(key)
            typed = typed + char if char else typed[:-1]
            want = [s.key for s in ordered(everything) if matches(s, typed)]
            await wait_for(
                pilot, lambda want=want: workloads._shown == want, what=f"the rows of {typed!r}"
            )
        assert 0 < len(workloads._shown) < len(everything)  # "deploy" alone: not the sts/ds


@pilot_test
async def test_help_lists_every_key(demo: RunningCluster) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_for(pilot, lambda: "esc closes" in screen_text(app), what="the help drawn")
        text = screen_text(app)
        for binding in [*type(main_of(app)).BINDINGS, *type(app).BINDINGS]:
            assert binding.description in text, binding.description
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


@pilot_test
async def test_command_palette_runs_the_actions(demo: RunningCluster) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"switch namespace")
        await pilot.pause(0.5)
        assert "Switch namespace" in screen_text(app)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, PickOne), what="the palette to run the action"
        )


@pilot_test
async def test_clicking_a_workload_selects_it(demo: RunningCluster) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        main = main_of(app)
        await pilot.click(
            "#workloads-table", offset=(6, 3)
        )  # header row, then cart, catalog, checkout
        await wait_for(
            pilot,
            lambda: (
                main.workloads.selected is not None and main.workloads.selected.name == "checkout"
            ),
        )
        await wait_for(
            pilot,
            lambda: (
                main.preview.history is not None and main.preview.history.ref.name == "checkout"
            ),
        )


@pilot_test
async def test_unreachable_cluster_is_an_error_panel_not_a_traceback(
    tmp_path: Path, demo: RunningCluster
) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(kubeconfig_text("http://127.0.0.1:9"))  # discard port: nothing listens
    app = make_app(demo, kubeconfig=str(config))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: "Cannot list workloads" in notified(app) or "Cannot connect" in notified(app),
            timeout=15,
            what="the error",
        )
        assert "Unable to connect to the server" in notified(app)
        assert "cannot" in screen_text(app).lower()
        assert app.is_running


@pilot_test
async def test_a_bug_in_a_worker_is_shown_and_the_app_keeps_running(
    demo: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(gw: object, namespace: str) -> None:
        raise RuntimeError("something unexpected")

    monkeypatch.setattr("kubectl_rollback.tui.controllers.workloads.list_workloads", broken)
    assert tui_cluster.list_workloads is not broken
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: "something unexpected" in notified(app), what="the error notification"
        )
        assert app.is_running
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
