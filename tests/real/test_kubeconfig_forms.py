"""Every kubeconfig form kubectl accepts, against the real TLS API server, next to real kubectl.

For each file: `kubectl get deployment web` (the kubectl built with the control plane) and
`kubectl-rollback history deploy/web` (installed entry point, a subprocess) must both succeed,
or both fail, ours with one line (no traceback) that says the same thing as kubectl's.
"""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.clusters import RealTestCluster, deployment, settle_deployment

pytestmark = [pytest.mark.real, pytest.mark.xdist_group("real")]


@pytest.fixture(scope="module")
def forms(control_plane: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    work = tmp_path_factory.mktemp("kubeconfig-forms")
    cluster = RealTestCluster(control_plane, "kubeconfig-forms", work)
    cluster.apply(deployment("web", "nginx:1.25.3", replicas=1))
    settle_deployment(cluster, "web")
    yield Forms(control_plane, work)
    cluster.close()


class Forms:
    def __init__(self, cp: Any, work: Path) -> None:
        self.cp = cp
        self.work = work
        self.pki = cp.creds.folder
        self.count = 0

    def data(self, name: str) -> str:
        return base64.b64encode((self.pki / name).read_bytes()).decode()

    def write(
        self,
        cluster: dict[str, Any],
        user: dict[str, Any] | None,
        *,
        name: str = "u",
        server: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Path:
        self.count += 1
        doc: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": server or self.cp.server, **cluster}}],
            "users": [{"name": name, "user": user}] if user is not None else [],
            "contexts": [
                {
                    "name": "ctx",
                    "context": {"cluster": "c", "user": name, "namespace": "kubeconfig-forms"},
                }
            ],
            "current-context": "ctx",
            **(extra or {}),
        }
        path = self.work / f"kubeconfig-{self.count}.yaml"
        path.write_text(yaml.safe_dump(doc))
        path.chmod(0o600)
        return path

    def ca_file(self) -> dict[str, Any]:
        return {"certificate-authority": str(self.pki / "ca.crt")}

    def ca_data(self) -> dict[str, Any]:
        return {"certificate-authority-data": self.data("ca.crt")}

    def kubectl(self, kubeconfig: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        env["KUBECONFIG"] = kubeconfig
        env["KUBECACHEDIR"] = str(self.work / "kubectl-cache")
        return subprocess.run(
            [str(self.cp.binaries.kubectl), "get", "deployment", "web"],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )

    def ours(
        self, kubeconfig: str, timeout: float = 60, **env_extra: str
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        env.update(KUBECONFIG=kubeconfig, **env_extra)
        return subprocess.run(
            [sys.executable, "-m", "kubectl_rollback", "history", "deploy/web"],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )


def both(forms: Forms, kubeconfig: Path | str, **env: str) -> tuple[Any, Any]:
    return forms.kubectl(str(kubeconfig)), forms.ours(str(kubeconfig), **env)


def assert_both_succeed(forms: Forms, kubeconfig: Path | str) -> None:
    theirs, ours = both(forms, kubeconfig)
    assert theirs.returncode == 0, theirs.stderr
    assert "web" in theirs.stdout
    assert ours.returncode == 0, ours.stderr
    assert "nginx:1.25.3" in ours.stdout


def assert_both_fail(forms: Forms, kubeconfig: Path | str, *words: str, **env: str) -> str:
    theirs, ours = both(forms, kubeconfig, **env)
    assert theirs.returncode != 0, theirs.stdout
    assert ours.returncode == 1, (ours.returncode, ours.stdout, ours.stderr)
    line = ours.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in ours.stderr, ours.stderr
    assert line.startswith("error: "), line
    for word in words:
        assert word.lower() in theirs.stderr.lower(), (word, theirs.stderr)
        assert word.lower() in line.lower(), (word, line)
    return line


# ------------------------------------------------------------------ forms that work


def test_bearer_token(forms: Forms) -> None:
    assert_both_succeed(forms, forms.write(forms.ca_data(), {"token": forms.cp.creds.admin_token}))


def test_token_file_relative_to_the_kubeconfig(forms: Forms) -> None:
    (forms.work / "token").write_text(forms.cp.creds.admin_token + "\n")
    assert_both_succeed(forms, forms.write(forms.ca_file(), {"tokenFile": "token"}))


def test_client_certificate_and_key_as_files(forms: Forms) -> None:
    user = {
        "client-certificate": str(forms.pki / "admin.crt"),
        "client-key": str(forms.pki / "admin.key"),
    }
    assert_both_succeed(forms, forms.write(forms.ca_file(), user))


def test_client_certificate_and_key_inline_as_kind_writes_them(
    forms: Forms, tmp_path: Path
) -> None:
    user = {
        "client-certificate-data": forms.data("admin.crt"),
        "client-key-data": forms.data("admin.key"),
    }
    before = set(Path(tmp_path.anchor, "tmp").glob("kubectl-rollback-*.pem"))
    assert_both_succeed(forms, forms.write(forms.ca_data(), user))
    # The key went through a private temporary file that is gone again.
    assert set(Path(tmp_path.anchor, "tmp").glob("kubectl-rollback-*.pem")) == before


def test_the_control_planes_own_kubeconfig_admin_cert_context(forms: Forms) -> None:
    doc = yaml.safe_load(forms.cp.kubeconfig.read_text())
    doc["current-context"] = "admin-cert"
    for ctx in doc["contexts"]:
        ctx["context"]["namespace"] = "kubeconfig-forms"
    path = forms.work / "admin-cert.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert_both_succeed(forms, path)


def test_tls_server_name(forms: Forms) -> None:
    from tests.clusters import control_plane as launcher

    assert_both_succeed(
        forms,
        forms.write(
            {**forms.ca_data(), "tls-server-name": launcher.SERVER_NAME},
            {"token": forms.cp.creds.admin_token},
        ),
    )
    # A name the certificate does not carry: both refuse.
    assert_both_fail(
        forms,
        forms.write(
            {**forms.ca_data(), "tls-server-name": "elsewhere.example"},
            {"token": forms.cp.creds.admin_token},
        ),
        "certificate",
    )


def test_insecure_skip_tls_verify(forms: Forms) -> None:
    assert_both_succeed(
        forms,
        forms.write({"insecure-skip-tls-verify": True}, {"token": forms.cp.creds.admin_token}),
    )


def test_insecure_skip_tls_verify_as_the_string_false(forms: Forms) -> None:
    path = forms.write(
        {**forms.ca_data(), "insecure-skip-tls-verify": "false"},
        {"token": forms.cp.creds.admin_token},
    )
    line = assert_both_fail(forms, path)
    assert "insecure-skip-tls-verify" in line


def test_a_kubeconfig_list(forms: Forms) -> None:
    first = forms.write(forms.ca_data(), None)
    second = forms.work / "users.yaml"
    second.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "users": [{"name": "u", "user": {"token": forms.cp.creds.admin_token}}],
            }
        )
    )
    assert_both_succeed(
        forms, f"{first}{os.pathsep}{forms.work / 'missing.yaml'}{os.pathsep}{second}"
    )


# ------------------------------------------------------------------ exec credential plugins


def plugin(forms: Forms, name: str, body: str) -> str:
    path = forms.work / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def exec_user(command: str, **extra: Any) -> dict[str, Any]:
    return {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": command,
            "interactiveMode": "Never",
            **extra,
        }
    }


def test_exec_plugin_that_works(forms: Forms) -> None:
    token = forms.cp.creds.admin_token
    cmd = plugin(
        forms,
        "good-plugin",
        "import json, os\n"
        "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
        "assert info['kind'] == 'ExecCredential'\n"
        f"print(json.dumps({{'apiVersion': info['apiVersion'], 'kind': 'ExecCredential', "
        f"'status': {{'token': os.environ['PREFIX'] + {token[4:]!r}}}}}))\n",
    )
    user = exec_user(cmd, env=[{"name": "PREFIX", "value": token[:4]}])
    assert_both_succeed(forms, forms.write(forms.ca_data(), user))


def test_exec_plugin_that_fails(forms: Forms) -> None:
    cmd = plugin(
        forms,
        "bad-plugin",
        "import sys\nsys.stderr.write('no session: run login\\n')\nsys.exit(3)\n",
    )
    line = assert_both_fail(forms, forms.write(forms.ca_data(), exec_user(cmd)), "exit code 3")
    assert "getting credentials" in line and "no session: run login" in line


def test_exec_plugin_that_is_missing(forms: Forms) -> None:
    user = exec_user("/nonexistent/kubectl-login", installHint="install kubectl-login first")
    line = assert_both_fail(forms, forms.write(forms.ca_data(), user), "no such file or directory")
    assert "install kubectl-login first" in line


def test_exec_plugin_that_hangs_times_out(forms: Forms) -> None:
    cmd = plugin(forms, "hanging-plugin", "import time\ntime.sleep(600)\n")
    path = forms.write(forms.ca_data(), exec_user(cmd))
    # kubectl waits for the plugin forever; we stop after the limit with one line.
    with pytest.raises(subprocess.TimeoutExpired):
        forms.kubectl(str(path), timeout=3)
    ours = forms.ours(str(path), timeout=60, KUBECTL_ROLLBACK_EXEC_TIMEOUT="2")
    assert ours.returncode == 1
    line = ours.stderr.strip()
    assert len(line.splitlines()) == 1 and "did not answer within 2s" in line, ours.stderr


# ------------------------------------------------------------------ forms that fail


def test_a_context_whose_user_is_missing(forms: Forms) -> None:
    # kubectl goes on without credentials, prompts for a user name and fails on EOF; we say why.
    line = assert_both_fail(forms, forms.write(forms.ca_data(), None, name="nobody"))
    assert line == 'error: user "nobody" of context "ctx" is not defined in the kubeconfig'


def test_no_credentials_at_all(forms: Forms) -> None:
    # A context without a user: kubectl prompts for a user name (EOF here); the server
    # refuses us as the anonymous user, and we say so.
    path = forms.write(forms.ca_data(), None)
    doc = yaml.safe_load(path.read_text())
    del doc["contexts"][0]["context"]["user"]
    path.write_text(yaml.safe_dump(doc))
    line = assert_both_fail(forms, path)
    assert 'User "system:anonymous"' in line and "forbidden" in line


def test_a_wrong_token(forms: Forms) -> None:
    # kubectl words it "(Unauthorized)" or "(the server has asked for the client to provide
    # credentials)" depending on which of its requests was refused first.
    assert_both_fail(
        forms, forms.write(forms.ca_data(), {"token": "not-a-token"}), "must be logged in"
    )


def test_no_certificate_authority(forms: Forms) -> None:
    assert_both_fail(forms, forms.write({}, {"token": forms.cp.creds.admin_token}), "certificate")


def test_a_certificate_authority_file_that_is_missing(forms: Forms) -> None:
    path = forms.write(
        {"certificate-authority": str(forms.work / "nope.crt")},
        {"token": forms.cp.creds.admin_token},
    )
    assert_both_fail(forms, path, "nope.crt")


def test_a_client_key_that_does_not_match(forms: Forms) -> None:
    user = {
        "client-certificate-data": forms.data("admin.crt"),
        "client-key-data": forms.data("server.key"),
    }
    assert_both_fail(forms, forms.write(forms.ca_data(), user))


def test_the_viewer_reads_history(forms: Forms) -> None:
    path = forms.write(forms.ca_data(), {"token": forms.cp.creds.viewer_token})
    assert_both_succeed(forms, path)
