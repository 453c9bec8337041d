"""The simulated scheduler and kubelet: pods get a node and an IP, then start after a delay.

Image conventions (documented for users of the simulated cluster):

- an image whose tag starts with `broken` (`nginx:broken-1`) can never be pulled: the pod
  stays Pending, its container waiting with reason ImagePullBackOff;
- a tag starting with `crash` starts, exits with code 1 and is restarted with the kubelet's
  back-off (10 s doubling to 5 min): phase Running, never Ready, container waiting in
  CrashLoopBackOff with a growing restartCount;
- a tag starting with `flaky` runs and is Ready for `FLAKY_READY_SECONDS`, then crashes as a
  `crash` container does (a rollout that completes, then falls over: what a guard's
  `--settle` is for);
- any other image is Running and Ready `STARTUP_SECONDS` after the pod was created.

A pod's state is a pure function of its image and its age on the simulated clock, so the
kubelet writes only at transitions and asks to run again at the next one.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..clock import rfc3339
from .base import PODS, Obj, by_namespace, earliest, sim_seconds_at

if TYPE_CHECKING:
    from ..cluster import SimCluster

STARTUP_SECONDS = 2.0
"""Simulated seconds from pod creation until its containers run (and, if healthy, are Ready)."""

CRASH_RUN_SECONDS = 1.0
"""How long a `crash` container runs before it exits."""

FLAKY_READY_SECONDS = 15.0
"""How long a `flaky` container is Ready before it first crashes."""

BACKOFF_START_SECONDS = 10.0
BACKOFF_MAX_SECONDS = 300.0

NODES = ("sim-node-1", "sim-node-2", "sim-node-3")
"""The simulated nodes; pods without a node land on the first (DaemonSets use all three)."""

NODE_IPS = {name: f"172.18.0.{i + 2}" for i, name in enumerate(NODES)}
POD_NETWORK = ipaddress.ip_network("10.244.0.0/16")


def image_tag(image: str) -> str:
    last = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else "latest"


def image_id(image: str) -> str:
    """What the container runtime reports as imageID: the repository with a digest."""
    repo = image.split("@", 1)[0]
    last = repo.rsplit("/", 1)
    if ":" in last[-1]:
        repo = repo[: repo.rindex(":")]
    first = repo.split("/", 1)[0]
    if "/" not in repo:
        repo = f"docker.io/library/{repo}"
    elif "." not in first and ":" not in first and first != "localhost":
        repo = f"docker.io/{repo}"
    return f"{repo}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


def go_duration(seconds: float) -> str:
    """`time.Duration.String()` for whole seconds: 10s, 1m20s, 5m0s."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    return f"{whole // 60}m{whole % 60}s"


@dataclass(frozen=True)
class ContainerPhase:
    """What one container is doing at a moment of simulated time."""

    state: dict[str, Any]
    last_state: dict[str, Any]
    ready: bool
    started: bool
    restarts: int
    next_change: float | None  # sim seconds


def crash_loop(
    name: str, pod_ref: str, start: float, now: float, clock_text: Callable[[float], str]
) -> ContainerPhase:
    """Run CRASH_RUN_SECONDS, exit 1, wait the back-off, run again, ...; the state at `now`."""
    run_start, restarts, backoff = start, 0, BACKOFF_START_SECONDS
    last: dict[str, Any] = {}
    while True:
        exit_at = run_start + CRASH_RUN_SECONDS
        if now < exit_at:
            state = {"running": {"startedAt": clock_text(run_start)}}
            return ContainerPhase(state, last, False, True, restarts, exit_at)
        last = {
            "terminated": {
                "exitCode": 1,
                "reason": "Error",
                "startedAt": clock_text(run_start),
                "finishedAt": clock_text(exit_at),
                "containerID": f"containerd://{hashlib.sha256(f'{pod_ref}{restarts}'.encode()).hexdigest()}",
            }
        }
        restart_at = exit_at + backoff
        if now < restart_at:
            state = {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off {go_duration(backoff)} restarting failed "
                    f"container={name} pod={pod_ref}",
                }
            }
            return ContainerPhase(state, last, False, False, restarts + 1, restart_at)
        run_start, restarts = restart_at, restarts + 1
        backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)


class Kubelet:
    """Binds pods to nodes and plays their containers' life cycle on the simulated clock."""

    name = "kubelet"

    def __init__(self) -> None:
        self._ips = (str(ip) for ip in POD_NETWORK.hosts())
        # pod uid -> (resourceVersion written, next transition): pods that need no look now.
        self._settled: dict[str, tuple[str, float | None]] = {}

    def sync(self, cluster: SimCluster, namespaces: set[str] | None) -> float | None:
        due: float | None = None
        for _, pods in by_namespace(cluster, PODS, namespaces):
            for pod in pods:
                due = earliest(due, self.sync_pod(cluster, pod))
        return due

    def sync_pod(self, cluster: SimCluster, pod: Obj) -> float | None:
        meta = pod["metadata"]
        if meta.get("deletionTimestamp"):
            return None
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            return None
        settled = self._settled.get(meta["uid"])
        if (
            settled
            and settled[0] == meta.get("resourceVersion")
            and (settled[1] is None or cluster.clock.seconds() < settled[1])
        ):
            return settled[1]
        store = cluster.store
        if not (pod.get("spec") or {}).get("nodeName"):

            def bind(obj: Obj) -> None:
                obj["spec"]["nodeName"] = NODES[0]

            pod = store.mutate(PODS, meta["namespace"], meta["name"], bind)
        status, due = self.pod_status(cluster, pod)
        if status != pod.get("status"):

            def change(obj: Obj) -> None:
                obj["status"] = status

            pod = store.mutate(PODS, meta["namespace"], meta["name"], change, subresource="status")
        if len(self._settled) > 100_000:
            self._settled.clear()
        self._settled[meta["uid"]] = (pod["metadata"]["resourceVersion"], due)
        return due

    def pod_status(self, cluster: SimCluster, pod: Obj) -> tuple[Obj, float | None]:
        clock = cluster.clock
        meta = pod["metadata"]
        old = pod.get("status") or {}
        created = sim_seconds_at(clock, meta["creationTimestamp"])
        start = created + STARTUP_SECONDS
        now = clock.seconds()

        def text(sim_seconds: float) -> str:
            return rfc3339(clock.now() + timedelta(seconds=sim_seconds - now))

        node = pod["spec"]["nodeName"]
        pod_ref = f"{meta['name']}_{meta['namespace']}({meta['uid']})"
        statuses: list[Obj] = []
        due: float | None = None
        pending = False
        for container in pod["spec"].get("containers") or ():
            name, image = container.get("name", ""), container.get("image", "")
            tag = image_tag(image)
            entry: Obj = {
                "name": name,
                "image": image,
                "imageID": "",
                "ready": False,
                "restartCount": 0,
                "started": False,
                "lastState": {},
            }
            if now < start:
                entry["state"] = {"waiting": {"reason": "ContainerCreating"}}
                due = earliest(due, start)
                pending = True
            elif tag.startswith("broken"):
                entry["state"] = {
                    "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": f'Back-off pulling image "{image}"',
                    }
                }
                pending = True
            else:
                entry["imageID"] = image_id(image)
                entry["containerID"] = (
                    "containerd://" + hashlib.sha256(f"{meta['uid']}/{name}".encode()).hexdigest()
                )
                falls_at = start + FLAKY_READY_SECONDS
                if tag.startswith("flaky") and now < falls_at:
                    entry.update(
                        state={"running": {"startedAt": text(start)}}, ready=True, started=True
                    )
                    due = earliest(due, falls_at)
                elif tag.startswith(("crash", "flaky")):
                    first_run = start if tag.startswith("crash") else falls_at - CRASH_RUN_SECONDS
                    crash = crash_loop(name, pod_ref, first_run, now, text)
                    entry.update(
                        state=crash.state,
                        lastState=crash.last_state,
                        restartCount=crash.restarts,
                        started=crash.started,
                    )
                    due = earliest(due, crash.next_change)
                else:
                    entry.update(
                        state={"running": {"startedAt": text(start)}}, ready=True, started=True
                    )
            statuses.append(entry)
        all_ready = bool(statuses) and all(s["ready"] for s in statuses)
        not_ready = [s["name"] for s in statuses if not s["ready"]]
        scheduled_at = text(created)
        conditions = [
            self._condition(old, "Initialized", "True", scheduled_at),
            self._condition(
                old,
                "Ready",
                "True" if all_ready else "False",
                text(start) if all_ready else scheduled_at,
                not_ready,
            ),
            self._condition(
                old,
                "ContainersReady",
                "True" if all_ready else "False",
                text(start) if all_ready else scheduled_at,
                not_ready,
            ),
            self._condition(old, "PodScheduled", "True", scheduled_at),
        ]
        status: Obj = {
            "phase": "Pending" if pending else "Running",
            "conditions": conditions,
            "hostIP": NODE_IPS.get(node, NODE_IPS[NODES[0]]),
            "hostIPs": [{"ip": NODE_IPS.get(node, NODE_IPS[NODES[0]])}],
            "podIP": old.get("podIP") or next(self._ips),
            "startTime": scheduled_at,
            "containerStatuses": statuses,
            "qosClass": old.get("qosClass", "BestEffort"),
        }
        status["podIPs"] = [{"ip": status["podIP"]}]
        return status, due

    @staticmethod
    def _condition(
        old: Obj, type_: str, status: str, at: str, not_ready: list[str] | None = None
    ) -> Obj:
        """A pod condition; its lastTransitionTime stays put while its status does not change."""
        for existing in old.get("conditions") or ():
            if existing.get("type") == type_ and existing.get("status") == status:
                at = existing.get("lastTransitionTime", at)
        cond: Obj = {
            "type": type_,
            "status": status,
            "lastProbeTime": None,
            "lastTransitionTime": at,
        }
        if status == "False" and not_ready:
            cond["reason"] = "ContainersNotReady"
            cond["message"] = f"containers with unready status: [{' '.join(not_ready)}]"
        return cond
