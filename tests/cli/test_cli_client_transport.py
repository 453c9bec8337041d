"""A kubeconfig the direct transport does not serve (here `proxy-url`) goes through the
kubernetes client's loader and ApiClient (kube/client_transport.py): the same answers as
the direct transport for reads, the rollback's PATCH and Event, and a watch's events,
every request through the proxy the kubeconfig names."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from kubectl_rollback.sim import RunningCluster
from tests.cli.cli_support import CliResult, history_of


class _Forwarding(http.server.BaseHTTPRequestHandler):
    """An HTTP proxy for http:// targets: the absolute-form request is sent on, the answer
    streamed back as it comes (a watch is a long chunked answer)."""

    protocol_version = "HTTP/1.1"
    seen: list[str]

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
def proxied(sim: RunningCluster, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A kubeconfig for `sim` with a proxy-url, and the requests the proxy forwarded."""
    seen: list[str] = []
    handler = type("Handler", (_Forwarding,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = yaml.safe_load(Path(sim.kubeconfig).read_text())
    config["clusters"][0]["cluster"]["proxy-url"] = f"http://127.0.0.1:{server.server_port}"
    path = tmp_path / "proxied.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    try:
        yield str(path), seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_proxied_kubeconfig_reads_rolls_back_and_follows_through_the_client(
    sim: RunningCluster,
    cli: Callable[..., CliResult],
    ticking: Callable[[], None],
    proxied: tuple[str, list[str]],
) -> None:
    kubeconfig, seen = proxied
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0"])
    direct = cli("history", "deploy/web", "-o", "json")
    assert direct.code == 0, direct.err
    assert seen == []
    through = cli("history", "deploy/web", "-o", "json", "--kubeconfig", kubeconfig)
    assert through.code == 0, through.err
    assert json.loads(through.out) == json.loads(direct.out)
    assert any("/replicasets?" in line for line in seen)

    ticking()
    done = cli("deploy/web", "--yes", "--kubeconfig", kubeconfig, "--timeout", "60s")
    assert done.code == 0, done.err
    assert "successfully rolled out" in done.out
    assert (
        sim.cluster.get("deployments", "default", "web")["spec"]["template"]["spec"]["containers"][
            0
        ]["image"]
        == "nginx:1.25.3"
    )
    assert any(line.startswith("PATCH ") for line in seen)
    assert any(line.startswith("POST ") and "/events" in line for line in seen)


def test_a_proxied_watch_streams_events_through_the_client(
    sim: RunningCluster, proxied: tuple[str, list[str]]
) -> None:
    from kubectl_rollback.core.ports import DEPLOYMENTS
    from kubectl_rollback.kube.gateway import KubeGateway
    from kubectl_rollback.kube.transport import DirectTransport

    kubeconfig, seen = proxied
    history_of(sim, "web", ["nginx:1.25.3"])
    gw = KubeGateway.connect(kubeconfig)
    try:
        assert not isinstance(gw._transport, DirectTransport)
        _, rv = gw.list_with_version(DEPLOYMENTS, "default")
        history_of(sim, "web", ["nginx:1.26.0"])  # changes after rv: the watch replays them
        images = []
        for kind, obj in gw.watch(DEPLOYMENTS, "default", rv, name="web", timeout_seconds=5):
            assert kind != "ERROR", obj
            if kind == "MODIFIED":
                images.append(obj["spec"]["template"]["spec"]["containers"][0]["image"])
                if images[-1] == "nginx:1.26.0":
                    break
    finally:
        gw.close()
    assert images and images[-1] == "nginx:1.26.0"
    assert any("watch=true" in line for line in seen)
