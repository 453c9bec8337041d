"""A real Kubernetes control plane, built here from Go modules and run on 127.0.0.1.

`build` compiles kube-apiserver, kube-controller-manager, kube-scheduler and kubectl
(module k8s.io/kubernetes, through a module of ours that replaces every staging module by
its published twin), etcd (go.etcd.io/etcd/server/v3) and kwok (sigs.k8s.io/kwok) into a
cache folder outside the repository, with a stamp, so a second run does nothing.

`up` starts etcd, kube-apiserver (TLS with its own CA, RBAC, service-account keys),
kube-controller-manager, kube-scheduler and kwok with fake nodes, all on loopback and free
ports, writes a kubeconfig (contexts admin, admin-cert, viewer) once /readyz answers, and
stops everything it started on SIGINT/SIGTERM.

Standard library only (and the openssl command line for certificates), so the test suite
can import it as its launcher.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The newest Kubernetes that builds here with Go 1.26, and an older minor.
VERSIONS = ("v1.37.2", "v1.34.4")
DEFAULT_VERSION = VERSIONS[0]
ETCD_VERSION = "v3.6.16"
KWOK_VERSION = "v0.8.0"
KUBE_COMMANDS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
NODE_COUNT = 3
HERE = Path(__file__).resolve().parent
STAGES_FILE = HERE / "control_plane_stages.yaml"

# Bump when the way binaries are built changes: stamps with another recipe are rebuilt.
RECIPE = "1"


def cache_root() -> Path:
    explicit = os.environ.get("KUBECTL_ROLLBACK_CONTROL_PLANE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kubectl-rollback" / "control-plane"


def say(message: str) -> None:
    print(f"control-plane: {message}", file=sys.stderr, flush=True)


class ControlPlaneError(Exception):
    """One line for the user; the command exits 1."""


# --------------------------------------------------------------------------- build


@dataclass(frozen=True)
class Binaries:
    version: str
    folder: Path
    etcd: Path
    kwok: Path

    def kube(self, name: str) -> Path:
        return self.folder / "bin" / name

    @property
    def kubectl(self) -> Path:
        return self.kube("kubectl")


def binaries(version: str = DEFAULT_VERSION) -> Binaries:
    root = cache_root()
    return Binaries(
        version=version,
        folder=root / version,
        etcd=root / f"etcd-{ETCD_VERSION}" / "bin" / "etcd",
        kwok=root / f"kwok-{KWOK_VERSION}" / "bin" / "kwok",
    )


def _stamp_ok(folder: Path, wanted: dict[str, str], files: Sequence[Path]) -> bool:
    try:
        stamp = json.loads((folder / "stamp.json").read_text())
    except (OSError, ValueError):
        return False
    return stamp == wanted and all(f.is_file() and os.access(f, os.X_OK) for f in files)


def is_built(version: str = DEFAULT_VERSION) -> bool:
    b = binaries(version)
    return (
        _stamp_ok(b.folder, _kube_stamp(version), [b.kube(n) for n in KUBE_COMMANDS])
        and _stamp_ok(b.etcd.parent.parent, _tool_stamp("etcd", ETCD_VERSION), [b.etcd])
        and _stamp_ok(b.kwok.parent.parent, _tool_stamp("kwok", KWOK_VERSION), [b.kwok])
    )


def _kube_stamp(version: str) -> dict[str, str]:
    return {"kubernetes": version, "recipe": RECIPE}


def _tool_stamp(name: str, version: str) -> dict[str, str]:
    return {name: version, "recipe": RECIPE}


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CGO_ENABLED", "0")
    env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -buildvcs=false").strip()
    return env


def _run_go(args: Sequence[str], cwd: Path, what: str) -> None:
    """Run a go command, printing a progress line every 50 packages it compiles."""
    started = time.monotonic()
    proc = subprocess.Popen(
        ["go", *args],
        cwd=cwd,
        env=_go_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    tail: list[str] = []
    for count, line in enumerate(proc.stdout, start=1):
        tail = [*tail, line.rstrip()][-30:]
        if count % 100 == 0:
            say(f"{what}: {count} packages, {time.monotonic() - started:.0f}s")
    if proc.wait() != 0:
        raise ControlPlaneError(
            f"{what} failed: go {' '.join(args)} (in {cwd}):\n" + "\n".join(tail)
        )
    say(f"{what}: done in {time.monotonic() - started:.0f}s")


def _module_gomod(module: str, version: str) -> str:
    """The path of a module's go.mod in the module cache (downloads it)."""
    out = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True,
        text=True,
        env=_go_env(),
        cwd=tempfile.gettempdir(),
    )
    try:
        info = json.loads(out.stdout)
    except ValueError:
        info = {}
    if out.returncode != 0 or "GoMod" not in info:
        raise ControlPlaneError(
            f"go mod download {module}@{version} failed: {info.get('Error') or out.stderr.strip()}"
        )
    return str(info["GoMod"])


def staging_modules(version: str) -> list[str]:
    """Every k8s.io module k8s.io/kubernetes maps to ./staging (its go.mod's replace lines)."""
    names = []
    for line in Path(_module_gomod("k8s.io/kubernetes", version)).read_text().splitlines():
        parts = line.split()
        if "=>" in parts and parts[parts.index("=>") + 1].startswith("./staging/"):
            names.append(parts[0])
    if not names:
        raise ControlPlaneError(f"k8s.io/kubernetes@{version} lists no staging modules")
    return names


def _write_module(folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    go_line = subprocess.run(
        ["go", "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    major_minor = ".".join(go_line.removeprefix("go").split(".")[:2])
    (folder / "go.mod").write_text(f"module {name}\n\ngo {major_minor}.0\n")


def _version_ldflags(version: str) -> str:
    major, minor = version.removeprefix("v").split(".")[:2]
    flags = ["-s", "-w"]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {pkg}.gitVersion={version}",
            f"-X {pkg}.gitMajor={major}",
            f"-X {pkg}.gitMinor={minor}",
            f"-X {pkg}.gitTreeState=clean",
            f"-X {pkg}.buildDate=1970-01-01T00:00:00Z",
        ]
    return " ".join(flags)


def build_kubernetes(version: str) -> None:
    b = binaries(version)
    if _stamp_ok(b.folder, _kube_stamp(version), [b.kube(n) for n in KUBE_COMMANDS]):
        say(f"Kubernetes {version}: already built in {b.folder}")
        return
    minor_twin = "v0." + version.removeprefix("v1.")
    src = cache_root() / "src" / f"kubernetes-{version}"
    say(f"Kubernetes {version}: module in {src} (staging modules at {minor_twin})")
    _write_module(src, "kubectl-rollback.local/control-plane")
    edits = [f"-require=k8s.io/kubernetes@{version}"]
    edits += [f"-replace={m}={m}@{minor_twin}" for m in staging_modules(version)]
    edits += [f"-tool=k8s.io/kubernetes/cmd/{c}" for c in KUBE_COMMANDS]
    subprocess.run(["go", "mod", "edit", *edits], cwd=src, check=True, env=_go_env())
    _run_go(["mod", "tidy"], src, f"Kubernetes {version}: go mod tidy")
    (b.folder / "bin").mkdir(parents=True, exist_ok=True)
    _run_go(
        [
            "build",
            "-v",
            "-trimpath",
            "-tags",
            "selinux,notest",
            "-ldflags",
            _version_ldflags(version),
            "-o",
            str(b.folder / "bin") + "/",
            *[f"k8s.io/kubernetes/cmd/{c}" for c in KUBE_COMMANDS],
        ],
        src,
        f"Kubernetes {version}: go build {' '.join(KUBE_COMMANDS)}",
    )
    (b.folder / "stamp.json").write_text(json.dumps(_kube_stamp(version)))


def _build_tool(name: str, module: str, package: str, version: str, target: Path) -> None:
    folder = target.parent.parent
    if _stamp_ok(folder, _tool_stamp(name, version), [target]):
        say(f"{name} {version}: already built in {folder}")
        return
    src = cache_root() / "src" / f"{name}-{version}"
    say(f"{name} {version}: module in {src}")
    _write_module(src, f"kubectl-rollback.local/{name}")
    subprocess.run(
        ["go", "mod", "edit", f"-require={module}@{version}", f"-tool={package}"],
        cwd=src,
        check=True,
        env=_go_env(),
    )
    _run_go(["mod", "tidy"], src, f"{name} {version}: go mod tidy")
    target.parent.mkdir(parents=True, exist_ok=True)
    _run_go(
        ["build", "-v", "-trimpath", "-ldflags", "-s -w", "-o", str(target), package],
        src,
        f"{name} {version}: go build",
    )
    (folder / "stamp.json").write_text(json.dumps(_tool_stamp(name, version)))


def build(version: str = DEFAULT_VERSION) -> Binaries:
    if shutil.which("go") is None:
        raise ControlPlaneError("go is not on PATH: the control plane is built from Go modules")
    started = time.monotonic()
    b = binaries(version)
    _build_tool(
        "etcd", "go.etcd.io/etcd/server/v3", "go.etcd.io/etcd/server/v3", ETCD_VERSION, b.etcd
    )
    _build_tool("kwok", "sigs.k8s.io/kwok", "sigs.k8s.io/kwok/cmd/kwok", KWOK_VERSION, b.kwok)
    build_kubernetes(version)
    say(f"built {version} in {time.monotonic() - started:.0f}s: {b.folder}")
    return b


# --------------------------------------------------------------------------- run


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _openssl(*args: str, cwd: Path) -> None:
    out = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        raise ControlPlaneError(f"openssl {args[0]} failed: {out.stderr.strip()}")


# The serving certificate also answers to this name, for `tls-server-name` tests.
SERVER_NAME = "control-plane.kubectl-rollback.test"


@dataclass(frozen=True)
class Credentials:
    folder: Path
    admin_token: str
    viewer_token: str

    def path(self, name: str) -> Path:
        return self.folder / name

    def data(self, name: str) -> str:
        return base64.b64encode(self.path(name).read_bytes()).decode()


def make_credentials(folder: Path) -> Credentials:
    """A CA, a serving certificate for 127.0.0.1, an admin client certificate, SA keys, tokens."""
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("openssl") is None:
        raise ControlPlaneError("openssl is not on PATH: it makes the control plane's certificates")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "30",
        "-subj",
        "/CN=kubectl-rollback-test-ca",
        cwd=folder,
    )
    _openssl(
        "req",
        "-x509",
        *ec,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-keyout",
        "server.key",
        "-out",
        "server.crt",
        "-days",
        "30",
        "-subj",
        "/CN=kube-apiserver",
        "-addext",
        f"subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,"
        f"DNS:kubernetes.default.svc,DNS:{SERVER_NAME}",
        "-addext",
        "extendedKeyUsage=serverAuth",
        cwd=folder,
    )
    _openssl(
        "req",
        "-x509",
        *ec,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-keyout",
        "admin.key",
        "-out",
        "admin.crt",
        "-days",
        "30",
        "-subj",
        "/O=system:masters/CN=kubernetes-admin",
        "-addext",
        "extendedKeyUsage=clientAuth",
        cwd=folder,
    )
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sa.key", cwd=folder)
    _openssl("ec", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=folder)
    admin, viewer = (base64.b32encode(os.urandom(20)).decode().lower() for _ in range(2))
    (folder / "tokens.csv").write_text(
        f'{admin},admin,uid-admin,"system:masters"\n{viewer},viewer,uid-viewer,"kubectl-rollback:viewers"\n'
    )
    for name in ("ca.key", "server.key", "admin.key", "sa.key", "tokens.csv"):
        (folder / name).chmod(0o600)
    return Credentials(folder, admin, viewer)


def kubeconfig_text(server: str, creds: Credentials) -> str:
    """Three contexts: admin (token, current), admin-cert (inline data, as kind has it), viewer."""
    ca = creds.data("ca.crt")
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "kubectl-rollback-real",
                "cluster": {"server": server, "certificate-authority-data": ca},
            }
        ],
        "users": [
            {"name": "admin", "user": {"token": creds.admin_token}},
            {
                "name": "admin-cert",
                "user": {
                    "client-certificate-data": creds.data("admin.crt"),
                    "client-key-data": creds.data("admin.key"),
                },
            },
            {"name": "viewer", "user": {"token": creds.viewer_token}},
        ],
        "contexts": [
            {
                "name": n,
                "context": {"cluster": "kubectl-rollback-real", "user": n, "namespace": "default"},
            }
            for n in ("admin", "admin-cert", "viewer")
        ],
        "current-context": "admin",
        "preferences": {},
    }
    return json.dumps(doc, indent=2) + "\n"  # JSON is YAML: kubectl reads it as a kubeconfig


VIEWER_RBAC = """\
{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
  "metadata": {"name": "kubectl-rollback:viewer"},
  "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]},
            {"nonResourceURLs": ["*"], "verbs": ["get"]}]},
 {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
  "metadata": {"name": "kubectl-rollback:viewer"},
  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
              "name": "kubectl-rollback:viewer"},
  "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                "name": "kubectl-rollback:viewers"}]}
]}
"""


def _node(name: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "type": "kwok",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
            },
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {},
    }


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


@dataclass
class ControlPlane:
    """A running control plane: its kubeconfig, credentials and processes (see `start`)."""

    version: str
    workdir: Path
    server: str
    kubeconfig: Path
    creds: Credentials
    binaries: Binaries
    processes: list[Process] = field(default_factory=list)
    startup_seconds: float = 0.0

    @property
    def admin_kubeconfig(self) -> Path:
        return self.workdir / "admin.kubeconfig"

    def kubectl(
        self,
        *args: str,
        input: str | None = None,
        context: str = "admin",
        check: bool = True,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        out = subprocess.run(
            [
                str(self.binaries.kubectl),
                "--kubeconfig",
                str(self.kubeconfig),
                "--context",
                context,
                *args,
            ],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "KUBECACHEDIR": str(self.workdir / "kubectl-cache")},
        )
        if check and out.returncode != 0:
            raise ControlPlaneError(f"kubectl {' '.join(args)}: {out.stderr.strip()}")
        return out

    def dead(self) -> list[str]:
        return [
            f"{p.name} exited with code {p.popen.returncode} (log {p.log})"
            for p in self.processes
            if p.popen.poll() is not None
        ]

    def stop(self) -> None:
        """Stop every process, newest first, each before the next (the API server needs etcd to stop
        cleanly)."""
        for p in reversed(self.processes):
            if p.popen.poll() is None:
                p.popen.terminate()
                try:
                    p.popen.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.popen.kill()
                    p.popen.wait(timeout=5)
        self.processes.clear()


def _spawn(cp: ControlPlane, name: str, argv: Sequence[str]) -> Process:
    log = cp.workdir / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as handle:
        # Each in its own process group: a Ctrl-C in the terminal reaches us, and we stop them.
        popen = subprocess.Popen(
            list(argv),
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    process = Process(name, popen, log)
    cp.processes.append(process)
    return process


def _log_tail(process: Process, lines: int = 15) -> str:
    try:
        return "\n".join(process.log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait(cp: ControlPlane, what: str, probe: object, timeout: float) -> None:
    """Poll `probe()` (truthy when ready) every 0.2 s, failing early if a component died."""
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        dead = cp.dead()
        if dead:
            tails = "\n".join(
                f"--- {p.name}\n{_log_tail(p)}" for p in cp.processes if p.popen.poll() is not None
            )
            raise ControlPlaneError(f"{what}: {'; '.join(dead)}\n{tails}")
        try:
            if probe():  # type: ignore[operator]
                return
        except Exception as exc:  # noqa: BLE001 - any failure of a probe means not ready yet
            last_error = str(exc)
        time.sleep(0.2)
    raise ControlPlaneError(f"{what}: not ready after {timeout:.0f}s ({last_error or 'no answer'})")


def _https_ok(url: str, ca: Path, token: str) -> bool:
    ctx = ssl.create_default_context(cafile=str(ca))
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, context=ctx, timeout=5) as resp:
        return resp.status == 200 and resp.read().strip() == b"ok"


def _http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.status == 200


def start(
    version: str = DEFAULT_VERSION, workdir: Path | None = None, nodes: int = NODE_COUNT
) -> ControlPlane:
    """Start every component on loopback; returns once nodes are Ready and RBAC is in place.

    Stops what it started if anything fails. Call `stop()` (or use `running()`) when done.
    """
    b = binaries(version)
    if not is_built(version):
        raise ControlPlaneError(
            f"the control plane {version} is not built: run scripts/control-plane build --version "
            f"{version}"
        )
    started = time.monotonic()
    work = Path(workdir or tempfile.mkdtemp(prefix="kubectl-rollback-cp-"))
    creds = make_credentials(work / "pki")
    api_port = free_port()
    server = f"https://127.0.0.1:{api_port}"
    cp = ControlPlane(version, work, server, work / "kubeconfig", creds, b)
    try:
        _launch(cp, api_port, nodes)
    except BaseException:
        cp.stop()
        raise
    cp.startup_seconds = time.monotonic() - started
    return cp


def _launch(cp: ControlPlane, api_port: int, nodes: int) -> None:
    work, creds, b = cp.workdir, cp.creds, cp.binaries
    etcd_client, etcd_peer = free_port(), free_port()
    _spawn(
        cp,
        "etcd",
        [
            str(b.etcd),
            "--name",
            "kcr",
            "--data-dir",
            str(work / "etcd"),
            "--listen-client-urls",
            f"http://127.0.0.1:{etcd_client}",
            "--advertise-client-urls",
            f"http://127.0.0.1:{etcd_client}",
            "--listen-peer-urls",
            f"http://127.0.0.1:{etcd_peer}",
            "--initial-advertise-peer-urls",
            f"http://127.0.0.1:{etcd_peer}",
            "--initial-cluster",
            f"kcr=http://127.0.0.1:{etcd_peer}",
            "--listen-metrics-urls",
            f"http://127.0.0.1:{free_port()}",
            "--unsafe-no-fsync",
            "--log-level",
            "warn",
        ],
    )
    _wait(cp, "etcd", lambda: _http_ok(f"http://127.0.0.1:{etcd_client}/health"), 30)
    _spawn(
        cp,
        "kube-apiserver",
        [
            str(b.kube("kube-apiserver")),
            f"--etcd-servers=http://127.0.0.1:{etcd_client}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={api_port}",
            f"--cert-dir={work / 'apiserver-certs'}",
            f"--tls-cert-file={creds.path('server.crt')}",
            f"--tls-private-key-file={creds.path('server.key')}",
            f"--client-ca-file={creds.path('ca.crt')}",
            f"--token-auth-file={creds.path('tokens.csv')}",
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={creds.path('sa.pub')}",
            f"--service-account-signing-key-file={creds.path('sa.key')}",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--disable-admission-plugins=ServiceAccount",
            "--allow-privileged=true",
            "--endpoint-reconciler-type=none",
            "--enable-priority-and-fairness=false",
            "--profiling=false",
            "--v=1",
        ],
    )
    _wait(
        cp,
        "kube-apiserver",
        lambda: _https_ok(f"{cp.server}/readyz", creds.path("ca.crt"), creds.admin_token),
        90,
    )
    # Components talk to the API server as admin (token); users get the three-context file.
    admin = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "c",
                "cluster": {
                    "server": cp.server,
                    "certificate-authority": str(creds.path("ca.crt")),
                },
            }
        ],
        "users": [{"name": "u", "user": {"token": creds.admin_token}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "c",
    }
    cp.admin_kubeconfig.write_text(json.dumps(admin))
    cp.admin_kubeconfig.chmod(0o600)
    cp.kubeconfig.write_text(kubeconfig_text(cp.server, creds))
    cp.kubeconfig.chmod(0o600)
    k = str(cp.admin_kubeconfig)

    def component(name: str) -> list[str]:
        """What the controller manager and the scheduler share: the admin kubeconfig for all three
        roles, their own serving port and certificates on loopback, no leader election."""
        return [
            str(b.kube(name)),
            f"--kubeconfig={k}",
            f"--authentication-kubeconfig={k}",
            f"--authorization-kubeconfig={k}",
            "--bind-address=127.0.0.1",
            f"--secure-port={free_port()}",
            f"--cert-dir={work / (name + '-certs')}",
            "--leader-elect=false",
            "--v=1",
        ]

    _spawn(
        cp,
        "kube-controller-manager",
        [
            *component("kube-controller-manager"),
            "--use-service-account-credentials=false",
            f"--service-account-private-key-file={creds.path('sa.key')}",
            f"--root-ca-file={creds.path('ca.crt')}",
            "--controllers=*",
            "--concurrent-deployment-syncs=10",
            "--concurrent-replicaset-syncs=10",
        ],
    )
    _spawn(cp, "kube-scheduler", component("kube-scheduler"))
    _spawn(
        cp,
        "kwok",
        [
            str(b.kwok),
            f"--kubeconfig={k}",
            f"--config={STAGES_FILE}",
            "--manage-all-nodes=true",
            f"--server-address=127.0.0.1:{free_port()}",
            "--node-lease-duration-seconds=40",
            "--cidr=10.244.0.1/16",
            "--node-ip=10.0.0.1",
        ],
    )
    cp.kubectl("apply", "-f", "-", input=VIEWER_RBAC)
    node_list = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [_node(f"kwok-node-{i}") for i in range(nodes)],
    }
    cp.kubectl("apply", "-f", "-", input=json.dumps(node_list))

    def nodes_ready() -> bool:
        out = cp.kubectl("get", "nodes", "-o", "json", check=False)
        items = json.loads(out.stdout or "{}").get("items", []) if out.returncode == 0 else []
        ready = [
            n
            for n in items
            if any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in n.get("status", {}).get("conditions", [])
            )
        ]
        return len(ready) >= nodes

    _wait(cp, "kwok nodes Ready", nodes_ready, 60)

    def default_sa() -> bool:
        return (
            cp.kubectl("get", "serviceaccount", "default", "-n", "default", check=False).returncode
            == 0
        )

    _wait(cp, "kube-controller-manager (default ServiceAccount)", default_sa, 60)


@contextlib.contextmanager
def running(version: str = DEFAULT_VERSION, workdir: Path | None = None) -> Iterator[ControlPlane]:
    cp = start(version, workdir)
    try:
        yield cp
    finally:
        cp.stop()
        if workdir is None:
            shutil.rmtree(cp.workdir, ignore_errors=True)


def _up(version: str, kubeconfig_path: Path) -> int:
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    say(
        f"starting Kubernetes {version} (etcd, kube-apiserver, kube-controller-manager, "
        "kube-scheduler, kwok)"
    )
    cp = start(version)
    try:
        tmp = kubeconfig_path.with_name(kubeconfig_path.name + ".tmp")
        tmp.write_text(cp.kubeconfig.read_text())
        tmp.chmod(0o600)
        tmp.replace(kubeconfig_path)
        say(
            f"up in {cp.startup_seconds:.1f}s at {cp.server}; kubeconfig {kubeconfig_path} "
            f"(contexts admin, admin-cert, viewer); logs in {cp.workdir / 'logs'}"
        )
        say(
            f"try: KUBECONFIG={kubeconfig_path} kubectl-rollback --context admin   (Ctrl-C stops "
            "everything)"
        )
        while not stop.wait(1.0):
            dead = cp.dead()
            if dead:
                say("stopping: " + "; ".join(dead))
                return 1
        return 0
    finally:
        say("stopping every component")
        cp.stop()
        shutil.rmtree(cp.workdir, ignore_errors=True)
        with contextlib.suppress(OSError):
            kubeconfig_path.unlink()
        say("stopped")


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/control-plane", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build the binaries into the cache (a no-op when built)")
    p_build.add_argument(
        "--version",
        action="append",
        help=f"Kubernetes version (default {DEFAULT_VERSION}; repeatable; 'all' for "
        f"{', '.join(VERSIONS)})",
    )
    p_up = sub.add_parser("up", help="start a control plane in the foreground until SIGINT/SIGTERM")
    p_up.add_argument("--version", default=DEFAULT_VERSION)
    p_up.add_argument("--write-kubeconfig", required=True, type=Path, metavar="PATH")
    sub.add_parser("versions", help="the versions this script builds, and which are built")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            wanted = args.version or [DEFAULT_VERSION]
            if "all" in wanted:
                wanted = list(VERSIONS)
            for v in wanted:
                build(v)
            return 0
        if args.command == "up":
            return _up(args.version, args.write_kubeconfig)
        for v in VERSIONS:
            print(f"{v}\t{'built' if is_built(v) else 'not built'}\t{binaries(v).folder}")
        return 0
    except ControlPlaneError as exc:
        say(str(exc))
        return 1
