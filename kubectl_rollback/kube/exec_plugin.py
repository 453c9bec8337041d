"""Exec credential plugins (the `exec` user of EKS, GKE, AKS, OIDC kubeconfigs), run as
client-go runs them; loaded only for a kubeconfig whose user has one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..core import errors

EXEC_TIMEOUT_ENV = "KUBECTL_ROLLBACK_EXEC_TIMEOUT"
"""Seconds an exec credential plugin may take (default 30)."""


def run_exec_plugin(
    spec: dict[str, Any], user_file: Path, server: str, cluster: dict[str, Any]
) -> dict[str, Any]:
    """Run an exec credential plugin as client-go does; its ExecCredential status
    (token or cert)."""
    command = str(spec.get("command") or "")
    if not command:
        raise errors.ConfigError("invalid kubeconfig: exec plugin has no command")
    if os.sep in command and not os.path.isabs(command):
        command = str(user_file.parent / command)  # relative to the kubeconfig, as client-go does
    api_version = str(spec.get("apiVersion") or "client.authentication.k8s.io/v1")
    if shutil.which(command) is None:
        hint = " ".join(str(spec.get("installHint") or "").split())
        # client-go's words: a path that is not there, or a name not on PATH.
        what = (
            f"fork/exec {command}: no such file or directory"
            if os.sep in command
            else f"executable {command} not found"
        )
        raise errors.ConfigError(
            f"getting credentials: exec: {what}" + (f" ({hint})" if hint else "")
        )
    env = dict(os.environ)
    for item in spec.get("env") or []:
        if isinstance(item, dict) and item.get("name"):
            env[str(item["name"])] = str(item.get("value", ""))
    exec_info: dict[str, Any] = {
        "apiVersion": api_version,
        "kind": "ExecCredential",
        "spec": {"interactive": False},
    }
    if spec.get("provideClusterInfo"):
        exec_info["spec"]["cluster"] = {
            k: v
            for k, v in {
                "server": server,
                "tls-server-name": cluster.get("tls-server-name"),
                "insecure-skip-tls-verify": cluster.get("insecure-skip-tls-verify"),
                "certificate-authority-data": cluster.get("certificate-authority-data"),
                "proxy-url": cluster.get("proxy-url"),
            }.items()
            if v
        }
    env["KUBERNETES_EXEC_INFO"] = json.dumps(exec_info)
    try:
        timeout = float(os.environ.get(EXEC_TIMEOUT_ENV) or 30)
    except ValueError:
        timeout = 30.0
    try:
        done = subprocess.run(
            [command, *[str(a) for a in spec.get("args") or []]],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise errors.ConfigError(
            f"getting credentials: exec: executable {spec.get('command')} did not answer within "
            f"{timeout:g}s ({EXEC_TIMEOUT_ENV} sets the limit)"
        ) from None
    except OSError as exc:
        raise errors.ConfigError(f"getting credentials: exec: {exc.strerror or exc}") from None
    if done.returncode != 0:
        said = " ".join(done.stderr.decode(errors="replace").split())[:200]
        raise errors.ConfigError(
            f"getting credentials: exec: executable {spec.get('command')} failed with exit code "
            f"{done.returncode}" + (f": {said}" if said else "")
        )
    try:
        credential = json.loads(done.stdout)
        status = credential.get("status") or {}
    except (ValueError, AttributeError):
        raise errors.ConfigError(
            f"getting credentials: exec: executable {spec.get('command')} "
            "wrote no ExecCredential JSON"
        ) from None
    if not isinstance(status, dict) or not (
        status.get("token") or status.get("clientCertificateData")
    ):
        raise errors.ConfigError(
            f"getting credentials: exec: executable {spec.get('command')} "
            "returned no token or certificate"
        )
    return status
