"""The rollout view's pods without the app (tui/controllers/pods.py): watch events in, pods by
revision out, bounded, with Ready counts over time for the chart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kubectl_rollback.core.ports import PODS
from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.cluster import Connector, StopSignal
from kubectl_rollback.tui.controllers import pods as live_pods
from kubectl_rollback.tui.controllers import preview
from kubectl_rollback.tui.controllers.pods import LivePods
from tests.tui.test_tui_rollout_pods import stuck_statefulset


def _live(demo: RunningCluster, name: str, kind: str) -> tuple[LivePods, Any]:
    gw = Connector(demo.kubeconfig).connect(None, "shop")
    now = demo.cluster.clock.now()
    loaded = preview.load(gw, "shop", kind, name, now=now)
    assert loaded.default_plan is not None
    return LivePods.of(loaded.default_plan, loaded.history, now=now), gw


def test_events_in_pods_by_revision_out_with_ready_counts_over_time(demo: RunningCluster) -> None:
    stuck_statefulset(demo)
    live, gw = _live(demo, "ledger", "StatefulSet")
    try:
        assert live.selector == "app=ledger" and not live.listed and live.groups == ()
        # Before anything is seen, the advice is the plan's own (its stuck-pods warning).
        assert live.advice() == live.planned_advice and "ledger-2" in (live.advice() or "")
        items = gw.list(PODS, "shop", label_selector=live.selector)
        start = live.started
        assert live.apply([("RELIST", {}), *(("ADDED", p) for p in items)], now=start)
        assert [g.title(live.plan.new_revision_number) for g in live.groups] == [
            "revision 4 (target, was 1)",
            "revision 2",
        ]
        assert [p.name for p in live.groups[0].pods] == ["ledger-0", "ledger-1"]
        live.observe_workload(demo.cluster.get("statefulsets", "shop", "ledger"), now=start)
        assert "kubectl delete pod -n shop ledger-2" in (live.advice() or "")
        # ledger-2 deleted: its revision stays listed (it had pods in this rollout), empty.
        later = start + timedelta(seconds=30)
        crashing = next(p for p in items if p["metadata"]["name"] == "ledger-2")
        assert live.apply([("DELETED", crashing)], now=later)
        assert [len(g.pods) for g in live.groups] == [2, 0]
        assert live.advice() is None
        assert not live.apply([("DELETED", crashing)], now=later)  # nothing changed
        # Ready counts: one sample per change, read as a step function over the rollout.
        target = live.groups[0]
        assert live.series(target, now=later, width=4) == [2, 2, 2, 2]
        old = live.groups[1]
        assert live.series(old, now=later, width=2) == [0, 0]
        assert len(live.samples) == 1  # the Ready counts did not change: one sample
        # A new list starts over.
        assert live.apply([("RELIST", {})], now=later)
        assert [len(g.pods) for g in live.groups] == [0, 0]
    finally:
        gw.close()


def test_the_pods_kept_are_bounded(demo: RunningCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    live, gw = _live(demo, "web", "Deployment")
    try:
        monkeypatch.setattr(live_pods, "MAX_PODS", 2)
        items = gw.list(PODS, "shop", label_selector=live.selector)
        assert len(items) == 3
        live.apply([("RELIST", {}), *(("ADDED", p) for p in items)], now=live.started)
        assert len(live.pods) == 2
        kept = sorted(live.pods)
        # A pod already kept is still updated; a third is not taken.
        live.apply([("MODIFIED", items[0])], now=live.started)
        assert sorted(live.pods) == kept
    finally:
        gw.close()


def test_the_watch_lists_then_follows_and_stops(demo: RunningCluster) -> None:
    gw = Connector(demo.kubeconfig).connect(None, "shop")
    stop = StopSignal()
    batches: list[list[Any]] = []

    def on_events(events: list[Any]) -> None:
        batches.append(events)
        if len(batches) == 1:
            stop.stop()

    try:
        live_pods.watch(gw, "shop", "app=web", stop, on_events, lambda _: None)
    finally:
        gw.close()
    first = batches[0]
    assert first[0] == ("RELIST", {})
    assert sorted(o["metadata"]["name"][:15] for _, o in first[1:]) == ["web-798d75c4c5-"] * 3
