"""The layering rules of architecture.md, checked in fresh interpreters."""

from __future__ import annotations

import ast
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import kubectl_rollback.core
import kubectl_rollback.sim
from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.sim.release_records import harness_legacy_configmap, legacy_release
from tests.clusters import deployment

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("textual", "typer", "kubernetes", "kubectl_rollback.kube", "kubectl_rollback.tui")


MARK = "--- modules ---"


def _loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules loaded once `code` has run in a fresh interpreter (what it prints before
    is not mistaken for a module)."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code + f"\nimport sys\nsys.stdout.flush()\nprint({MARK!r})\nprint(*sys.modules)",
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return set(out.rpartition(MARK)[2].split())


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


def test_help_and_version_load_no_rich_markdown_or_core() -> None:
    for flag in ("--help", "--version"):
        loaded = _loaded_after(
            "import sys\n"
            "from kubectl_rollback.__main__ import main\n"
            f"sys.argv=['kubectl-rollback','{flag}']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
        )
        heavy = {
            m
            for m in loaded
            if m.split(".")[0] in ("rich", "markdown_it", "yaml", "ssl", "inspect", "ast")
        }
        assert heavy == set(), flag
        # the page is drawn by cli/help.py from spec.py, as Typer would draw it
        assert not {m for m in loaded if m.split(".")[0] in ("typer", "click")}, flag
        # errors: the exit codes; values: how spec.py declares the options
        assert not {m for m in loaded if m.startswith("kubectl_rollback.core.")} - {
            "kubectl_rollback.core.errors",
            "kubectl_rollback.core.values",
        }, flag
    assert "typer" not in _loaded_after(
        "import sys\nfrom kubectl_rollback.__main__ import main\nmain(['--version'])"
    )


def _rollback_loads(sim: RunningCluster, *args: str) -> set[str]:
    """The modules a one-shot `kubectl rollback ARGS` has loaded when it ends (exit 0)."""
    code = f"from kubectl_rollback.__main__ import main\nassert main({list(args)!r}) == 0"
    return _loaded_after(code, env={**os.environ, "KUBECONFIG": sim.kubeconfig})


# Never needed by a Deployment's one-shot rollback, dry run or history over http.
NOT_FOR_A_DEPLOYMENT = (
    "typer",  # cli/entry.py reads the everyday command lines without it
    "click",
    "kubectl_rollback.cli.app",
    "rich",
    "markdown_it",
    "textual",
    "kubernetes",
    "urllib3",
    "yaml",
    "_yaml",
    "ssl",
    "http.client",  # kube/http1.py speaks HTTP/1.1 without the email package
    "email",
    "encodings.idna",  # an ASCII host goes to getaddrinfo as bytes
    "tempfile",  # only for a client key where there is no memfd
    "kubectl_rollback.cli.completion",  # only when a shell asks for completions
    "kubectl_rollback.core.harness",  # only when a namespace has Harness records
    "_ssl",
    "kubectl_rollback.tui",
    "kubectl_rollback.sim",
    "kubectl_rollback.core.bluegreen",
    "kubectl_rollback.core.bluegreen_service",
    "kubectl_rollback.core.controller_history",
    "kubectl_rollback.core.controller_plan",
    "kubectl_rollback.core.controller_status",
    "kubectl_rollback.core.release",
    "kubectl_rollback.core.release_records",
    "kubectl_rollback.core.documents",
    "kubectl_rollback.core.workloads",
    "kubectl_rollback.cli.releases",
    "kubectl_rollback.cli.release_text",
    "kubectl_rollback.cli.apply",  # each command its module: only the one that runs loads
    "kubectl_rollback.cli.services",
    "kubectl_rollback.kube.client_transport",  # only for proxy-url or auth-provider
    "kubectl_rollback.kube.exec_plugin",  # only for a user with an exec plugin
    "dataclasses",  # core/values.py makes the value classes itself: dataclasses imports
    "inspect",  # inspect, and it ast, dis and tokenize (13 to 18 ms of a start)
    "ast",
    "tokenize",
)

# What a read-only command leaves unloaded besides: carrying a plan out (execute, follow,
# the records) and reading a watch (a rollback that follows its rollout needs both).
NOT_FOR_A_READ = ("kubectl_rollback.core.execution", "kubectl_rollback.kube.watch_stream")


def _unwanted(loaded: set[str]) -> set[str]:
    return {
        m for m in loaded if m in NOT_FOR_A_DEPLOYMENT or m.split(".")[0] in NOT_FOR_A_DEPLOYMENT
    }


def test_a_one_shot_deployment_rollback_imports_only_what_it_uses(sim: RunningCluster) -> None:
    """The one-shot commands load the Deployment rules and the http transport: no yaml (the
    simulated cluster's kubeconfig is read without it), no
    blue/green, ControllerRevision or release rules, no documents without -o, no planning
    rules for history, no ssl over http, neither rich nor the terminal UI, no other
    command's module, nothing that carries a plan out for a dry run or history, no watch
    reader unless the rollout is followed; with a colour label the blue/green rules load,
    with -o json the documents (the check sees what it forbids)."""
    cluster = sim.cluster
    for image in ("nginx:1.25", "nginx:1.26"):
        for obj in (
            deployment("web", image),
            deployment("blue", image, template_labels={"color": "blue"}),
        ):
            obj["metadata"]["namespace"] = "default"
            cluster.apply_object(obj)
        cluster.advance(30)
    for args in (
        ("-n", "default", "deploy/web", "--dry-run"),
        ("history", "-n", "default", "deploy/web"),
        ("-n", "default", "deploy/web", "--yes", "--no-wait"),
    ):
        loaded = _rollback_loads(sim, *args)
        assert "kubectl_rollback.core.kinds.deployment" in loaded, args
        assert _unwanted(loaded) == set(), args
        # history makes no plan: the planning rules (and their YAML, masks and diffs) and
        # the rollback command stay unloaded; a rollback loads no history command
        history = args[0] == "history"
        for module in (
            "kubectl_rollback.core.plan",
            "kubectl_rollback.core.rendering",
            "kubectl_rollback.cli.commands",
        ):
            assert (module in loaded) is not history, (args, module)
        assert ("kubectl_rollback.cli.history" in loaded) is history, args
        applies = "--yes" in args
        assert ("kubectl_rollback.core.execution" in loaded) is applies, args
        assert not set(NOT_FOR_A_READ[1:]) & loaded, args  # --no-wait: no watch either
    # A workload that takes its configuration from a ConfigMap: the namespace's ConfigMaps
    # are read (does the target revision's still exist?), the Harness rules load only once
    # one of them is a Harness release history.
    cluster.apply_object(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "app-config", "namespace": "default"},
            "data": {"LEVEL": "info"},
        }
    )
    for image in ("nginx:1.25", "nginx:1.26"):
        configured = deployment(
            "configured",
            image,
            containers=[
                {
                    "name": "app",
                    "image": image,
                    "envFrom": [{"configMapRef": {"name": "app-config"}}],
                }
            ],
        )
        configured["metadata"]["namespace"] = "default"
        cluster.apply_object(configured)
        cluster.advance(30)
    plain_configuration = _rollback_loads(sim, "-n", "default", "deploy/configured", "--dry-run")
    assert _unwanted(plain_configuration) == set()
    cluster.apply_object(
        harness_legacy_configmap(
            "release-web",
            "default",
            [legacy_release(1, "Succeeded", "default", [("Deployment", "configured", 1)])],
        )
    )
    with_records = _rollback_loads(sim, "-n", "default", "deploy/configured", "--dry-run")
    assert "kubectl_rollback.core.harness" in with_records
    coloured = _rollback_loads(sim, "-n", "default", "deploy/blue", "--dry-run")
    assert "kubectl_rollback.core.bluegreen" in coloured
    documents = _rollback_loads(sim, "-n", "default", "deploy/web", "--dry-run", "-o", "json")
    assert "kubectl_rollback.core.documents" in documents


def test_kubeconfigs_are_read_with_the_c_loader_when_built_in() -> None:
    import yaml

    from kubectl_rollback.kube.kubeconfig import _safe_loader

    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert _safe_loader(yaml) is expected


def test_import_linter_contracts_hold() -> None:
    lint = subprocess.run(
        [sys.executable, "-m", "importlinter.cli"], capture_output=True, text=True
    )
    if "No module named" in lint.stderr:
        lint = subprocess.run(["lint-imports"], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_text_renderings_the_tui_imports_load_no_other_part_of_the_command_line() -> None:
    loaded = _loaded_after("import kubectl_rollback.cli.text, kubectl_rollback.cli.release_text")
    assert not {m for m in loaded if m.split(".")[0] in ("typer", "click", "textual", "kubernetes")}
    assert {m for m in loaded if m.startswith("kubectl_rollback.cli.")} == {
        "kubectl_rollback.cli.text",
        "kubectl_rollback.cli.release_text",
    }


def _import_circles(package: str) -> list[frozenset[str]]:
    """The strongly connected components (of two modules or more) of `package`'s import graph.

    Every import counts, function-level ones and those under TYPE_CHECKING included (grimp).
    """
    import grimp

    graph = grimp.build_graph(package)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[frozenset[str]] = []

    def visit(root: str) -> None:
        # Tarjan's algorithm, iterative (no recursion limit on long chains).
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(frozenset(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    prefix = package + "."
    return [frozenset(m.removeprefix(prefix) for m in c) for c in circles]


def test_no_import_circles() -> None:
    circles = _import_circles("kubectl_rollback")
    found = [sorted(c) for c in circles]
    assert found == [], "import circles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_circle_finder_finds_a_circle(tmp_path: Path) -> None:
    """The finder itself: a package whose modules import each other (one at run time)."""
    package = tmp_path / "circlepkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def f():\n    from .c import g\n")
    (package / "c.py").write_text("from .a import b as _\ndef g(): pass\n")
    (package / "d.py").write_text("from .a import b\n")
    code = (
        "from tests.test_import_hygiene import _import_circles\n"
        "print(sorted(sorted(c) for c in _import_circles('circlepkg')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.strip() == "[['a', 'b', 'c']]"


def _parent_package_imports(root: Path, package: str) -> list[str]:
    """Imports, anywhere in a module of `package` (in folder `root`), of a package holding it.

    `from . import x` in sim/server.py, `from .. import x`, `from ..scenarios import x` in
    scenarios/demo.py, `import kubectl_rollback.sim`: each runs (or names) a package
    `__init__` that may import the module back. A package's own `__init__` may import its
    children (`from . import demo` in scenarios/__init__.py).
    """
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = [*package.split("."), *path.relative_to(root).with_suffix("").parts]
        is_init = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_init else parts)
        here = module if is_init else module.rpartition(".")[0]  # what `.` means in this file
        ancestors = set()
        name = module
        while "." in name:
            name = name.rpartition(".")[0]
            ancestors.add(name)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    targets = [".".join([*base, *([node.module] if node.module else [])])]
                else:
                    targets = [node.module or ""]
            for target in targets:
                if target in ancestors:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} imports {target}")
    return found


def test_no_module_of_sim_imports_a_package_it_is_in() -> None:
    sim = Path(kubectl_rollback.sim.__file__).parent
    assert len(list(sim.rglob("*.py"))) > 20
    assert _parent_package_imports(sim, "kubectl_rollback.sim") == []


def test_the_parent_package_finder_finds_them(tmp_path: Path) -> None:
    package = tmp_path / "kubectl_rollback" / "sim"
    (package / "scenarios").mkdir(parents=True)
    (package / "__init__.py").write_text("from . import server\n")
    (package / "server.py").write_text("def f():\n    from . import patch\n")
    (package / "patch.py").write_text("import kubectl_rollback.sim.store\n")
    (package / "scenarios" / "__init__.py").write_text("from . import demo\n")
    (package / "scenarios" / "demo.py").write_text(
        "from ..scenarios import bluegreen\nfrom .. import store\nfrom .bluegreen import x\n"
    )
    (package / "scenarios" / "bluegreen.py").write_text("from kubectl_rollback.sim import y\n")
    assert _parent_package_imports(package, "kubectl_rollback.sim") == [
        "sim/scenarios/bluegreen.py:1 imports kubectl_rollback.sim",
        "sim/scenarios/demo.py:1 imports kubectl_rollback.sim.scenarios",
        "sim/scenarios/demo.py:2 imports kubectl_rollback.sim",
        "sim/server.py:2 imports kubectl_rollback.sim",
    ]
