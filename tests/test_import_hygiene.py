"""The layering rules of architecture.md, checked in fresh interpreters."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import kubectl_rollback.core
import kubectl_rollback.sim

FORBIDDEN = ("textual", "typer", "kubernetes", "kubectl_rollback.kube", "kubectl_rollback.tui")


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def _modules(package) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]


def test_core_and_sim_import_only_the_standard_library_and_themselves() -> None:
    names = _modules(kubectl_rollback.core) + _modules(kubectl_rollback.sim)
    assert names, "no modules found"
    loaded = _loaded_after("\n".join(f"import {n}" for n in names))
    bad = sorted(
        m
        for m in loaded
        if m.split(".")[0] in {"textual", "typer", "kubernetes", "click", "rich", "yaml", "urllib3"}
        or m.startswith(("kubectl_rollback.kube", "kubectl_rollback.tui", "kubectl_rollback.cli"))
    )
    assert bad == []


def test_help_does_not_import_textual_or_kubernetes() -> None:
    code = (
        "import sys\n"
        "from kubectl_rollback.__main__ import main\n"
        "sys.argv=['kubectl-rollback','--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
    )
    loaded = _loaded_after(code)
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "kubernetes")}


def test_import_linter_contracts_hold() -> None:
    lint = subprocess.run(
        [sys.executable, "-m", "importlinter.cli"], capture_output=True, text=True
    )
    if "No module named" in lint.stderr:
        lint = subprocess.run(["lint-imports"], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_text_renderings_the_tui_imports_load_no_other_part_of_the_command_line() -> None:
    loaded = _loaded_after("import kubectl_rollback.cli.text")
    assert not {m for m in loaded if m.split(".")[0] in ("typer", "click", "textual", "kubernetes")}
    assert {m for m in loaded if m.startswith("kubectl_rollback.cli.")} == {
        "kubectl_rollback.cli.text"
    }
