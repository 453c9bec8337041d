"""Benchmark: how fast the terminal UI answers (issue 15's terminal UI figures).

A child process serves a simulated cluster whose namespace is filled straight into the
store (objects shaped as the Deployment controller leaves them: Deployments with a complete
status, ReplicaSets with ownerReferences, revision annotations and pod-template-hash labels;
no controllers run, so nothing changes while measuring). This process runs the app headless
(160x48) in process, where every frame the compositor produces is also turned into the
bytes a terminal would get (what the real driver writes), and spawns the real command in a
pseudo-terminal. Per namespace size:

- whole process: spawning the console script's command (``kubectl-rollback --kubeconfig K
  -n bench``, a copy of the package given by the environment) in a 160x48 pty -> the first
  workload's name written to the terminal; its peak resident memory (VmHWM) then; and the
  baseline of the same run, ``kubectl get deployments`` of the namespace to exit;
- in process: the app's start -> first workloads on screen (the ``workloads`` milestone),
  the longest gap between two ticks of a 10 ms UI timer while loading, cluster calls made on
  the UI thread (must be 0), and the raw HTTP LIST of the Deployments + json.loads;
- key press -> preview drawn (500 Deployments x 10 revisions): 15 down keys one at a time
  (0.2 s after each preview), from the key event sent to the app's driver to the first frame
  written after the preview panel was given the newly highlighted workload's plan; then 5
  up keys over workloads seen a moment ago; then a burst of 8 down keys 30 ms apart (a held
  key: the last key -> its preview drawn, and how many of the 8 were loaded); the longest
  10 ms-timer gap over all of it;
- the ``/`` filter at 20,000 Deployments x 5 ReplicaSets: each key typed (``app-1234``, then
  three backspaces) -> the first frame written after the list was filtered.

    python bench/bench_tui.py [--runs 2] [--no-scale] [--kubectl PATH]

``bench/run.py`` runs the same ``measure`` and puts its figures in its table.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import gc
import hashlib
import http.client
import json
import multiprocessing
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMESPACE = "bench"
START = "2026-03-02T09:30:00Z"


def _hash(text: str) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    digest = hashlib.sha256(text.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


def fill(cluster: Any, deployments: int, revisions: int) -> None:
    """Write final-state Deployments and their ReplicaSets straight into the store."""
    from kubectl_rollback.sim.resources import BY_KIND

    store = cluster.store
    store.create(
        BY_KIND["Namespace"],
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
    )
    for d in range(deployments):
        name = f"app-{d:05d}"
        image = f"registry.example.com/bench/{name}:1.{revisions - 1}.0"
        labels = {"app": name}
        template = {
            "metadata": {"labels": labels},
            "spec": {
                "containers": [{"name": "app", "image": image, "ports": [{"containerPort": 8080}]}]
            },
        }
        dep = store.create(
            BY_KIND["Deployment"],
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": name,
                    "namespace": NAMESPACE,
                    "labels": labels,
                    "annotations": {"deployment.kubernetes.io/revision": str(revisions)},
                },
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": labels},
                    "template": template,
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                    },
                },
            },
        )
        uid = dep["metadata"]["uid"]
        generation = dep["metadata"].get("generation", 1)
        for r in range(1, revisions + 1):
            rs_image = f"registry.example.com/bench/{name}:1.{r - 1}.0"
            pod_hash = _hash(f"{name}-{r}")
            current = r == revisions
            replicas = 2 if current else 0
            store.create(
                BY_KIND["ReplicaSet"],
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "metadata": {
                        "name": f"{name}-{pod_hash}",
                        "namespace": NAMESPACE,
                        "labels": {**labels, "pod-template-hash": pod_hash},
                        "annotations": {
                            "deployment.kubernetes.io/revision": str(r),
                            "deployment.kubernetes.io/desired-replicas": "2",
                            "deployment.kubernetes.io/max-replicas": "3",
                        },
                        "ownerReferences": [
                            {
                                "apiVersion": "apps/v1",
                                "kind": "Deployment",
                                "name": name,
                                "uid": uid,
                                "controller": True,
                                "blockOwnerDeletion": True,
                            }
                        ],
                    },
                    "spec": {
                        "replicas": replicas,
                        "selector": {"matchLabels": {**labels, "pod-template-hash": pod_hash}},
                        "template": {
                            "metadata": {"labels": {**labels, "pod-template-hash": pod_hash}},
                            "spec": {
                                "containers": [
                                    {
                                        "name": "app",
                                        "image": rs_image,
                                        "ports": [{"containerPort": 8080}],
                                    }
                                ]
                            },
                        },
                    },
                    "status": {
                        "replicas": replicas,
                        "readyReplicas": replicas,
                        "availableReplicas": replicas,
                        "fullyLabeledReplicas": replicas,
                        "observedGeneration": 1,
                    },
                },
            )

        def complete(
            obj: dict[str, Any],
            generation: int = generation,
            name: str = name,
            pod_hash: str = _hash(f"{name}-{revisions}"),
        ) -> None:
            obj["status"] = {
                "observedGeneration": generation,
                "replicas": 2,
                "updatedReplicas": 2,
                "readyReplicas": 2,
                "availableReplicas": 2,
                "conditions": [
                    {
                        "type": "Available",
                        "status": "True",
                        "reason": "MinimumReplicasAvailable",
                        "message": "Deployment has minimum availability.",
                        "lastUpdateTime": START,
                        "lastTransitionTime": START,
                    },
                    {
                        "type": "Progressing",
                        "status": "True",
                        "reason": "NewReplicaSetAvailable",
                        "message": f'ReplicaSet "{name}-{pod_hash}" has successfully progressed.',
                        "lastUpdateTime": START,
                        "lastTransitionTime": START,
                    },
                ],
            }

        store.mutate(BY_KIND["Deployment"], NAMESPACE, name, complete)


def serve(deployments: int, revisions: int, conn: Any) -> None:
    """Child process: build, fill and serve a cluster without controllers until told to stop."""
    from kubectl_rollback.sim import build_cluster, write_kubeconfig
    from kubectl_rollback.sim.server import SimServer

    cluster = build_cluster("empty", time_scale=0)
    started = time.perf_counter()
    fill(cluster, deployments, revisions)
    filled = time.perf_counter() - started
    server = SimServer(cluster, 0)
    server.start()
    path = Path(tempfile.mkdtemp(prefix="bench-tui-")) / "kubeconfig"
    write_kubeconfig(path, server.url)
    conn.send((str(path), server.url, filled))
    conn.recv()  # until the parent is done
    server.stop()


class Responsiveness:
    """Longest gap between two ticks of a fast UI timer."""

    def __init__(self) -> None:
        self.last = 0.0
        self.longest = 0.0

    def tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.longest = max(self.longest, now - self.last)
        self.last = now


def _count_ui_thread_calls(connector: Any, counter: list[str]) -> Any:
    """Wrap the connector so that every gateway method called on the UI thread is counted."""
    from kubectl_rollback.tui.cluster import Connector

    main = threading.main_thread()

    class Watched:
        def __init__(self, gw: Any) -> None:
            self._gw = gw

        def __getattr__(self, name: str) -> Any:
            attr = getattr(self._gw, name)
            if not callable(attr):
                return attr

            def call(*args: Any, **kwargs: Any) -> Any:
                if threading.current_thread() is main and name != "close":
                    counter.append(name)
                return attr(*args, **kwargs)

            return call

    class CountingConnector(Connector):
        def connect(self, context: str | None, namespace: str | None) -> Any:
            return Watched(super().connect(context, namespace))

    return CountingConnector(connector.kubeconfig)


async def run_app_once(kubeconfig: str, workload: str | None) -> dict[str, float]:
    from kubectl_rollback.tui.app import RollbackApp
    from kubectl_rollback.tui.cluster import Connector

    ui_calls: list[str] = []
    ticks = Responsiveness()
    app = RollbackApp(
        connector=_count_ui_thread_calls(Connector(kubeconfig), ui_calls),
        namespace=NAMESPACE,
        workload=workload,
        live=True,
    )
    app.started_at = time.perf_counter()
    want = f"history:{workload}" if workload else "workloads"
    async with app.run_test(size=(160, 48)) as pilot:
        app.set_interval(0.01, ticks.tick)
        deadline = time.perf_counter() + 60
        while want not in app.timings and time.perf_counter() < deadline:
            await pilot.pause(0.005)
        await pilot.pause(0.05)
    return {
        "workloads": app.timings.get("workloads", float("nan")),
        "history": app.timings.get(want, float("nan")) if workload else float("nan"),
        "gap": ticks.longest,
        "ui_calls": float(len(ui_calls)),
    }


class Frames:
    """When the app's frames are written, and which workload's preview each one first shows.

    The headless driver writes nothing; each frame the compositor produces is turned into the
    bytes a terminal would get (``render_segments``, what the real driver writes) so that the
    cost of drawing counts. ``shown[name]``: when the preview of ``name`` was set (the core's
    plan given to the preview panel); ``drawn[name]``: when the first frame after that was
    written."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.shown: dict[str, float] = {}
        self.drawn: dict[str, float] = {}
        self.frames: list[float] = []
        self._pending: list[str] = []
        self._display = app._display
        app._display = self._written

    def watch_preview(self, panel: Any) -> None:
        show_plan = panel.show_plan

        def shown(plan: Any, *args: Any, **kwargs: Any) -> None:
            show_plan(plan, *args, **kwargs)
            self.shown.setdefault(plan.ref.name, time.perf_counter())
            self._pending.append(plan.ref.name)

        panel.show_plan = shown

    def forget(self) -> None:
        self.shown.clear()
        self.drawn.clear()

    def _written(self, screen: Any, renderable: Any) -> None:
        self._display(screen, renderable)
        if renderable is None:
            return
        if hasattr(renderable, "render_segments"):
            renderable.render_segments(self.app.console)
        now = time.perf_counter()
        self.frames.append(now)
        for name in self._pending:
            self.drawn.setdefault(name, now)
        self._pending.clear()


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Moving:
    """What moving through the workloads with the arrow keys measured (seconds)."""

    steps: list[float] = field(default_factory=list)
    """Each down key, one at a time (the user looks at each preview): key sent -> the first
    frame written after the preview of the newly highlighted workload was set."""
    back: list[float] = field(default_factory=list)
    """The same, up again over workloads seen a moment ago."""
    burst: float = float("nan")
    """A burst of down keys 30 ms apart (a held key): the last key -> its workload's preview
    drawn."""
    burst_loaded: int = 0
    """How many workloads of the burst had their history loaded (the others were passed
    over)."""
    burst_keys: int = 0
    gap: float = 0.0
    """Longest gap between two ticks of a 10 ms UI timer while moving (keys and burst)."""
    gap_steps: float = 0.0
    """The same, over the keys one at a time only."""


async def _until(pilot: Any, done: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.perf_counter() + seconds
    while not done() and time.perf_counter() < deadline:
        await asyncio.sleep(0.001)


async def run_moving(
    kubeconfig: str, steps: int = 15, back: int = 5, burst: int = 8, rest: float = 0.2
) -> Moving:
    """Open the namespace, then move down ``steps`` workloads one key at a time (``rest``
    seconds between a preview drawn and the next key), up ``back`` of them again, then a
    burst of ``burst`` down keys."""
    from textual import events

    from kubectl_rollback.tui.app import RollbackApp
    from kubectl_rollback.tui.cluster import Connector
    from kubectl_rollback.tui.collector import Collector
    from kubectl_rollback.tui.controllers import preview
    from kubectl_rollback.tui.widgets.preview import PreviewPanel
    from kubectl_rollback.tui.widgets.workloads import WorkloadList

    gc.collect()  # what the apps measured before left (a user's process runs one app)
    # The collector as run_app runs it: full collections when the user pauses.
    collector = Collector()
    app = RollbackApp(
        connector=Connector(kubeconfig), namespace=NAMESPACE, live=True, collector=collector
    )
    loads: list[str] = []
    load = preview.load

    def counted(gw: Any, namespace: str, kind: str, name: str, **kwargs: Any) -> Any:
        loads.append(name)
        return load(gw, namespace, kind, name, **kwargs)

    preview.load = counted  # type: ignore[assignment]
    out = Moving()
    ticks = Responsiveness()
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            frames = Frames(app)
            await _until(pilot, lambda: any(k.startswith("history:") for k in app.timings), 60)
            await pilot.pause(0.3)
            frames.watch_preview(app.screen.query_one(PreviewPanel))
            workloads = app.screen.query_one(WorkloadList)
            app.set_interval(0.01, ticks.tick)
            await pilot.pause(0.05)
            ticks.longest = 0.0

            async def press(key: str) -> float:
                sent = time.perf_counter()
                assert app._driver is not None
                app._driver.send_message(events.Key(key, None))
                await _until(pilot, lambda: workloads.highlighted is not None)
                await asyncio.sleep(0)
                return sent

            async def step(key: str) -> float:
                frames.forget()
                before = workloads.highlighted
                sent = await press(key)
                await _until(pilot, lambda: workloads.highlighted is not before, 2.0)
                name = workloads.highlighted.name if workloads.highlighted else ""
                await _until(pilot, lambda: name in frames.drawn, 5.0)
                took = frames.drawn.get(name, float("nan")) - sent
                await pilot.pause(rest)
                return took

            for _ in range(steps):
                out.steps.append(await step("down"))
            for _ in range(back):
                out.back.append(await step("up"))
            out.gap_steps = ticks.longest
            frames.forget()
            loads.clear()
            for _ in range(burst):
                sent = await press("down")
                await asyncio.sleep(0.03)
            name = workloads.highlighted.name if workloads.highlighted else ""
            await _until(pilot, lambda: name in frames.drawn, 5.0)
            out.burst = frames.drawn.get(name, float("nan")) - sent
            out.burst_loaded = len(set(loads))
            out.burst_keys = burst
            out.gap = ticks.longest
    finally:
        preview.load = load  # type: ignore[assignment]
        collector.stop()
    return out


@dataclass
class Filtering:
    """The ``/`` filter over a big namespace (seconds)."""

    listed: float = float("nan")
    """Start -> first workloads on screen."""
    keys: list[float] = field(default_factory=list)
    """Each key typed into the filter -> the first frame written after the list was
    filtered."""
    gap: float = 0.0
    """Longest gap between two ticks of a 10 ms UI timer while filtering."""
    shown: int = 0
    """Workloads the list shows after the last key."""


async def run_filter(kubeconfig: str, text: str, unfilter: int = 3) -> Filtering:
    """List the namespace, press ``/``, type ``text`` one key at a time, then delete the last
    ``unfilter`` characters again (each key waits for its frame)."""
    from textual import events

    from kubectl_rollback.tui.app import RollbackApp
    from kubectl_rollback.tui.cluster import Connector
    from kubectl_rollback.tui.widgets.workloads import WorkloadList

    app = RollbackApp(connector=Connector(kubeconfig), namespace=NAMESPACE, live=False)
    app.started_at = time.perf_counter()
    out = Filtering()
    ticks = Responsiveness()
    async with app.run_test(size=(160, 48)) as pilot:
        frames = Frames(app)
        await _until(pilot, lambda: "workloads" in app.timings, 120)
        out.listed = app.timings.get("workloads", float("nan"))
        await pilot.pause(0.5)
        workloads = app.screen.query_one(WorkloadList)
        await pilot.press("slash")
        await pilot.pause(0.1)
        app.set_interval(0.01, ticks.tick)
        await pilot.pause(0.05)
        ticks.longest = 0.0
        rebuilt: list[float] = []
        set_filter = workloads.set_filter

        def filtered(value: str) -> None:
            set_filter(value)
            rebuilt.append(time.perf_counter())

        workloads.set_filter = filtered  # type: ignore[method-assign]
        keys = [(c, c) for c in text] + [("backspace", None)] * unfilter
        for key, char in keys:
            rebuilt.clear()
            count = len(frames.frames)
            sent = time.perf_counter()
            assert app._driver is not None
            app._driver.send_message(events.Key(key, char))
            await _until(
                pilot,
                lambda count=count: (
                    bool(rebuilt) and any(f > rebuilt[-1] for f in frames.frames[count:])
                ),
                5.0,
            )
            after = [f for f in frames.frames[count:] if rebuilt and f > rebuilt[-1]]
            out.keys.append((after[0] if after else float("nan")) - sent)
            await pilot.pause(0.05)
        out.gap = ticks.longest
        out.shown = len(workloads._shown)
    return out


def whole_process(
    argv: Sequence[str],
    env: dict[str, str],
    expect: bytes,
    *,
    cwd: str | None = None,
    size: tuple[int, int] = (160, 48),
    timeout: float = 60.0,
) -> tuple[float, float]:
    """Run ``argv`` in a pseudo-terminal of ``size`` (columns, lines): (seconds from spawning it
    to ``expect`` appearing in what it writes to the terminal, its peak resident memory in MiB
    at that moment). The process is then ended with SIGTERM (SIGKILL if it lingers)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**env, "TERM": "xterm-256color", "COLUMNS": str(size[0]), "LINES": str(size[1])},
        cwd=cwd,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    found = float("nan")
    peak = float("nan")
    try:
        deadline = started + timeout
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen = seen[-len(expect) :] + chunk
                if expect in seen:
                    found = time.perf_counter() - started
                    peak = _peak_rss_mib(proc.pid)
                    break
            elif proc.poll() is not None:
                break
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        end = time.perf_counter() + 10
        while proc.poll() is None and time.perf_counter() < end:
            # Keep reading: a process writing to a full terminal never gets to its end.
            if select.select([master], [], [], 0.05)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        os.close(master)
    return found, peak


BARE_TEXT = b"bare-textual-first-frame"
BARE_TEXTUAL = [
    sys.executable,
    "-c",
    "from textual.app import App\n"
    "from textual.widgets import Static\n"
    "class Bare(App[None]):\n"
    "    def compose(self):\n"
    f"        yield Static({BARE_TEXT.decode()!r})\n"
    "Bare().run()",
]
"""A Textual app of one Static, started as a whole process like ours: Textual's own start."""


def _peak_rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def ui_command(kubeconfig: str) -> list[str]:
    """The terminal UI on the bench namespace, as the console script starts it."""
    return [
        sys.executable,
        "-c",
        "import sys\nfrom kubectl_rollback.__main__ import main\nsys.exit(main())",
        "--kubeconfig",
        kubeconfig,
        "-n",
        NAMESPACE,
    ]


def raw_list_seconds(url: str) -> float:
    parts = urlsplit(url)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.request(
        "GET",
        f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments?limit=500",
        headers={"Authorization": "Bearer sim-token", "Accept": "application/json"},
    )
    items = json.loads(conn.getresponse().read())
    cont = items.get("metadata", {}).get("continue")
    while cont:
        conn.request(
            "GET",
            f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments?limit=500&continue={cont}",
            headers={"Authorization": "Bearer sim-token", "Accept": "application/json"},
        )
        cont = json.loads(conn.getresponse().read()).get("metadata", {}).get("continue")
    conn.close()
    return time.perf_counter() - started


@dataclass
class Served:
    """A simulated cluster filled and served by a child process (``serving``)."""

    kubeconfig: str
    url: str
    filled: float


class serving:  # noqa: N801 - a context manager, used as `with serving(...) as served`
    def __init__(self, deployments: int, revisions: int) -> None:
        self.args = (deployments, revisions)

    def __enter__(self) -> Served:
        self.parent, child = multiprocessing.Pipe()
        self.proc = multiprocessing.get_context("fork").Process(
            target=serve, args=(*self.args, child)
        )
        self.proc.start()
        return Served(*self.parent.recv())

    def __exit__(self, *exc: object) -> None:
        self.parent.send("stop")
        self.proc.join(timeout=30)


def kubectl_get_seconds(kubectl: str, kubeconfig: str, env: dict[str, str]) -> float:
    """The baseline of the whole-process figure: `kubectl get deployments` of the namespace,
    spawned to exit (it prints every row: more than the UI's first screen needs)."""
    started = time.perf_counter()
    subprocess.run(
        [kubectl, "--kubeconfig", kubeconfig, "get", "deployments", "-n", NAMESPACE],
        env=env,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - started


def measure(
    runs: int,
    ui_env: dict[str, str],
    kubectl: str | None,
    kubectl_env: dict[str, str],
    scale: bool = True,
    ui_cwd: str | None = None,
) -> dict[str, Any]:
    """Every terminal UI figure of issue 15 (seconds, MiB), as bench/run.py tabulates them.

    ``ui_env`` and ``ui_cwd``: the environment and folder of the whole-process runs (which
    copy of the package they import); ``kubectl``: the binary of the baseline (None: none)."""
    out: dict[str, Any] = {}
    for deployments, revisions in ((500, 10), (5000, 2)):
        with serving(deployments, revisions) as served:
            first = [asyncio.run(run_app_once(served.kubeconfig, None)) for _ in range(runs)]
            workload = f"app-{deployments // 2:05d}"
            opened = [asyncio.run(run_app_once(served.kubeconfig, workload)) for _ in range(runs)]
            # The figure with the least margin: more runs at 500, each followed by its
            # baseline (the machine's speed drifts: the pair's ratio moves less than either).
            # At 500, each is followed by a bare Textual app's first frame too: the part of
            # the figure that is Textual's own start, on this machine, in this run.
            spawned, baseline, bare = [], [], []
            for _ in range((6 if deployments == 500 else 2) * runs + 2):
                spawned.append(
                    whole_process(ui_command(served.kubeconfig), ui_env, b"app-00000", cwd=ui_cwd)
                )
                if kubectl:
                    baseline.append(kubectl_get_seconds(kubectl, served.kubeconfig, kubectl_env))
                if deployments == 500:
                    bare.append(whole_process(BARE_TEXTUAL, ui_env, BARE_TEXT, cwd=ui_cwd)[0])
            # the first run warms the disk cache
            spawned, baseline, bare = spawned[1:], baseline[1:], bare[1:]
            figures: dict[str, Any] = {
                "raw": statistics.median(raw_list_seconds(served.url) for _ in range(runs)),
                "workloads": statistics.median(r["workloads"] for r in first),
                "gap": max(r["gap"] for r in first),
                "history": statistics.median(r["history"] for r in opened),
                "ui_calls": sum(r["ui_calls"] for r in first + opened),
                "whole": statistics.median(t for t, _ in spawned),
                "whole_runs": len(spawned),
                "whole_range": (min(t for t, _ in spawned), max(t for t, _ in spawned)),
                "whole_rss": max(rss for _, rss in spawned),
                "kubectl": statistics.median(baseline) if baseline else None,
                "whole_ratio": statistics.median(
                    t / b for (t, _), b in zip(spawned, baseline, strict=True)
                )
                if baseline
                else None,
            }
            if bare:
                figures["bare"] = statistics.median(bare)
                figures["bare_ratio"] = statistics.median(
                    t / b for (t, _), b in zip(spawned, bare, strict=True)
                )
            if deployments == 500:
                moved = [asyncio.run(run_moving(served.kubeconfig)) for _ in range(max(1, runs))]
                steps = [t for m in moved for t in m.steps]
                figures["keys"] = {
                    "median": statistics.median(steps),
                    "p90": percentile(steps, 0.9),
                    "count": len(steps),
                    "back": statistics.median(t for m in moved for t in m.back),
                    "burst": statistics.median(m.burst for m in moved),
                    "burst_loaded": max(m.burst_loaded for m in moved),
                    "burst_keys": moved[0].burst_keys,
                    "gap": max(m.gap for m in moved),
                }
            out[str(deployments)] = figures
    if scale:
        with serving(20000, 5) as served:
            filtering = asyncio.run(run_filter(served.kubeconfig, "app-1234"))
            out["20000"] = {
                "filled": served.filled,
                "listed": filtering.listed,
                "keys": filtering.keys,
                "gap": filtering.gap,
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-scale", action="store_true", help="skip the 20,000 figure")
    parser.add_argument("--kubectl", default="kubectl", help="the baseline's kubectl")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    found = measure(
        args.runs, env, args.kubectl, dict(os.environ), scale=not args.no_scale, ui_cwd=str(ROOT)
    )
    from run import table, tui_rows  # bench/run.py: the same rows as its table

    print(f"bench_tui: Python {sys.version.split()[0]}, {args.runs} run(s) each, median\n")
    print(table(tui_rows(found)))


if __name__ == "__main__":
    main()
