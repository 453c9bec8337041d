"""Helpers for the packaging tests (wheel, pipx/uv, krew bundle): build once, find kubectl, clean
envs.

The artefacts these tests need (an installed wheel, a PyInstaller bundle) take tens of seconds
to build, so each is built once per test session and shared by all pytest-xdist workers: the
workers of one session share the parent of their base temporary directory, and a file lock
makes the first worker build while the others wait and reuse the result.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Set to 1 to skip the slow packaging tests (wheel install, pipx/uv, krew bundle) locally.
SKIP_ENV = "KUBECTL_ROLLBACK_SKIP_PACKAGING"

skip_if_disabled = pytest.mark.skipif(
    os.environ.get(SKIP_ENV, "") not in ("", "0"), reason=f"{SKIP_ENV} is set"
)


def shared_dir(factory: pytest.TempPathFactory) -> Path:
    """A directory shared by every xdist worker of this session (the session's own otherwise)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no sharing between workers
        yield
        return
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """Run `build(directory)` once per session (across xdist workers); return the directory.

    A skip or failure of the first attempt is remembered, so the other workers report the same
    outcome instead of building again.
    """
    root = shared_dir(factory)
    target = root / name
    done, skipped, failed = (root / f"{name}.{s}" for s in ("done", "skipped", "failed"))
    with _locked(root / f"{name}.lock"):
        if done.exists():
            return target
        if skipped.exists():
            pytest.skip(skipped.read_text())
        if failed.exists():
            pytest.fail(f"building {name} failed in another worker:\n{failed.read_text()}")
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        try:
            build(target)
        except pytest.skip.Exception as exc:
            skipped.write_text(str(exc.msg))
            raise
        except BaseException as exc:
            failed.write_text(f"{type(exc).__name__}: {exc}")
            raise
        done.touch()
    return target


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path.name))


def kubectl_binaries() -> list[Path]:
    """The real kubectl binaries, oldest first.

    Where `kubectl` on PATH is a dispatcher with versioned binaries beside it
    (`kubectl.1.27` ... `kubectl.1.33`), those; otherwise `kubectl` itself.
    """
    found = shutil.which("kubectl")
    if not found:
        return []
    real = Path(os.path.realpath(found))
    versioned = sorted(
        (p for p in real.parent.glob("kubectl.1.*") if os.access(p, os.X_OK)), key=_version_key
    )
    return versioned or [real]


def newest_kubectl() -> Path:
    binaries = kubectl_binaries()
    if not binaries:
        pytest.skip("kubectl is not installed")
    return binaries[-1]


def clean_env(home: Path, path_dirs: list[Path]) -> dict[str, str]:
    """An environment with nothing of the caller's Python or kube set-up.

    PATH is exactly `path_dirs` plus /usr/bin:/bin; HOME, KUBECONFIG and kubectl's cache live
    in `home` (a temporary directory); no VIRTUAL_ENV, PYTHONPATH or PYTHONHOME.
    """
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.pathsep.join([*map(str, path_dirs), "/usr/bin", "/bin"]),
        "HOME": str(home),
        "KUBECONFIG": str(home / "kubeconfig-that-does-not-exist"),
        "KUBECACHEDIR": str(home / "kube-cache"),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
    }


def installer_env(**overrides: str) -> dict[str, str]:
    """The caller's environment (registries, certificates, caches) less any active Python set-up."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    return env | overrides


def run(
    cmd: list[str | Path],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capture its output, and fail the test with both streams if it fails."""
    proc = subprocess.run(
        [str(c) for c in cmd],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
            f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
        )
    return proc


def python_bin_dir(venv: Path) -> Path:
    return venv / ("Scripts" if sys.platform == "win32" else "bin")


# --------------------------------------------------------------------------- krew, re-enacted
# What `kubectl krew install` does with a platform's archive, after kubernetes-sigs/krew:
# internal/download/downloader.go (extractTARGZ: directories and regular files only, no '..',
# no absolute paths), internal/installation/move.go (file operations: a `from` that exists is
# moved to `to`, or to its own name when `to` is '.'; otherwise `from` is a glob whose matches
# go into the directory `to`; `to` must be a clean path) and internal/installation/install.go
# (the `bin` inside the install directory is linked, relatively, as bin/kubectl-<name>).


class KrewError(Exception):
    """krew would refuse this archive or manifest."""


def krew_extract(archive: Path, target: Path) -> None:
    import tarfile

    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.name == "pax_global_header":
                continue
            if ".." in member.name or member.name.startswith(("/", "\\")):
                raise KrewError(f"refusing to unpack archive with suspicious entry {member.name!r}")
            path = target / member.name
            if member.isdir():
                path.mkdir(parents=True, exist_ok=True, mode=member.mode or 0o755)
            elif member.isreg():
                path.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                path.write_bytes(source.read())
                path.chmod(member.mode)
            else:
                raise KrewError(
                    f"unable to handle file type {member.type!r} for {member.name!r} in tar"
                )


def _is_sub_path(base: Path, path: Path) -> bool:
    return os.path.abspath(path) == os.path.abspath(base) or os.path.abspath(path).startswith(
        os.path.abspath(base) + os.sep
    )


def krew_move(staging: Path, target: Path, operations: list[dict[str, str]]) -> None:
    import glob

    for op in operations:
        source, to = op["from"], op["to"]
        if os.path.normpath(to) != to:
            raise KrewError(
                f"the provided path is not clean, {to!r} should be {os.path.normpath(to)!r}"
            )
        direct = Path(os.path.normpath(staging / source))
        if direct.exists():
            moves = [(direct, target / (direct.name if to == "." else to))]
        else:
            matches = sorted(glob.glob(str(staging / source)))
            if not matches:
                raise KrewError(f"no files in the plugin archive matched the glob pattern={source}")
            moves = [(Path(m), target / to / Path(m).name) for m in matches]
        for old, new in moves:
            if not (_is_sub_path(staging, old) and _is_sub_path(target, new)):
                raise KrewError(f"can't move {old} to {new}: out of bounds")
            new.parent.mkdir(parents=True, exist_ok=True)
            if new.is_dir():
                shutil.rmtree(new)
            old.rename(new)


def krew_install(archive: Path, platform: dict, root: Path, name: str, version: str) -> Path:
    """Install like krew into KREW_ROOT=`root`; return krew's bin directory (for PATH)."""
    staging = root / "staging"
    staging.mkdir(parents=True)
    krew_extract(archive, staging)
    install_dir = root / "store" / name / version
    install_dir.mkdir(parents=True)
    krew_move(staging, install_dir, platform.get("files") or [{"from": "*", "to": "."}])
    binary = install_dir / platform["bin"]
    if not _is_sub_path(install_dir, binary) or not binary.exists():
        raise KrewError(f"source binary {binary} cannot be found in extracted archive")
    bin_dir = root / "bin"
    bin_dir.mkdir()
    (bin_dir / f"kubectl-{name.replace('-', '_')}").symlink_to(os.path.relpath(binary, bin_dir))
    return bin_dir
