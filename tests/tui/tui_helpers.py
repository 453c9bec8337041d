"""Helpers of the TUI tests: the app on a simulated cluster, bounded waiting, screen text, cluster
edits."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.sim.resources import BY_KIND
from kubectl_rollback.tui.app import RollbackApp
from kubectl_rollback.tui.cluster import Connector

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
"""The simulated clock's reading when a cluster is created: fixed so that ages never change."""
SIZE = (160, 48)
SIZES = [(80, 24), (120, 40), (200, 60)]
"""The terminal sizes interaction tests run at: the smallest usual one, a middle, a large."""
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]
CHECKOUT_GOOD = "registry.example.com/shop/checkout:1.8.1"
CHECKOUT_CRASH = "registry.example.com/shop/checkout:crash-1.9.1"


def make_app(sim: RunningCluster, namespace: str | None = "shop", **kwargs: Any) -> RollbackApp:
    return RollbackApp(
        connector=Connector(kwargs.pop("kubeconfig", sim.kubeconfig)),
        namespace=namespace,
        now_fn=sim.cluster.clock.now,
        **kwargs,
    )


async def wait_for(
    pilot: Pilot[Any],
    predicate: Callable[[], object],
    timeout: float = 15.0,
    what: str = "condition",
) -> None:
    """Let the app run until ``predicate()`` is true; fail after ``timeout`` seconds."""
    loop_steps = int(timeout / 0.02)
    for _ in range(loop_steps):
        if predicate():
            return
        await pilot.pause(0.02)
    assert predicate(), f"timed out waiting for {what}"


def screen_text(app: RollbackApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def main_of(app: RollbackApp) -> Any:
    main = app.main_screen
    assert main is not None
    return main


async def open_on(pilot: Pilot[Any], app: RollbackApp, workload: str) -> None:
    """Wait until ``workload``'s history and preview are shown (the app made with workload=...)."""
    await wait_for(
        pilot, lambda: f"history:{workload}" in app.timings, what=f"history of {workload}"
    )
    await wait_for(
        pilot, lambda: main_of(app).preview.plan is not None, what="a plan in the preview"
    )
    await wait_for(pilot, lambda: tables_settled(app), what="the tables to lay out")


async def confirm_rollback(pilot: Pilot[Any], app: RollbackApp) -> None:
    """`r` on the previewed target, then `y` in the confirmation dialog."""
    from kubectl_rollback.tui.screens.confirm import ConfirmRollback

    await pilot.press("r")
    await wait_for(
        pilot, lambda: isinstance(app.screen, ConfirmRollback), what="the confirmation dialog"
    )
    await pilot.press("y")


async def ready(pilot: Pilot[Any], app: RollbackApp) -> None:
    """Wait until the workloads are listed."""
    await wait_for(pilot, lambda: "workloads" in app.timings, what="the workloads list")
    await wait_for(pilot, lambda: tables_settled(app), what="the tables to lay out")


def tables_settled(app: RollbackApp) -> bool:
    """Every DataTable has measured its new rows (it does so when idle) and no widget waits to
    be laid out (a new preview and its revisions are given in one step, laid out together at
    the next frame): the layout is final."""
    from textual.widgets import DataTable

    screen = app.screen
    return (
        all(not t._require_update_dimensions and not t._new_rows for t in screen.query(DataTable))
        and not screen._layout_required
        and not any(widget._layout_required for widget in screen.walk_children())
        and screen._message_queue.empty()  # no Layout message on its way to the screen
    )


async def settle(pilot: Pilot[Any], app: RollbackApp) -> None:
    """Wait until the screen stops changing for reasons other than the cluster (for snapshots)."""
    await wait_for(pilot, lambda: tables_settled(app), what="the tables to lay out")
    await pilot.pause(0.2)
    await wait_for(pilot, lambda: tables_settled(app), what="the tables to lay out")


def no_blink(app: RollbackApp) -> None:
    for box in app.screen.query(Input):
        box.cursor_blink = False


def deployment_of(sim: RunningCluster, name: str, namespace: str = "shop") -> dict[str, Any]:
    return sim.cluster.get("deployments", namespace, name)


def image_of(sim: RunningCluster, name: str, namespace: str = "shop") -> str:
    return str(
        deployment_of(sim, name, namespace)["spec"]["template"]["spec"]["containers"][0]["image"]
    )


def set_image(sim: RunningCluster, name: str, image: str, namespace: str = "shop") -> None:
    """`kubectl set image` from outside the app."""

    def edit(obj: dict[str, Any]) -> None:
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = image

    sim.cluster.store.mutate(BY_KIND["Deployment"], namespace, name, edit)
    sim.cluster.settle()


def deployment(
    name: str, image: str, *, replicas: int = 2, namespace: str = "default"
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    }


def pilot_test(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test function in a fresh event loop (no pytest-asyncio needed)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def notified(app: RollbackApp) -> str:
    """Every notification shown so far (titles and messages), one per line."""
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


RELEASE = "release-8f3c2a"
RELEASE_IMAGES = {
    ("Deployment", "api"): ("nginx:1.25.3", "nginx:1.25.4"),
    ("StatefulSet", "ledger"): ("postgres:15.4", "postgres:15.5"),
}
"""A Harness release's workloads and their image in release 1 (Succeeded) and 2 (Failed)."""


def _release_workload(kind: str, name: str, image: str) -> dict[str, Any]:
    """As Harness deploys it: harness.io/release-name on the pod template only."""
    spec: dict[str, Any] = {
        "replicas": 2,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name, "harness.io/release-name": RELEASE}},
            "spec": {"containers": [{"name": "app", "image": image}]},
        },
    }
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "shop"},
        "spec": spec,
    }


def harness_release(sim: RunningCluster) -> None:
    """Release 1 (Succeeded) and 2 (Failed) of a Deployment and a StatefulSet in namespace shop,
    each rolled out, with the legacy history ConfigMap as Harness writes it (compressed)."""
    from kubectl_rollback.sim import release_records as records

    for release in (0, 1):
        for (kind, name), images in RELEASE_IMAGES.items():
            sim.cluster.apply_object(_release_workload(kind, name, images[release]))
        sim.cluster.advance(120)
    workloads = list(RELEASE_IMAGES)
    history = [
        records.legacy_release(1, "Succeeded", "shop", [(k, n, 1) for k, n in workloads]),
        records.legacy_release(2, "Failed", "shop", [(k, n, 2) for k, n in workloads]),
    ]
    sim.cluster.apply_object(records.harness_legacy_configmap(RELEASE, "shop", history))


def template_image(sim: RunningCluster, kind: str, name: str, namespace: str = "shop") -> str:
    plural = {"Deployment": "deployments", "StatefulSet": "statefulsets"}[kind]
    obj = sim.cluster.get(plural, namespace, name)
    return str(obj["spec"]["template"]["spec"]["containers"][0]["image"])
