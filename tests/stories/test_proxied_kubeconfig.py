"""A kubeconfig the direct transport does not serve (here `proxy-url`) goes through the
kubernetes client's loader and ApiClient (kube/client_transport.py), on both clusters:
through a proxy that forwards plain http (the simulated cluster) and tunnels https with
CONNECT (the real control plane). The same history as the direct transport reads, the
rollback's PATCH and Event, and a watch's events, every request through the proxy."""

from __future__ import annotations

import http.server
import json
import select
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.clusters import TestCluster, deployment, rollout_complete


class _Proxy(http.server.BaseHTTPRequestHandler):
    """An HTTP proxy: absolute-form requests for http:// targets are sent on and their answer
    streamed back as it comes (a watch is a long chunked answer); CONNECT opens a tunnel
    (https). `seen` keeps each request line."""

    protocol_version = "HTTP/1.1"
    seen: list[str]

    def do_CONNECT(self) -> None:
        self.seen.append(f"CONNECT {self.path}")
        host, _, port = self.path.rpartition(":")
        upstream = socket.create_connection((host, int(port)), timeout=30)
        self.send_response(200, "Connection established")
        self.end_headers()
        ends = [self.connection, upstream]
        try:
            while True:
                ready, _, _ = select.select(ends, [], [], 30)
                if not ready:
                    return  # idle for 30 s: the test is long over
                for end in ready:
                    data = end.recv(65536)
                    if not data:
                        return
                    (upstream if end is self.connection else self.connection).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()
            self.close_connection = True

    def _forward(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        skip = {"proxy-connection", "host", "connection", "content-length"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        request = urllib.request.Request(self.path, data=body, method=self.command, headers=headers)
        try:
            answer = urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as exc:
            answer = exc
        self.send_response(answer.status)
        for key, value in answer.headers.items():
            if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(key, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while chunk := answer.read1(65536):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PATCH = do_DELETE = _forward

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxied(cluster: TestCluster, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A kubeconfig for `cluster` whose cluster has a proxy-url, and the requests the proxy
    saw. The proxy listens on 127.0.0.1 and stops with the test."""
    seen: list[str] = []
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), type("Handler", (_Proxy,), {"seen": seen})
    )
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    for entry in config["clusters"]:
        entry["cluster"]["proxy-url"] = f"http://127.0.0.1:{server.server_port}"
    path = tmp_path / "proxied.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    try:
        yield str(path), seen
    finally:
        server.shutdown()
        server.server_close()


def _roll_out(cluster: TestCluster, image: str) -> None:
    cluster.apply(deployment("web", image, replicas=2))
    with cluster.clock():
        cluster.wait_for(
            lambda: (
                (d := cluster.get("deployments", "web")) is not None
                and d["spec"]["template"]["spec"]["containers"][0]["image"] == image
                and rollout_complete(d)
            ),
            f"web rolled out with {image}",
        )


def _revisions(out: str) -> list[tuple[Any, ...]]:
    doc = json.loads(out)
    return [(r["revision"], r["images"], r["health"]) for r in doc["revisions"]]


def test_a_proxied_kubeconfig_reads_rolls_back_and_watches_through_the_client(
    cluster: TestCluster,
    rollback: Callable[..., Any],
    proxied: tuple[str, list[str]],
) -> None:
    kubeconfig, seen = proxied
    _roll_out(cluster, "nginx:1.25.3")
    _roll_out(cluster, "nginx:1.26.0")
    direct = rollback("history", "deploy/web", "-o", "json")
    assert direct.code == 0, direct.err
    assert seen == []
    through = rollback("history", "deploy/web", "-o", "json", kubeconfig=kubeconfig)
    assert through.code == 0, through.err
    assert _revisions(through.out) == _revisions(direct.out)
    assert len(_revisions(direct.out)) == 2
    assert seen, "nothing went through the proxy"

    with cluster.clock():
        done = rollback("deploy/web", "--yes", "--timeout", "2m", kubeconfig=kubeconfig)
    assert done.code == 0, done.err
    assert 'deployment "web" successfully rolled out' in done.out
    live = cluster.must("deployments", "web")
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25.3"
    assert [
        e["involvedObject"]["name"]
        for e in cluster.list("events")
        if e.get("reason") == "RolledBack"
    ] == ["web"]

    from kubectl_rollback.core.ports import DEPLOYMENTS
    from kubectl_rollback.kube.gateway import KubeGateway
    from kubectl_rollback.kube.transport import DirectTransport

    gw = KubeGateway.connect(kubeconfig)
    try:
        assert not isinstance(gw._transport, DirectTransport)
        _, rv = gw.list_with_version(DEPLOYMENTS, gw.namespace)
        cluster.apply(deployment("web", "nginx:1.27.0", replicas=2))  # after rv: replayed
        images = []
        for kind, obj in gw.watch(DEPLOYMENTS, gw.namespace, rv, name="web", timeout_seconds=20):
            assert kind != "ERROR", obj
            if kind == "MODIFIED":
                images.append(obj["spec"]["template"]["spec"]["containers"][0]["image"])
                if images[-1] == "nginx:1.27.0":
                    break
    finally:
        gw.close()
    assert images and images[-1] == "nginx:1.27.0"
    https = urlsplit(gw.server).scheme == "https"  # the server the client was given
    assert any(line.startswith("CONNECT ") for line in seen) is https
    if not https:
        assert any(line.startswith("PATCH ") for line in seen)
        assert any(line.startswith("POST ") and "/events" in line for line in seen)
        assert any("watch=true" in line for line in seen)
