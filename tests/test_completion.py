"""Shell completion: names from the (simulated) cluster, kubectl's plugin completion, Typer's
scripts."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.main import get_command

from kubectl_rollback.cli import completion
from kubectl_rollback.cli.app import app
from kubectl_rollback.sim import RunningCluster, run_cluster
from tests.packaging_support import kubectl_binaries

DEPLOYMENTS = {"default": ["api", "web"], "shop": ["cart"]}
# Subprocesses import this checkout as the tests do (PYTHONPATH passes through when set).
PASS_THROUGH = {k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ}


def _deployment(name: str) -> dict[str, object]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]},
            },
        },
    }


@pytest.fixture(scope="module")
def cluster() -> Iterator[RunningCluster]:
    from kubernetes import client, config

    with run_cluster("empty", time_scale=0) as running:
        api = config.new_client_from_config(config_file=running.kubeconfig)
        try:
            client.CoreV1Api(api).create_namespace({"metadata": {"name": "shop"}})
            for namespace, names in DEPLOYMENTS.items():
                for name in names:
                    client.AppsV1Api(api).create_namespaced_deployment(namespace, _deployment(name))
        finally:
            api.close()
        yield running


@pytest.mark.parametrize(
    ("incomplete", "namespace", "expected"),
    [
        ("", None, ["deploy/api", "deploy/web"]),
        ("deploy/", None, ["deploy/api", "deploy/web"]),
        ("deploy/w", None, ["deploy/web"]),
        ("deployment/", "shop", ["deployment/cart"]),
        ("deployments.apps/c", "shop", ["deployments.apps/cart"]),
        ("deploym", None, ["deployment/api", "deployment/web"]),
        ("deploy/x", None, []),
        ("sts/", None, []),
        ("web", None, []),
        ("", "nowhere", []),
    ],
)
def test_workloads_come_from_the_cluster(
    cluster: RunningCluster, incomplete: str, namespace: str | None, expected: list[str]
) -> None:
    assert (
        completion.complete_workloads(incomplete, namespace, None, cluster.kubeconfig) == expected
    )


def test_namespaces_come_from_the_cluster(cluster: RunningCluster) -> None:
    assert "shop" in completion.complete_namespaces("", None, cluster.kubeconfig)
    assert completion.complete_namespaces("sh", None, cluster.kubeconfig) == ["shop"]


def test_an_unknown_context_or_kubeconfig_completes_nothing(
    cluster: RunningCluster, tmp_path: Path
) -> None:
    assert completion.complete_workloads("", None, "no-such-context", cluster.kubeconfig) == []
    assert completion.complete_workloads("", None, None, str(tmp_path / "missing")) == []


def _kubeconfig_for(url: str, path: Path) -> str:
    from kubectl_rollback.sim import kubeconfig_text

    path.write_text(kubeconfig_text(url))
    return str(path)


def test_a_cluster_that_does_not_answer_is_abandoned_after_the_deadline(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        kubeconfig = _kubeconfig_for(
            f"http://127.0.0.1:{silent.getsockname()[1]}", tmp_path / "kubeconfig"
        )
        started = time.monotonic()
        assert completion.complete_workloads("", None, None, kubeconfig) == []
        # Abandoned, not hung: a silent server would otherwise block until the socket timeout.
        assert time.monotonic() - started < completion.DEADLINE_SECONDS + 10


def test_a_refused_connection_completes_nothing(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = _kubeconfig_for(f"http://127.0.0.1:{port}", tmp_path / "kubeconfig")
    assert completion.complete_workloads("", None, None, kubeconfig) == []


# --------------------------------------------------------- command lines, as app.py dispatches
def _values(args: list[str], incomplete: str) -> list[str]:
    return [item.value for item in completion.complete_args(get_command(app), args, incomplete)]


@pytest.mark.parametrize(
    ("args", "incomplete", "expected"),
    [
        (
            [],
            "",
            ["history", "releases", "apply", "guard", "record", "sim", "deploy/api", "deploy/web"],
        ),
        ([], "rel", ["releases"]),
        ([], "hi", ["history"]),
        ([], "deploy/a", ["deploy/api"]),
        (
            ["-n", "shop"],
            "",
            ["history", "releases", "apply", "guard", "record", "sim", "deploy/cart"],
        ),
        (["-n", "shop"], "hi", ["history"]),  # a subcommand after global flags, as dispatched
        (["-n", "shop", "history"], "", ["deploy/cart"]),
        (["--namespace=shop", "--demo", "history"], "deploy/c", ["deploy/cart"]),
        (["--namespace", "shop", "--dry-run=client"], "dep", ["deploy/cart"]),
        (["history"], "deploy/", ["deploy/api", "deploy/web"]),
        (["history", "-n", "shop"], "", ["deploy/cart"]),
        (["deploy"], "w", ["web"]),
        (["deploy/web"], "", []),
        (["-n"], "sh", ["shop"]),
    ],
)
def test_command_lines_complete_as_the_cli_dispatches(
    cluster: RunningCluster,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    incomplete: str,
    expected: list[str],
) -> None:
    monkeypatch.setenv("KUBECONFIG", cluster.kubeconfig)
    assert _values(args, incomplete) == expected


DEMO_CASES = [
    (["-n", "shop"], "sts/", ["sts/db"]),
    (["-n", "shop"], "statefulsets.apps/", ["statefulsets.apps/db"]),
    (["-n", "shop"], "ds/", ["ds/node-agent"]),
    (["-n", "shop"], "daemonset/n", ["daemonset/node-agent"]),
    (["-n", "shop"], "svc/", ["svc/storefront", "svc/storefront-stage"]),  # blue/green only
    (["-n", "shop"], "s", ["sim", "sts/db", "svc/storefront", "svc/storefront-stage"]),
    (["-n", "shop", "sts"], "d", ["db"]),
    (["-n", "shop", "history"], "ds/", ["ds/node-agent"]),
    (["-n", "shop"], "pod/", []),
]
"""Every type completes from the cluster: the demo scenario has them all."""


# ----------------------------------------------- every type, --to and --context (demo, releases)
@pytest.fixture(scope="module")
def demo() -> Iterator[RunningCluster]:
    with run_cluster("demo", time_scale=0) as running:
        yield running


@pytest.fixture(scope="module")
def releases() -> Iterator[RunningCluster]:
    with run_cluster("releases", time_scale=0) as running:
        yield running


def _items(args: list[str], incomplete: str) -> list[tuple[str, str | None]]:
    items = completion.complete_args(get_command(app), args, incomplete)
    return [(item.value, item.help) for item in items]


def test_everything_a_bare_word_can_be(
    demo: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", demo.kubeconfig)
    values = _values(["-n", "shop"], "")
    assert {"deploy/web", "sts/db", "ds/node-agent", "svc/storefront"} <= set(values)
    assert "svc/kubernetes" not in values  # not a blue/green Service


def test_release_names_complete(releases: RunningCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", releases.kubeconfig)
    assert _values(["-n", "shop"], "release/") == ["release/payments", "release/release-8f3c2a"]
    assert _values(["-n", "shop", "history"], "release/p") == ["release/payments"]
    assert "release/payments" in _values(["-n", "shop"], "r")


def test_to_completes_revisions_and_images_of_the_workload(
    demo: RunningCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", demo.kubeconfig)
    checkout = "registry.example.com/shop/checkout"
    assert _items(["-n", "shop", "deploy/checkout", "--to"], "") == [
        ("3", f"revision 3: {checkout}:crash-1.9.1 (current)"),
        ("2", f"revision 2: {checkout}:broken-1.9.0"),
        ("1", f"revision 1: {checkout}:1.8.1"),
        (f"{checkout}:crash-1.9.1", "image of revision 3"),
        (f"{checkout}:broken-1.9.0", "image of revision 2"),
        (f"{checkout}:1.8.1", "image of revision 1"),
    ]
    assert _values(["-n", "shop", "sts", "db", "--to"], "postgres:15") == [
        "postgres:15.5",
        "postgres:15.4",
    ]
    assert _values(["-n", "shop", "--to"], "") == []  # no workload on the line yet
    assert _items(["-n", "shop", "svc/storefront", "--to"], "") == [
        ("blue", "side blue"),
        ("green", "live side"),
    ]


def test_context_names_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "prod",
        "contexts": [
            {"name": n, "context": {"cluster": "c", "user": "u"}}
            for n in ("prod", "prod-eu", "staging")
        ],
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
    }
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("KUBECONFIG", str(path))
    assert _values(["--context"], "") == ["prod", "prod-eu", "staging"]
    assert _values(["history", "--context"], "prod") == ["prod", "prod-eu"]
    other = tmp_path / "other"
    other.write_text(yaml.safe_dump({**config, "contexts": config["contexts"][2:]}))
    assert _values(["--kubeconfig", str(other), "--context"], "") == ["staging"]


def test_options_complete_without_a_cluster(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    assert {"--namespace", "--dry-run", "--to-revision", "--yes"} <= set(_values([], "--"))
    assert "--revision" in _values(["history"], "--")


# ------------------------------------------------------------ kubectl's plugin completion
def _completer_on_path(directory: Path) -> Path:
    """`kubectl-rollback` and `kubectl_complete-rollback` running this checkout, as the console
    scripts do (kubectl completes a plugin only when it finds the plugin itself too)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, module, function in (
        ("kubectl-rollback", "kubectl_rollback.__main__", "main"),
        ("kubectl_complete-rollback", "kubectl_rollback.cli.app", "complete_main"),
    ):
        script = directory / name
        script.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" -c '
            f'"import sys; from {module} import {function}; sys.exit({function}())" "$@"\n'
        )
        script.chmod(0o755)
    return directory


def _kubectl_completer(
    kubectl: Path | None, kubeconfig: str, tmp_path: Path
) -> Callable[..., list[str]]:
    """`kubectl __complete rollback WORDS...` (what kubectl's shell scripts run) as lines."""
    if kubectl is None:
        pytest.skip("kubectl 1.27/1.33 is not installed")
    env = {
        "PATH": f"{_completer_on_path(tmp_path / 'bin')}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "KUBECONFIG": kubeconfig,
        "KUBECACHEDIR": str(tmp_path / "cache"),
    } | PASS_THROUGH

    def complete(*words: str) -> list[str]:
        out = subprocess.run(
            [kubectl, "__complete", "rollback", *words],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            cwd=tmp_path,
        ).stdout
        return out.splitlines()

    return complete


KUBECTLS = pytest.mark.parametrize(
    "kubectl",
    [k for k in kubectl_binaries() if k.name in ("kubectl.1.27", "kubectl.1.33")] or [None],
    ids=lambda k: k.name if k else "none",
)


@pytest.mark.kubectl
@KUBECTLS
def test_kubectl_completes_every_type_through_kubectl_complete_rollback(
    demo: RunningCluster, releases: RunningCluster, kubectl: Path | None, tmp_path: Path
) -> None:
    complete = _kubectl_completer(kubectl, demo.kubeconfig, tmp_path)
    assert complete("-n", "shop", "sts/") == ["sts/db", ":4"]
    assert complete("-n", "shop", "history", "ds/") == ["ds/node-agent", ":4"]
    assert complete("-n", "shop", "svc/") == ["svc/storefront", "svc/storefront-stage", ":4"]
    assert complete("-n", "shop", "svc/storefront", "--to", "") == [
        "blue\tside blue",
        "green\tlive side",
        ":4",
    ]
    assert (
        complete("-n", "shop", "sts", "db", "--to", "3")[0]
        == "3\trevision 3: postgres:16.1 (current)"
    )
    complete = _kubectl_completer(kubectl, releases.kubeconfig, tmp_path / "releases")
    assert complete("-n", "shop", "release/") == [
        "release/payments",
        "release/release-8f3c2a",
        ":4",
    ]


@pytest.mark.kubectl
@KUBECTLS
def test_kubectl_completes_the_plugin_through_kubectl_complete_rollback(
    cluster: RunningCluster, kubectl: Path | None, tmp_path: Path
) -> None:
    complete = _kubectl_completer(kubectl, cluster.kubeconfig, tmp_path)
    assert complete("-n", "shop", "history", "") == ["deploy/cart", ":4"]
    assert complete("deploy/web", "--to", "") == [
        "1\trevision 1: nginx:1.25 (current)",
        "nginx:1.25\timage of revision 1",
        ":4",
    ]
    assert complete("--context", "") == [_current_context(cluster.kubeconfig), ":4"]
    assert complete("-n", "shop", "hi")[0].startswith("history\t")
    assert complete("history", "deploy/w") == ["deploy/web", ":4"]
    assert complete("--kubeconfig", "") == [":0"]  # the shell completes file names
    assert complete("hi")[0].startswith("history\t")


# ------------------------------------------------------------- Typer's scripts (kubectl-rollback)
def _show_completion(shell: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != completion.COMPLETE_VAR}
    env["_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"] = "1"  # take the shell from the argument
    return subprocess.run(
        [sys.executable, "-m", "kubectl_rollback", "--show-completion", shell],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_a_script_for_the_kubectl_rollback_command(shell: str) -> None:
    script = _show_completion(shell)
    assert completion.COMPLETE_VAR in script
    assert "kubectl-rollback" in script
    assert (
        "_KUBECTL ROLLBACK" not in script and "kubectl rollback" not in script
    )  # never kubectl's own
    checker = shutil.which(shell)
    if checker:
        subprocess.run(
            [checker, "-n", "-c", script]
            if shell != "fish"
            else [checker, "--no-execute", "-c", script],
            check=True,
            timeout=30,
        )


def test_the_bash_script_completes_workloads_from_the_cluster(
    cluster: RunningCluster, tmp_path: Path
) -> None:
    console_script = Path(sys.executable).parent / "kubectl-rollback"
    if not console_script.exists():
        pytest.skip("the kubectl-rollback console script is not installed beside this interpreter")
    env = {
        "PATH": f"{console_script.parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "KUBECONFIG": cluster.kubeconfig,
    } | PASS_THROUGH

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        code = (
            "source <(kubectl-rollback --show-completion bash); COMP_WORDS=(kubectl-rollback "
            f"{line}); "
            f"COMP_CWORD={len(words)}; _kubectl_rollback_completion kubectl-rollback; "
            'printf "%s\\n" "${COMPREPLY[@]}"'
        )
        env_run = env | {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
        out = subprocess.run(
            ["bash", "-c", code], env=env_run, capture_output=True, text=True, timeout=30
        ).stdout
        return [w for w in out.splitlines() if w]

    assert complete("-n", "shop", "history", "") == ["deploy/cart"]
    assert complete("-n", "shop", "hi") == ["history"]
    assert complete("history", "deploy/a") == ["deploy/api"]
    assert complete("si") == ["sim"]
    assert complete("deploy/web", "--to", "") == ["1", "nginx:1.25"]
    assert complete("--context", "") == [_current_context(cluster.kubeconfig)]


def _current_context(kubeconfig: str) -> str:
    import yaml

    return str(yaml.safe_load(Path(kubeconfig).read_text())["current-context"])
