"""kubeconfig handling: the fast static path, the kubernetes-client path (exec plugins), lists."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
import yaml

from kubectl_rollback.core import errors
from kubectl_rollback.core.workloads import namespace_names
from kubectl_rollback.kube import kubeconfig
from kubectl_rollback.kube.gateway import KubeGateway
from kubectl_rollback.kube.transport import DirectTransport
from kubectl_rollback.sim import TOKEN, RunningCluster


def _write(path: Path, doc: dict) -> str:
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def _config(
    server: str,
    *,
    context: str = "c",
    user: dict | None = None,
    namespace: str | None = None,
    cluster_extra: dict | None = None,
) -> dict:
    ctx = {"cluster": "k", "user": "u", **({"namespace": namespace} if namespace else {})}
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": context,
        "clusters": [{"name": "k", "cluster": {"server": server, **(cluster_extra or {})}}],
        "users": [{"name": "u", "user": user if user is not None else {"token": TOKEN}}],
        "contexts": [{"name": context, "context": ctx}],
    }


def test_static_token_uses_the_direct_transport(sim: RunningCluster, tmp_path: Path) -> None:
    path = _write(tmp_path / "config", _config(sim.url, namespace="kube-system"))
    gw = KubeGateway.connect(path)
    assert isinstance(gw._transport, DirectTransport)
    assert gw.namespace == "kube-system" and gw.context == "c" and gw.user == "u"
    sim.cluster.required_token = TOKEN
    assert "default" in namespace_names(gw)


def test_token_file_relative_to_the_kubeconfig(sim: RunningCluster, tmp_path: Path) -> None:
    (tmp_path / "tok").write_text(TOKEN + "\n")
    path = _write(tmp_path / "config", _config(sim.url, user={"tokenFile": "tok"}))
    sim.cluster.required_token = TOKEN
    assert "default" in namespace_names(KubeGateway.connect(path))


def test_exec_credential_plugin_runs_without_the_kubernetes_client(
    sim: RunningCluster, tmp_path: Path
) -> None:
    plugin = tmp_path / "plugin.py"
    plugin.write_text(
        "import json\n"
        "print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1beta1',"
        " 'kind': 'ExecCredential',"
        f" 'status': {{'token': {TOKEN!r}}}}}))\n"
    )
    plugin.chmod(plugin.stat().st_mode | stat.S_IEXEC)
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": sys.executable,
            "args": [str(plugin)],
            "interactiveMode": "Never",
        }
    }
    path = _write(tmp_path / "config", _config(sim.url, user=user))
    access = kubeconfig.resolve(path, None)
    assert access is not None and access.token == TOKEN  # the plugin ran, as client-go runs it
    sim.cluster.required_token = TOKEN
    gw = KubeGateway.connect(path)
    assert isinstance(gw._transport, DirectTransport)
    assert "default" in namespace_names(gw)
    sim.cluster.required_token = "something-else"
    with pytest.raises(errors.Unauthorized):
        namespace_names(KubeGateway.connect(path))


def test_kubeconfig_list_first_definition_and_current_context_win(
    sim: RunningCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _config("http://127.0.0.1:1", context="other")  # current-context from here
    first["contexts"].append(
        {"name": "mine", "context": {"cluster": "k2", "user": "u", "namespace": "ns1"}}
    )
    first["clusters"].append({"name": "k2", "cluster": {"server": sim.url}})
    second = _config("http://127.0.0.1:2", context="mine")
    second["contexts"] = [
        {"name": "mine", "context": {"cluster": "k", "user": "u", "namespace": "ns2"}}
    ]
    a = _write(tmp_path / "a", first)
    b = _write(tmp_path / "b", second)
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([a, str(tmp_path / "missing"), b]))
    access = kubeconfig.resolve(None, "mine")
    assert access is not None and access.server == sim.url and access.namespace == "ns1"
    assert kubeconfig.resolve(None, None).context == "other"  # type: ignore[union-attr]
    names, current = KubeGateway.list_contexts()
    assert names == ["mine", "other"] and current == "other"


def test_agrees_with_the_kubernetes_client_loader(tmp_path: Path) -> None:
    from kubernetes.client import Configuration
    from kubernetes.config.kube_config import KubeConfigLoader, KubeConfigMerger

    (tmp_path / "ca.crt").write_text("not really a certificate")
    doc = _config(
        "https://10.0.0.1:6443/",
        cluster_extra={
            "certificate-authority": "ca.crt",
            "insecure-skip-tls-verify": True,
            "tls-server-name": "kubernetes",
        },
    )
    path = _write(tmp_path / "config", doc)
    access = kubeconfig.resolve(path, None)
    loader = KubeConfigLoader(config_dict=KubeConfigMerger(path).config, config_base_path=None)
    conf = type.__call__(Configuration)
    loader.load_and_set(conf)
    assert access is not None
    assert access.server == conf.host.rstrip("/")
    assert access.token == conf.api_key["BearerToken"].removeprefix("Bearer ")
    assert (
        access.ca_file == str(tmp_path / "ca.crt")
        and Path(conf.ssl_ca_cert).read_text() == "not really a certificate"
    )
    assert access.insecure is (not conf.verify_ssl)
    assert access.tls_server_name == conf.tls_server_name


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"apiVersion": "v1", "kind": "Config"}, "no current context"),
        (
            _config("http://x", context="c") | {"current-context": "ghost"},
            'current-context "ghost" is not defined',
        ),
        (
            {
                "current-context": "c",
                "contexts": [{"name": "c", "context": {"cluster": "nope", "user": "u"}}],
            },
            'cluster "nope"',
        ),
    ],
)
def test_broken_kubeconfigs_are_one_clear_error(tmp_path: Path, doc: dict, message: str) -> None:
    path = _write(tmp_path / "config", doc)
    with pytest.raises(errors.ConfigError) as err:
        KubeGateway.connect(path)
    assert message in str(err.value)


def test_importing_the_gateway_does_not_import_kubernetes() -> None:
    import subprocess

    code = (
        "import sys; import kubectl_rollback.kube.gateway; "
        "print(json.dumps([m for m in sys.modules if m.split('.')[0] == 'kubernetes']))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []
