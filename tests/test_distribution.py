"""Installing the built wheel the ways kubectl users do (pip, pipx, uv tool) puts a plugin kubectl
finds.

The wheel is built once per session (`pip wheel --no-deps`, the project's own build backend in
an isolated build environment) and installed into a fresh virtual environment with its
dependencies from the machine's pip configuration. kubectl then runs with only that
environment's bin directory (and /usr/bin:/bin) on PATH, a temporary HOME, KUBECONFIG and
cache directory, and no virtual environment active. Set KUBECTL_ROLLBACK_SKIP_PACKAGING=1 to
skip these tests locally; they run by default (and in CI).
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from kubectl_rollback import __version__
from tests.packaging_support import (
    REPO,
    build_once,
    clean_env,
    installer_env,
    kubectl_binaries,
    newest_kubectl,
    python_bin_dir,
    run,
    skip_if_disabled,
)

pytestmark = [skip_if_disabled, pytest.mark.kubectl, pytest.mark.timeout(900)]

VERSION_LINE = f"kubectl-rollback {__version__}"
KUBECTLS = kubectl_binaries()


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(directory: Path) -> None:
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--quiet",
                "--wheel-dir",
                directory,
                REPO,
            ]
        )

    directory = build_once(tmp_path_factory, "wheel", build)
    (found,) = directory.glob("kubectl_rollback-*.whl")
    return found


@pytest.fixture(scope="session")
def pip_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh virtual environment with the wheel (and its dependencies) installed by pip."""

    def build(venv: Path) -> None:
        run([sys.executable, "-m", "venv", venv])
        run([python_bin_dir(venv) / "python", "-m", "pip", "install", "--quiet", wheel])

    return build_once(tmp_path_factory, "pip-venv", build)


def _kubectl(kubectl: Path, bin_dir: Path, home: Path, *args: str) -> str:
    return run([kubectl, *args], env=clean_env(home, [bin_dir]), cwd=home).stdout


def test_the_wheel_carries_the_package_and_the_console_script(wheel: Path) -> None:
    assert wheel.name == f"kubectl_rollback-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read(
            f"kubectl_rollback-{__version__}.dist-info/entry_points.txt"
        ).decode()
    assert "kubectl_rollback/__main__.py" in names
    assert not [n for n in names if n.startswith("tests/")]
    assert "kubectl-rollback = kubectl_rollback.__main__:main" in entry_points
    assert "kubectl_complete-rollback = kubectl_rollback.cli.app:complete_main" in entry_points


def test_the_installed_package_is_the_wheel_and_its_dependencies_import(
    pip_venv: Path, tmp_path: Path
) -> None:
    code = (
        "import kubectl_rollback, kubectl_rollback.kube.gateway, textual, typer\n"
        "print(kubectl_rollback.__file__)"
    )
    out = run(
        [python_bin_dir(pip_venv) / "python", "-c", code], env=clean_env(tmp_path, []), cwd=tmp_path
    ).stdout
    installed = Path(out.strip()).resolve()
    assert installed.is_relative_to(pip_venv.resolve()), installed  # not the checkout


@pytest.mark.parametrize("kubectl", KUBECTLS or [None], ids=[k.name for k in KUBECTLS] or ["none"])
def test_kubectl_runs_the_pip_installed_plugin(
    pip_venv: Path, kubectl: Path | None, tmp_path: Path
) -> None:
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    out = _kubectl(kubectl, python_bin_dir(pip_venv), tmp_path, "rollback", "--version")
    assert out.strip() == VERSION_LINE


def test_kubectl_plugin_list_finds_the_pip_installed_plugin(pip_venv: Path, tmp_path: Path) -> None:
    out = _kubectl(newest_kubectl(), python_bin_dir(pip_venv), tmp_path, "plugin", "list")
    assert str(python_bin_dir(pip_venv) / "kubectl-rollback") in out.splitlines()


def test_kubectl_completes_the_pip_installed_plugin(pip_venv: Path, tmp_path: Path) -> None:
    """kubectl (1.26+) runs kubectl_complete-rollback, which pip put beside the plugin."""
    out = _kubectl(
        newest_kubectl(), python_bin_dir(pip_venv), tmp_path, "__complete", "rollback", "hi"
    )
    assert out.splitlines()[0].startswith("history\t")
    assert out.splitlines()[-1] == ":4"


def _tool(name: str) -> Path:
    """A command installed beside this interpreter (the test extra) or on PATH; skip if absent."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (it is in the test extra)")
    return Path(found)


def test_pipx_install_of_the_wheel_gives_kubectl_the_plugin(wheel: Path, tmp_path: Path) -> None:
    pipx = _tool("pipx")
    env = installer_env(
        PIPX_HOME=str(tmp_path / "pipx"),
        PIPX_BIN_DIR=str(tmp_path / "bin"),
        PIPX_MAN_DIR=str(tmp_path / "man"),
    )
    run([pipx, "install", "--python", sys.executable, wheel], env=env)
    kubectl = newest_kubectl()
    assert (
        _kubectl(kubectl, tmp_path / "bin", tmp_path / "home", "rollback", "--version").strip()
        == VERSION_LINE
    )
    assert str(tmp_path / "bin" / "kubectl-rollback") in _kubectl(
        kubectl, tmp_path / "bin", tmp_path / "home", "plugin", "list"
    )


def test_uv_tool_install_of_the_wheel_gives_kubectl_the_plugin(wheel: Path, tmp_path: Path) -> None:
    uv = _tool("uv")
    env = installer_env(
        UV_TOOL_DIR=str(tmp_path / "tools"),
        UV_TOOL_BIN_DIR=str(tmp_path / "bin"),
        UV_PYTHON_DOWNLOADS="never",
    )
    run([uv, "tool", "install", "--python", sys.executable, wheel], env=env)
    kubectl = newest_kubectl()
    assert (
        _kubectl(kubectl, tmp_path / "bin", tmp_path / "home", "rollback", "--version").strip()
        == VERSION_LINE
    )
    assert str(tmp_path / "bin" / "kubectl-rollback") in _kubectl(
        kubectl, tmp_path / "bin", tmp_path / "home", "plugin", "list"
    )
