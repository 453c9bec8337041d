"""The live rollout view's cost per pod event, at 30, 300 and 2,000 pods.

Each watch event of a pod reaches the UI thread: LivePods reads that one pod's state and
groups the kept states by revision (tui/controllers/pods.py), then the pods are drawn. The
baseline, in the same process, is reading every pod's state again on each event (what a
view without kept states would do). Prints the median milliseconds of each and their ratio.

    python bench/bench_rollout_pods.py [--events 300]
"""

from __future__ import annotations

import argparse
import copy
import io
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from kubectl_rollback.core.pods import group_states, pod_state  # noqa: E402
from kubectl_rollback.core.ports import PODS  # noqa: E402
from kubectl_rollback.sim import run_cluster  # noqa: E402
from kubectl_rollback.tui.cluster import Connector  # noqa: E402
from kubectl_rollback.tui.controllers import preview  # noqa: E402
from kubectl_rollback.tui.controllers.pods import LivePods  # noqa: E402
from kubectl_rollback.tui.widgets.rollout import pods_renderable  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    with run_cluster("demo", time_scale=0) as demo:
        gw = Connector(demo.kubeconfig).connect(None, "shop")
        now = demo.cluster.clock.now()
        loaded = preview.load(gw, "shop", "Deployment", "web", now=now)
        plan = loaded.default_plan
        assert plan is not None
        items = gw.list(PODS, "shop", label_selector="app=web")
        gw.close()
        console = Console(file=io.StringIO(), width=120)
        for count in (30, 300, 2000):
            pods = []
            for index in range(count):
                pod = copy.deepcopy(items[index % len(items)])
                pod["metadata"]["name"] = f"web-bench-{index}"
                pods.append(pod)
            live = LivePods.of(plan, loaded.history, now=now)
            live.apply([("RELIST", {}), *(("ADDED", p) for p in pods)], now=now)
            ours, baseline = [], []
            for step in range(args.events):
                moment = now + timedelta(seconds=step)
                start = time.perf_counter()
                live.apply([("MODIFIED", pods[step % count])], now=moment)
                console.print(pods_renderable(live, moment, 3))
                ours.append(time.perf_counter() - start)
                start = time.perf_counter()
                states = [pod_state(p, live.label) for p in pods]
                group_states(live.kind, live.revisions, states, target=plan.to_revision.object_name)
                console.print(pods_renderable(live, moment, 3))
                baseline.append(time.perf_counter() - start)
            mine, theirs = statistics.median(ours) * 1000, statistics.median(baseline) * 1000
            print(
                f"{count:5d} pods: {mine:6.2f} ms per event (kept states), "
                f"{theirs:6.2f} ms (every pod read again), ratio {theirs / mine:4.1f}x"
            )


if __name__ == "__main__":
    main()
