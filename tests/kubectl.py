"""Run the real kubectl binaries (kubectl.1.27 ... kubectl.1.33) against a simulated cluster.

The versioned binaries sit beside the file the `kubectl` on PATH links to. Every run gets
`--kubeconfig`, a private `--cache-dir` (and KUBECACHEDIR) so discovery caches of other
clusters never leak in, and a timeout. Tests skip cleanly where a binary is missing.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

VERSIONS = ("1.27", "1.33")
"""The versions integration tests run against by default (oldest and newest supported)."""

ALL_VERSIONS = ("1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33")


def binary(version: str) -> Path | None:
    """The path of `kubectl.<version>`, or None when it is not installed."""
    found = shutil.which("kubectl")
    if found is None:
        return None
    candidate = Path(os.path.realpath(found)).parent / f"kubectl.{version}"
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


class Kubectl:
    """One kubectl binary bound to one cluster's kubeconfig and a private cache folder."""

    def __init__(
        self, path: Path, version: str, kubeconfig: str, cache_dir: Path, timeout: float = 30
    ) -> None:
        self.path = path
        self.version = version
        self.kubeconfig = kubeconfig
        self.cache_dir = cache_dir
        self.timeout = timeout

    def command(self, *args: str) -> list[str]:
        return [
            str(self.path),
            "--kubeconfig",
            self.kubeconfig,
            "--cache-dir",
            str(self.cache_dir),
            *args,
        ]

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        env["KUBECACHEDIR"] = str(self.cache_dir)
        return env

    def run(
        self,
        *args: str,
        input: str | None = None,
        check: bool = False,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run to completion; stdout and stderr captured as text."""
        return subprocess.run(
            self.command(*args),
            input=input,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout or self.timeout,
            check=check,
        )

    __call__ = run

    def ok(self, *args: str, input: str | None = None) -> str:
        """Run and return stdout; fail the test with kubectl's stderr if it exits non-zero."""
        result = self.run(*args, input=input)
        if result.returncode != 0:
            pytest.fail(
                f"kubectl.{self.version} {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stderr}{result.stdout}"
            )
        return result.stdout

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """Start a long-running command; the caller kills it (see `stream` for reading lines)."""
        return subprocess.Popen(
            self.command(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            bufsize=1,
        )

    def stream(self, *args: str) -> Stream:
        """Start a long-running command (e.g. `get -w`); its lines are read with a timeout."""
        return Stream(self.popen(*args))


class Stream:
    """The stdout lines of a running kubectl, read with timeouts; use as a context manager."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def readline(self, timeout: float = 10) -> str:
        """The next line; fails the test when none comes in time or the command ended."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"kubectl printed no line within {timeout} s")
        if line is None:
            stderr = self.proc.stderr.read() if self.proc.stderr else ""
            pytest.fail(f"kubectl exited ({self.proc.wait()}): {stderr}")
        return line

    def stop(self) -> None:
        self.proc.kill()
        self.proc.communicate(timeout=5)
        self._reader.join(timeout=5)

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def kubectl_or_skip(version: str, kubeconfig: str, cache_dir: Path) -> Kubectl:
    path = binary(version)
    if path is None:
        pytest.skip(f"kubectl.{version} is not installed")
    cache_dir.mkdir(parents=True, exist_ok=True)
    return Kubectl(path, version, kubeconfig, cache_dir)
