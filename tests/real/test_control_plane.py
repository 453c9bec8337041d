"""scripts/control-plane itself: a cached build is a no-op; `up` serves three contexts and stops
cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.clusters import control_plane, env_ci

pytestmark = [pytest.mark.real, pytest.mark.xdist_group("real")]

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "control-plane"
VERSION = os.environ.get("KUBECTL_ROLLBACK_REAL_VERSION", control_plane.DEFAULT_VERSION)


@pytest.fixture(autouse=True)
def built() -> None:
    if not control_plane.is_built(VERSION):
        message = (
            f"real control plane {VERSION} not built: "
            f"run scripts/control-plane build --version {VERSION}"
        )
        if env_ci():
            pytest.fail(message)
        pytest.skip(message)


def test_a_second_build_does_nothing() -> None:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "build", "--version", VERSION],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("already built") == 3, out.stderr
    assert "go build" not in out.stderr
    listed = subprocess.run(
        [sys.executable, str(SCRIPT), "versions"], capture_output=True, text=True, timeout=60
    )
    assert re.search(rf"^{re.escape(VERSION)}\tbuilt\t", listed.stdout, re.MULTILINE), listed.stdout


def test_up_without_a_build_says_how_to_build(tmp_path: Path) -> None:
    env = {**os.environ, "KUBECTL_ROLLBACK_CONTROL_PLANE_CACHE": str(tmp_path / "empty")}
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "up", "--write-kubeconfig", str(tmp_path / "k")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1] == (
        f"control-plane: the control plane {control_plane.DEFAULT_VERSION} is not built: "
        f"run scripts/control-plane build --version {control_plane.DEFAULT_VERSION}"
    )
    assert not (tmp_path / "k").exists()


def kubectl(kubeconfig: Path, context: str, *args: str) -> subprocess.CompletedProcess[str]:
    binary = control_plane.binaries(VERSION).kubectl
    return subprocess.run(
        [str(binary), "--kubeconfig", str(kubeconfig), "--context", context, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KUBECACHEDIR": str(kubeconfig.parent / "cache")},
    )


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_up_serves_three_contexts_then_stops_everything(
    tmp_path: Path, stop: signal.Signals
) -> None:
    kubeconfig = tmp_path / "real.kubeconfig"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(SCRIPT),
            "up",
            "--version",
            VERSION,
            "--write-kubeconfig",
            str(kubeconfig),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not kubeconfig.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert kubeconfig.exists(), (
            proc.stderr.read() if proc.poll() is not None else "no kubeconfig in 90 s"
        )
        doc = yaml.safe_load(kubeconfig.read_text())
        assert doc["current-context"] == "admin"
        assert {c["name"] for c in doc["contexts"]} == {"admin", "admin-cert", "viewer"}
        inline = next(u["user"] for u in doc["users"] if u["name"] == "admin-cert")
        assert set(inline) == {"client-certificate-data", "client-key-data"}
        assert "certificate-authority-data" in doc["clusters"][0]["cluster"]
        server = urlsplit(doc["clusters"][0]["cluster"]["server"])
        assert server.scheme == "https" and server.hostname == "127.0.0.1"

        version = json.loads(kubectl(kubeconfig, "admin", "version", "-o", "json").stdout)
        assert version["serverVersion"]["gitVersion"] == VERSION
        assert version["clientVersion"]["gitVersion"] == VERSION
        nodes = kubectl(kubeconfig, "admin-cert", "get", "nodes", "--no-headers")
        assert nodes.returncode == 0, nodes.stderr
        assert [line.split()[1] for line in nodes.stdout.splitlines()] == ["Ready"] * 3
        assert (
            kubectl(kubeconfig, "viewer", "auth", "can-i", "list", "secrets", "-A").stdout.strip()
            == "yes"
        )
        assert (
            kubectl(kubeconfig, "viewer", "auth", "can-i", "patch", "deployments").stdout.strip()
            == "no"
        )
        who = kubectl(kubeconfig, "admin-cert", "auth", "whoami", "-o", "json")
        assert json.loads(who.stdout)["status"]["userInfo"]["username"] == "kubernetes-admin"
    finally:
        proc.send_signal(stop)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err
    assert "stopped" in err
    workdir = Path(re.search(r"logs in (\S+)/logs", err).group(1))  # type: ignore[union-attr]
    assert not workdir.exists(), "its temporary data was left behind"
    assert not kubeconfig.exists(), "its kubeconfig was left behind"
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex(("127.0.0.1", server.port or 0)) != 0, "the API server still answers"
