"""The guard's edges on the simulated cluster: the webhook (delivered, unreachable, Slack),
usage errors, a concurrent edit during its rollback, a signal, and --watch-namespace over
50 Deployments rolling out at once."""

from __future__ import annotations

import http.server
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from kubectl_rollback.core.evidence import OUTCOME_ANNOTATION, OUTCOME_BY_ANNOTATION
from kubectl_rollback.core.guard import Guard, GuardSettings
from kubectl_rollback.core.model import WorkloadRef
from kubectl_rollback.sim import RunningCluster
from tests.cli.cli_support import CliResult
from tests.clusters import deployment, running_clock

NS = "default"


class Hook:
    """A webhook on 127.0.0.1 (a free port) that keeps what it was sent; stops with the test."""

    def __init__(self, status: int = 200) -> None:
        self.received: list[tuple[str, Any]] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                hook.received.append((self.path, json.loads(self.rfile.read(length))))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T0/B0?token=s3cr3t"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


def deployed(sim: RunningCluster, name: str, image: str, **spec: Any) -> None:
    obj = deployment(name, image, **spec)
    obj["metadata"]["namespace"] = NS
    sim.cluster.apply_object(obj)


def guard(cli: Callable[..., CliResult], sim: RunningCluster, *args: str) -> CliResult:
    with running_clock(sim.cluster):
        return cli("guard", *args, "--settle", "1s", "--grace", "2s", "--timeout", "2m")


def test_the_webhook_receives_the_guard_result_and_its_secret_is_never_printed(
    sim: RunningCluster, cli: Callable[..., CliResult], hook: Hook
) -> None:
    deployed(sim, "web", "nginx:1.25.3")
    done = guard(cli, sim, "deploy/web", "--notify", hook.url)
    assert done.code == 0, done.err
    ((path, body),) = hook.received
    assert path == "/services/T0/B0?token=s3cr3t"
    assert body["apiVersion"] == "kubectl-rollback.io/v1" and body["kind"] == "GuardResult"
    assert body["outcome"] == "healthy" and body["workload"]["name"] == "web"
    assert body["rollouts"][0]["images"] == "nginx:1.25.3"
    assert "s3cr3t" not in done.out + done.err and "/services/" not in done.out + done.err

    slack = guard(cli, sim, "deploy/web", "--notify", hook.url, "--notify-format", "slack")
    assert slack.code == 0, slack.err
    assert set(hook.received[-1][1]) == {"text"}
    assert (
        "deployment.apps/web revision 1 (nginx:1.25.3) is healthy" in hook.received[-1][1]["text"]
    )


def test_an_unreachable_webhook_is_reported_and_the_guard_still_finishes(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    dead = Hook()
    url = dead.url
    dead.close()  # nothing listens there any more
    deployed(sim, "web", "nginx:1.25.3")
    done = guard(cli, sim, "deploy/web", "--notify", url, "-o", "json")
    assert done.code == 0, done.err
    doc = json.loads(done.out)
    assert doc["notification"]["delivered"] is False
    assert doc["notification"]["url"].startswith("http://127.0.0.1:")
    assert "warning: --notify http://127.0.0.1:" in done.err
    assert "the webhook could not be reached" in done.err
    assert "s3cr3t" not in done.out + done.err and "Traceback" not in done.err


def test_a_failing_webhook_answer_is_reported_never_fatal(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    failing = Hook(status=500)
    try:
        deployed(sim, "web", "nginx:1.25.3")
        done = guard(cli, sim, "deploy/web", "--notify", failing.url)
    finally:
        failing.close()
    assert done.code == 0, done.err
    assert "the webhook answered HTTP 500" in done.err and "s3cr3t" not in done.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deploy/web", "--settle", "soon"], 'invalid duration "soon" for --settle'),
        (["deploy/web", "--max-rollbacks", "0"], "--max-rollbacks must be 1 or more"),
        (["deploy/web", "--notify", "ftp://x/y?token=s3cr3t"], "--notify needs an http://"),
        (["deploy/web", "--notify-format", "teams"], "unknown --notify-format 'teams'"),
        (["svc/web"], "guard and record follow"),
        (["pod/web-1"], "pod"),
        ([], "name the workload to guard"),
        (["deploy/web", "--watch-namespace", "x"], "name no TYPE/NAME"),
        (["--watch-namespace", "x", "-o", "json"], "-o applies to one guarded workload"),
        (["deploy/web", "--auto-rollback"], "--auto-rollback applies to --watch-namespace"),
    ],
)
def test_guard_usage_errors_are_one_line_exit_2(
    args: list[str], message: str, sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    done = cli("guard", *args)
    assert done.code == 2, done.err
    assert done.err.count("\n") == 1 and message in done.err and "s3cr3t" not in done.err


def test_a_guard_whose_rollback_meets_a_concurrent_edit_refuses_and_overwrites_nothing(
    sim: RunningCluster,
) -> None:
    from kubectl_rollback.core.errors import Conflict
    from kubectl_rollback.kube.gateway import KubeGateway

    deployed(sim, "web", "nginx:1.25.3")
    sim.cluster.settle()
    deployed(sim, "web", "nginx:broken-1")
    gw = KubeGateway.connect(sim.kubeconfig, None, NS)

    def someone_edits(_plan: Any) -> None:
        # Between our plan and our patch, someone sets an env var (a spec change).
        live = sim.cluster.get("deployments", NS, "web", "apps")
        live["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "X", "value": "1"}]
        sim.cluster.apply_object(live)

    run = Guard(
        gw,
        WorkloadRef("Deployment", NS, "web"),
        GuardSettings(settle_seconds=1, grace_seconds=1, timeout_seconds=120),
        lambda: datetime.now(UTC),
        on_plan=someone_edits,
    )
    try:
        with running_clock(sim.cluster), pytest.raises(Conflict, match="changed since the plan"):
            run.run()
    finally:
        gw.close()
    live = sim.cluster.get("deployments", NS, "web", "apps")
    container = live["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:broken-1" and container["env"] == [
        {"name": "X", "value": "1"}
    ]
    assert run.rollbacks == [] and run.followed[0].recorded  # the failure is still recorded


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_following_reports_the_true_state(sim: RunningCluster, signum: int) -> None:
    deployed(sim, "web", "nginx:1.25.3")
    sim.cluster.settle()
    deployed(sim, "web", "nginx:broken-1")
    # The simulated clock stands still: the rollout stays in progress while the guard follows.
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubectl_rollback", "guard", "deploy/web", "--grace", "10m"],
        env={**os.environ, "KUBECONFIG": sim.kubeconfig, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stderr is not None
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True)
    reader.start()
    try:
        first = lines.get(timeout=30)  # bounded: the first progress line
        assert first.startswith("guard: deployment.apps/web: "), first
        proc.send_signal(signum)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    reader.join(5)
    err = first + "".join(list(lines.queue))
    assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[signum], err
    last = err.strip().splitlines()[-1]
    word = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}[signum]
    assert last.startswith(f"error: {word}: stopped following deployment.apps/web"), err
    assert "nothing recorded, nothing changed" in last and "Traceback" not in err
    live = sim.cluster.get("deployments", NS, "web", "apps")
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:broken-1"


def test_watch_namespace_follows_50_rollouts_at_once_with_one_watch_per_kind(
    sim: RunningCluster,
) -> None:
    import tracemalloc

    from kubectl_rollback.cli.watch import watch_namespace
    from kubectl_rollback.kube.gateway import KubeGateway

    names = [f"app-{i:02d}" for i in range(50)]
    for name in names:
        deployed(sim, name, "nginx:1.25.3", replicas=1)
    sim.cluster.advance(30)  # every first rollout completes before the guard looks
    gw = KubeGateway.connect(sim.kubeconfig, None, NS)
    settings = GuardSettings(settle_seconds=1, grace_seconds=2, timeout_seconds=120)
    result: list[Any] = []
    sim.cluster.count_requests = True
    started = len(sim.cluster.requests)

    def follow() -> None:
        result.extend(
            watch_namespace(
                gw,
                NS,
                settings,
                auto_rollback=True,
                notify_url=None,
                notify_format="json",
                until=lambda finished: len(finished) >= 55,
            )
        )

    tracemalloc.start()
    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:

        def watches() -> list[str]:
            return [p for m, p in sim.cluster.requests[started:] if m == "GET" and "watch=" in p]

        deadline = 200
        while len(watches()) < 3 and deadline:  # bounded: the three watches open
            thread.join(0.05)
            deadline -= 1
        for i, name in enumerate(names):
            deployed(sim, name, "nginx:broken-1" if i % 10 == 0 else "nginx:1.26.0", replicas=1)
        with running_clock(sim.cluster):
            thread.join(180)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gw.close()
    assert not thread.is_alive(), "the namespace guard did not see every outcome"
    lines = {f.ref.name + ":" + f.judgement.state.images: f for f in result}
    for i, name in enumerate(names):
        if i % 10 == 0:
            broken = lines[f"{name}:nginx:broken-1"]
            assert broken.rolled_back_to == 1, broken.line
            assert lines[f"{name}:nginx:1.25.3"].judgement.phase.value == "healthy"
        else:
            assert lines[f"{name}:nginx:1.26.0"].judgement.phase.value == "healthy"
    for name in names:
        # Every rollout that ended while watching left its record (revision 1 rolled out
        # before the guard started, unless a rollback brought it back).
        for rs in sim.cluster.list("replicasets", NS, f"app={name}", "apps"):
            annotations = rs["metadata"].get("annotations") or {}
            if annotations["deployment.kubernetes.io/revision"] == "1":
                continue
            assert annotations.get(OUTCOME_BY_ANNOTATION) == "guard", rs["metadata"]
            assert annotations.get(OUTCOME_ANNOTATION) == (
                "failed" if "broken" in str(rs["spec"]["template"]) else "succeeded"
            )
    requests = sim.cluster.requests[started:]
    watch_requests = [p for m, p in requests if m == "GET" and "watch=" in p]
    assert len(watch_requests) == 3  # one per kind, never reopened
    deployment_lists = [
        p
        for m, p in requests
        if p.startswith("/apis/apps/v1/namespaces/default/deployments?") and "watch=" not in p
    ]
    assert deployment_lists == ["/apis/apps/v1/namespaces/default/deployments?limit=500"]
    # Reads per workload are scoped by its selector, never the whole namespace's pods.
    assert not [p for m, p in requests if p.rstrip("?").endswith("/namespaces/default/pods")]
    assert peak < 64 * 1024 * 1024
