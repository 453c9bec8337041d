"""The garbage collector while the UI runs (tui/collector.py): its full collections wait for the
user to pause, and still come while input never stops; the thresholds are restored after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui import collector as collector_module
from kubectl_rollback.tui.collector import IDLE, LONGEST, NEVER, Collector
from tests.tui.tui_helpers import SIZE, make_app, open_on, pilot_test, wait_for


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def collector_state() -> Iterator[None]:
    """Whatever a test does to the collector, it is as it was afterwards."""
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.set_threshold(*threshold)
    (gc.enable if enabled else gc.disable)()


def _collector(clock: Clock, made: list[int], *, enabled: bool = True) -> Collector:
    return Collector(enabled=enabled, clock=clock, collect=made.append)


def test_the_first_frame_turns_automatic_full_collections_off_until_the_app_stops(
    collector_state: None,
) -> None:
    gc.disable()
    young, middle, full = gc.get_threshold()
    collector = _collector(Clock(), [])
    collector.drawn()
    assert gc.isenabled() and gc.get_threshold() == (young, middle, NEVER)
    collector.stop()
    assert gc.get_threshold() == (young, middle, full)


def test_a_full_collection_waits_for_a_pause_in_the_input_and_comes_once_per_pause(
    collector_state: None,
) -> None:
    clock, made = Clock(), []
    collector = _collector(clock, made)
    collector.drawn()
    for _ in range(20):  # a key every 0.2 s: no pause long enough
        collector.input()
        clock.now += 0.2
        assert not collector.idle()
    assert made == []
    clock.now += IDLE
    assert collector.idle() and made == [2]
    clock.now += IDLE * 5  # still idle: nothing new to wait for
    assert not collector.idle() and made == [2]
    collector.input()
    clock.now += IDLE
    assert collector.idle() and made == [2, 2]


def test_input_that_never_pauses_still_gets_a_full_collection_every_longest_seconds(
    collector_state: None,
) -> None:
    clock, made = Clock(), []
    collector = _collector(clock, made)
    collector.drawn()
    start = clock.now
    while clock.now - start < LONGEST * 2.5:
        collector.input()
        collector.idle()
        clock.now += 0.1
    assert made == [2, 2]


def test_a_collector_that_was_off_stays_off(collector_state: None) -> None:
    gc.disable()
    clock, made = Clock(), []
    collector = _collector(clock, made, enabled=False)
    collector.drawn()
    collector.input()
    clock.now += LONGEST * 2
    assert not collector.idle() and made == [] and not gc.isenabled()


@pilot_test
async def test_the_app_notes_each_key_and_collects_once_the_user_pauses(
    demo: RunningCluster, collector_state: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collector_module, "CHECK_EVERY", 0.01)
    monkeypatch.setattr("kubectl_rollback.tui.app.CHECK_EVERY", 0.01)
    clock, made = Clock(), []
    collector = _collector(clock, made)
    app = make_app(demo, workload="cart", collector=collector)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await open_on(pilot, app, "cart")
            assert collector.running  # the first frame was drawn
            clock.now += LONGEST / 2  # no full collection due yet: no input came
            await pilot.pause(0.05)
            assert made == []
            await pilot.press("down")
            await pilot.pause(0.05)
            assert made == []  # the key was just pressed
            clock.now += IDLE
            await wait_for(pilot, lambda: made == [2], what="the full collection")
    finally:
        collector.stop()
