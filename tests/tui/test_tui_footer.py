"""The footer of keys, one widget: every key on the first frame, quit and help first, a click
on a key presses it (a dimmed one says why, as pressing it does), the mouse highlights the key
under it and shows its tooltip; at several terminal sizes."""

from __future__ import annotations

import pytest

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.app import RollbackApp
from kubectl_rollback.tui.screens.help import HelpScreen
from kubectl_rollback.tui.widgets.footer import FooterEntry, KeysFooter
from tests.tui.tui_helpers import (
    SIZE_IDS,
    SIZES,
    main_of,
    make_app,
    notified,
    pilot_test,
    ready,
    screen_text,
    wait_for,
)


def _footer(app: RollbackApp) -> KeysFooter:
    return app.screen.query_one(KeysFooter)


def _entry(app: RollbackApp, description: str) -> FooterEntry:
    return next(e for e in _footer(app).entries if e.description == description)


def _bottom_line(app: RollbackApp) -> str:
    return screen_text(app).splitlines()[-1]


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pilot_test
async def test_the_footer_draws_the_screens_keys_where_a_click_finds_them(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    app = make_app(demo)
    async with app.run_test(size=size) as pilot:
        await ready(pilot, app)
        line = _bottom_line(app)
        entries = _footer(app).entries
        assert [e.description for e in entries[:2]] == ["Quit", "Help"]
        for entry in entries:
            if entry.end <= size[0]:  # what the terminal's width leaves of the line
                drawn = line[entry.start : entry.end]
                assert entry.display in drawn and entry.description in drawn, (entry, line)
        compact = size[0] < 100
        assert _footer(app).compact is compact
        assert line.startswith("q Quit ? Help" if compact else " q Quit  ? Help "), line


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pilot_test
async def test_clicking_a_key_in_the_footer_presses_it(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    app = make_app(demo)
    async with app.run_test(size=size) as pilot:
        await ready(pilot, app)
        helping = _entry(app, "Help")
        await pilot.click(KeysFooter, offset=(helping.end - 2, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
        gap = helping.end  # past Help's last column: the next key, or the space between
        entries = _footer(app).entries
        if _footer(app).entry_at(gap) is None:
            await pilot.click(KeysFooter, offset=(gap, 0))
            await pilot.pause()
            assert app.screen is main_of(app)
        assert entries == _footer(app).entries


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pilot_test
async def test_clicking_a_dimmed_key_says_why_as_pressing_it_does(
    demo: RunningCluster, size: tuple[int, int]
) -> None:
    app = make_app(demo, read_only=True)
    async with app.run_test(size=size) as pilot:
        await ready(pilot, app)
        rolling = _entry(app, "Roll back")
        assert not rolling.enabled
        await pilot.click(KeysFooter, offset=(rolling.start, 0))
        await wait_for(pilot, lambda: "cannot roll back" in notified(app), what="the reason")
        clicked = notified(app)
        app.clear_notifications()
        await pilot.press("r")
        await wait_for(pilot, lambda: "cannot roll back" in notified(app), what="the reason")
        assert notified(app) == clicked
        assert app.screen is main_of(app)  # no dialog


@pilot_test
async def test_the_key_under_the_mouse_is_highlighted_with_its_tooltip(
    demo: RunningCluster,
) -> None:
    app = make_app(demo)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot, app)
        # The first preview, the blue/green groups and the permission check each enable keys
        # as they arrive: a footer read before them all would differ from the hovered one in
        # more than the key under the mouse.
        main = main_of(app)
        await wait_for(
            pilot,
            lambda: (
                main.preview.plan is not None
                and main.rollback_unavailable() is None
                and main.switch_unavailable() is None
            ),
            what="every key enabled",
        )
        footer = _footer(app)
        plain = footer.render()
        helping = _entry(app, "Help")
        await pilot.hover(KeysFooter, offset=(helping.start, 0))
        await wait_for(pilot, lambda: footer.tooltip is not None, what="the tooltip")
        hovered = footer.render()
        assert hovered.plain == plain.plain
        changed = {
            i
            for i in range(len(plain.plain))
            if plain.get_style_at_offset(app.console, i)
            != hovered.get_style_at_offset(app.console, i)
        }
        assert changed == set(range(helping.start, helping.end))
        assert footer.tooltip == helping.tooltip
        await pilot.hover("#workloads-table")
        await wait_for(pilot, lambda: footer.tooltip is None, what="the tooltip gone")
        assert footer.render() == plain
