"""`kubectl-rollback sim`: the simulated cluster from the shell, driven by the real kubectl."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.kubectl import binary


def _script() -> list[str]:
    script = Path(sys.executable).with_name("kubectl-rollback")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kubectl_rollback"]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_sim_command_serves_until_signalled(tmp_path: Path, stop: signal.Signals) -> None:
    kubeconfig = tmp_path / "sim.kubeconfig"
    proc = subprocess.Popen(
        [
            *_script(),
            "sim",
            "--port",
            "0",
            "--scenario",
            "demo",
            "--write-kubeconfig",
            str(kubeconfig),
            "--time-scale",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        match = re.match(
            r"Simulated cluster \(demo\) serving at http://127\.0\.0\.1:(\d+)$", first.strip()
        )
        assert match, first
        port = int(match.group(1))
        assert proc.stdout.readline().strip() == f"Port: {port}"  # type: ignore[union-attr]
        assert f"server: http://127.0.0.1:{port}" in kubeconfig.read_text()
        kubectl = binary("1.33") or binary("1.27")
        if kubectl is not None:
            out = subprocess.run(
                [
                    str(kubectl),
                    "--kubeconfig",
                    str(kubeconfig),
                    "--cache-dir",
                    str(tmp_path / "cache"),
                    "-n",
                    "shop",
                    "get",
                    "deploy",
                    "checkout",
                ],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout
            assert out.split("\n")[0].split()[:4] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE"]
            assert out.split("\n")[1].startswith("checkout")
        proc.send_signal(stop)
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.returncode == 0
        assert "Traceback" not in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
