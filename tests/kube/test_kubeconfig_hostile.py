"""Malformed and hostile kubeconfigs: one clear line, exit 1, no traceback, nothing leaked.

(The TLS forms, next to real kubectl, are in tests/real/test_kubeconfig_forms.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_rollback.kube import kubeconfig
from kubectl_rollback.kube.transport import DirectTransport


def config(
    server: str = "https://127.0.0.1:6443",
    *,
    cluster: dict[str, Any] | None = None,
    user: dict[str, Any] | None = None,
    context: Any = None,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server, **(cluster or {})}}],
        "users": [{"name": "u", "user": user if user is not None else {"token": "t0ken"}}],
        "contexts": [
            {
                "name": "x",
                "context": context if context is not None else {"cluster": "c", "user": "u"},
            }
        ],
        "current-context": "x",
    }


CASES: list[tuple[str, Any, str]] = [
    ("not UTF-8", b"apiVersion: v1\nclusters: \xff\xfe\n", "not UTF-8 text"),
    # the first two are declined by kube/kubeconfig_yaml.py (PyYAML says what is wrong), the
    # last is read by it: each ends in kubeconfig.py's one line
    ("not YAML", b"apiVersion: v1\nclusters: [\n", "not YAML: while parsing a flow node"),
    ("a scalar", b"just text\n", "not a kubeconfig (a YAML mapping)"),
    ("a list", b"- name: c\n- name: d\n", "not a kubeconfig (a YAML mapping)"),
    (
        "a context that is a list",
        config(context=["c", "u"]),
        'context "x" must be a mapping, not list',
    ),
    ("clusters that are a mapping", {**config(), "clusters": {"c": {}}}, "clusters must be a list"),
    (
        "an entry without a name",
        {**config(), "users": [{"user": {}}]},
        "every entry of users needs a name",
    ),
    ("a bad port", config("https://127.0.0.1:99999"), "the server URL has an invalid port"),
    (
        "a port that is not a number",
        config("https://127.0.0.1:http"),
        "the server URL has an invalid port",
    ),
    ("another scheme", config("ftp://127.0.0.1:6443"), 'unsupported scheme "ftp"'),
    ("no host", config("https://:6443"), "the server URL has no host"),
    (
        "a CA file that is missing",
        config(cluster={"certificate-authority": "/nonexistent/ca.crt"}),
        "unable to load root certificates from /nonexistent/ca.crt",
    ),
    (
        "a CA that is not PEM",
        config(cluster={"certificate-authority-data": "bm90IGEgY2VydGlmaWNhdGU="}),
        "unable to load root certificates from certificate-authority-data",
    ),
    (
        "data that is not base64",
        config(cluster={"certificate-authority-data": "!!!"}),
        "is not base64",
    ),
    (
        "insecure as a string",
        config(cluster={"insecure-skip-tls-verify": "true"}),
        "insecure-skip-tls-verify must be true or false",
    ),
    ("a user that is missing", {**config(), "users": []}, 'user "u" of context "x" is not defined'),
]


@pytest.mark.parametrize(("what", "doc", "says"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_kubeconfig_is_one_clear_line(what: str, doc: Any, says: str, tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(doc if isinstance(doc, bytes) else yaml.safe_dump(doc).encode())
    env = {**os.environ, "KUBECONFIG": str(path)}
    out = subprocess.run(
        [sys.executable, "-m", "kubectl_rollback", "history", "deploy/web"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 1, (out.returncode, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert lines[0].startswith("error: ") and says in lines[0], lines[0]


def test_credentials_in_the_server_url_are_used_never_printed(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(config("https://alice:hunter2@127.0.0.1:1", user={})))
    access = kubeconfig.resolve(str(path), None)
    assert access is not None
    assert access.server == "https://127.0.0.1:1"
    assert (access.username, access.password) == (
        "alice",
        "hunter2",
    )  # basic auth, as Go's client does
    env = {**os.environ, "KUBECONFIG": str(path)}
    out = subprocess.run(
        [sys.executable, "-m", "kubectl_rollback", "history", "deploy/web"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert (
        out.returncode == 1 and "Unable to connect to the server: https://127.0.0.1:1" in out.stderr
    )
    assert "hunter2" not in out.stderr + out.stdout and "alice" not in out.stderr


@pytest.mark.parametrize(
    ("server", "sent"),
    [
        ("http://10.1.2.3:8080", False),
        ("http://api.example.com", False),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080", True),
        ("http://[::1]:8080", True),
        ("https://10.1.2.3:6443", True),
    ],
)
def test_no_credentials_over_plain_http_to_another_machine(
    server: str, sent: bool, tmp_path: Path
) -> None:
    for user in ({"token": "t0ken"}, {"username": "alice", "password": "hunter2"}):
        path = tmp_path / "config"
        path.write_text(
            yaml.safe_dump(
                config(
                    server,
                    user=user,
                    cluster={"insecure-skip-tls-verify": True}
                    if server.startswith("https")
                    else {},
                )
            )
        )
        access = kubeconfig.resolve(str(path), None)
        assert access is not None
        transport = DirectTransport(access, "test")
        assert ("Authorization" in transport._headers) is sent
        assert transport.withheld is (not sent)


def test_inline_key_material_never_touches_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(os, "memfd_create"):
        pytest.skip("no memfd_create on this system (temporary files are used and removed)")
    pki = tmp_path / "pki"
    pki.mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(pki / "k.pem"),
            "-out",
            str(pki / "c.pem"),
            "-days",
            "1",
            "-subj",
            "/CN=test",
        ],
        check=True,
        capture_output=True,
    )
    import base64

    user = {
        "client-certificate-data": base64.b64encode((pki / "c.pem").read_bytes()).decode(),
        "client-key-data": base64.b64encode((pki / "k.pem").read_bytes()).decode(),
    }
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(config(user=user, cluster={"insecure-skip-tls-verify": True})))

    def no_disk(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("key material was written to a temporary file")

    monkeypatch.setattr(tempfile, "mkstemp", no_disk)
    access = kubeconfig.resolve(str(path), None)
    assert access is not None
    fds_before = set(os.listdir("/proc/self/fd"))
    DirectTransport(access, "test").close()
    # The in-memory files are closed again once the TLS context holds the key.
    assert set(os.listdir("/proc/self/fd")) <= fds_before
