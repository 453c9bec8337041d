"""The linux-amd64 krew bundle: built by scripts/build_bundle.py, installed the way krew does, run
by kubectl.

The bundle is built once per session (a fresh build environment, then PyInstaller: about a
minute and a half on two cores) into a temporary directory, against a copy of
krew-manifest.yaml, so the checkout is never modified. It then runs with no virtual
environment active and nothing of Python on PATH: only krew's bin directory, kubectl's folder
and /usr/bin:/bin. Skipped on other platforms, when the build environment cannot be installed
(no package registry), and with KUBECTL_ROLLBACK_SKIP_PACKAGING=1.
"""

from __future__ import annotations

import hashlib
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_rollback import __version__
from tests.packaging_support import (
    REPO,
    build_once,
    clean_env,
    krew_install,
    newest_kubectl,
    run,
    skip_if_disabled,
)

pytestmark = [
    skip_if_disabled,
    pytest.mark.kubectl,
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        not (sys.platform == "linux" and platform.machine().lower() in ("x86_64", "amd64")),
        reason="the bundle test builds the linux-amd64 bundle",
    ),
]

ARCHIVE = "kubectl-rollback-linux-amd64.tar.gz"
BUILD_ENV_FAILED = 3  # build_bundle.py: the build environment (PyInstaller) could not be installed


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with dist/ARCHIVE and the krew-manifest.yaml the script updated."""

    def build(directory: Path) -> None:
        shutil.copyfile(REPO / "krew-manifest.yaml", directory / "krew-manifest.yaml")
        proc = subprocess.run(
            [
                sys.executable,
                REPO / "scripts" / "build_bundle.py",
                "--manifest",
                directory / "krew-manifest.yaml",
                "--dist",
                directory / "dist",
                "--work",
                directory / "work",
            ],
            capture_output=True,
            text=True,
            timeout=840,
            stdin=subprocess.DEVNULL,
        )
        if proc.returncode == BUILD_ENV_FAILED:
            pytest.skip(
                "the bundle's build environment could not be installed: "
                f"{proc.stderr.strip()[-500:]}"
            )
        if proc.returncode != 0:
            pytest.fail(
                "build_bundle.py exited "
                f"{proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        shutil.rmtree(directory / "work")  # the build environment and PyInstaller's output: ~400 MB

    return build_once(tmp_path_factory, "krew-bundle", build)


def _linux_amd64(manifest: dict[str, Any]) -> dict[str, Any]:
    (entry,) = [
        p
        for p in manifest["spec"]["platforms"]
        if p["selector"].get("matchLabels") == {"os": "linux", "arch": "amd64"}
    ]
    return entry


def test_the_script_writes_the_archive_sha256_and_uri_and_keeps_the_rest(bundle: Path) -> None:
    original = (REPO / "krew-manifest.yaml").read_text()
    updated = (bundle / "krew-manifest.yaml").read_text()
    entry = _linux_amd64(yaml.safe_load(updated))
    assert entry["sha256"] == hashlib.sha256((bundle / "dist" / ARCHIVE).read_bytes()).hexdigest()
    assert entry["uri"] == (
        f"https://github.com/kubectl-rollback/kubectl-rollback/releases/download/v{__version__}/{ARCHIVE}"
    )
    changed = [
        (a, b) for a, b in zip(original.splitlines(), updated.splitlines(), strict=True) if a != b
    ]
    assert all(
        a.split(":")[0] == b.split(":")[0] and a.strip().startswith(("sha256:", "uri:"))
        for a, b in changed
    ), changed


def test_the_archive_holds_only_what_krew_can_unpack(bundle: Path) -> None:
    with tarfile.open(bundle / "dist" / ARCHIVE, "r:gz") as tar:
        members = tar.getmembers()
    bad = [
        m.name
        for m in members
        if not (m.isdir() or m.isreg()) or ".." in m.name or m.name.startswith("/")
    ]
    assert bad == []
    names = {m.name for m in members}
    assert {"kubectl-rollback/kubectl-rollback", "kubectl-rollback/LICENSE"} <= names


@pytest.fixture(scope="session")
def krew_root(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """KREW_ROOT after installing the bundle with the manifest's linux/amd64 platform entry."""
    root = tmp_path_factory.mktemp("krew-root")
    manifest = yaml.safe_load((bundle / "krew-manifest.yaml").read_text())
    krew_install(
        bundle / "dist" / ARCHIVE,
        _linux_amd64(manifest),
        root,
        manifest["metadata"]["name"],
        manifest["spec"]["version"],
    )
    return root


def test_krew_installs_only_the_listed_files_including_a_license(krew_root: Path) -> None:
    installed = krew_root / "store" / "rollback" / f"v{__version__}"
    assert sorted(p.name for p in installed.iterdir()) == [
        "LICENSE",
        "_internal",
        "kubectl-rollback",
    ]
    assert (krew_root / "bin" / "kubectl-rollback").is_symlink()


def test_kubectl_runs_the_bundle_without_python_on_path(krew_root: Path, tmp_path: Path) -> None:
    kubectl = newest_kubectl()
    env = clean_env(tmp_path, [krew_root / "bin", kubectl.parent])
    assert run([kubectl, "rollback", "--version"], env=env, cwd=tmp_path).stdout.strip() == (
        f"kubectl-rollback {__version__}"
    )
    assert (
        str(krew_root / "bin" / "kubectl-rollback")
        in run([kubectl, "plugin", "list"], env=env, cwd=tmp_path).stdout
    )
    usage = run([kubectl, "rollback", "--help"], env=env, cwd=tmp_path).stdout
    assert usage.startswith("Usage: kubectl rollback")


def test_the_bundle_carries_every_module_the_cli_imports_lazily(
    krew_root: Path, tmp_path: Path
) -> None:
    env = clean_env(tmp_path, []) | {"KUBECTL_ROLLBACK_BUNDLE_SELFTEST": "1"}
    out = run([krew_root / "bin" / "kubectl-rollback"], env=env, cwd=tmp_path).stdout
    assert out.startswith("bundle self-test ok")


def test_the_bundle_carries_the_packages_data_files(krew_root: Path) -> None:
    """Non-Python files of kubectl_rollback (the TUI's stylesheets) are read at run time."""
    package = REPO / "kubectl_rollback"
    wanted = {
        p.relative_to(package).as_posix()
        for p in package.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    bundled = (
        krew_root / "store" / "rollback" / f"v{__version__}" / "_internal" / "kubectl_rollback"
    )
    assert {w for w in wanted if not (bundled / w).is_file()} == set()
