"""kubeconfig resolution for static credentials, the way kubectl (client-go) does it.

This is the fast path: it needs no import of the `kubernetes` package (about a fifth of a
second), which matters for a command that runs in a fraction of a second. It resolves
KUBECONFIG lists (first definition of a name wins, first non-empty current-context wins),
relative paths against the file that names them, tokens, token files, client certificates,
certificate authorities, `insecure-skip-tls-verify`, `tls-server-name` and basic auth.

Exec credential plugins run here too (`client.authentication.k8s.io` v1 and v1beta1, as
client-go runs them, but with a time limit: a plugin that hangs ends as one line, not a hang).
What else a kubeconfig can ask for (auth-provider, proxy-url) returns None from `resolve`,
and the gateway uses the kubernetes client's loader instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..core import errors
from ..core.values import value
from . import kubeconfig_yaml

_UNSUPPORTED_USER_KEYS = ("auth-provider",)


@value
class ClusterAccess:
    """Everything needed to talk to one cluster as one user."""

    server: str
    context: str
    namespace: str | None
    user: str | None
    token: str | None = None
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    ca_data: bytes | None = None
    cert_file: str | None = None
    cert_data: bytes | None = None
    key_file: str | None = None
    key_data: bytes | None = None
    insecure: bool = False
    tls_server_name: str | None = None


def default_paths(kubeconfig: str | None) -> tuple[list[str], bool]:
    """The files to read and whether they were named explicitly
    (then a missing file is an error)."""
    if kubeconfig:  # a file, or a list as KUBECONFIG takes it (each file named must exist)
        return [p for p in kubeconfig.split(os.pathsep) if p], True
    env = os.environ.get("KUBECONFIG")
    if env:
        return [p for p in env.split(os.pathsep) if p], False
    return [os.path.expanduser("~/.kube/config")], False


def _safe_loader(yaml: Any) -> Any:
    """PyYAML's C safe loader where it is built in (ten times faster on a kubeconfig with
    certificates), else the pure-Python one; both read the same documents."""
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str, raw: str) -> Any:
    """The document a kubeconfig's text holds: read without PyYAML where `kubeconfig_yaml`
    reads it with certainty (what kubectl and the cloud tools write), else by PyYAML."""
    doc = kubeconfig_yaml.read(text)
    if doc is not kubeconfig_yaml.DECLINED:
        return doc
    import yaml

    try:
        return yaml.load(text, Loader=_safe_loader(yaml))
    except yaml.YAMLError as exc:
        raise errors.ConfigError(
            f"invalid kubeconfig {raw}: not YAML: {' '.join(str(exc).split())}"
        ) from None


def _load_files(paths: list[str], explicit: bool) -> list[tuple[Path, dict[str, Any]]]:
    docs: list[tuple[Path, dict[str, Any]]] = []
    for raw in paths:
        path = Path(os.path.expanduser(raw))
        if not path.exists():
            if explicit:
                raise errors.ConfigError(f"stat {raw}: no such file or directory")
            continue  # kubectl skips missing files of a KUBECONFIG list
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise errors.ConfigError(f"invalid kubeconfig {raw}: not UTF-8 text") from None
        except OSError as exc:
            raise errors.ConfigError(
                f"cannot read kubeconfig {raw}: {exc.strerror or exc}"
            ) from None
        doc = _parse(text, raw) or {}
        if not isinstance(doc, dict):
            raise errors.ConfigError(f"invalid kubeconfig {raw}: not a kubeconfig (a YAML mapping)")
        docs.append((path, doc))
    return docs


def _named(
    docs: list[tuple[Path, dict[str, Any]]], section: str, field: str
) -> dict[str, tuple[Path, dict[str, Any]]]:
    """name -> (file it came from, its body); the first file that defines a name wins."""
    out: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path, doc in docs:
        entries = doc.get(section) or []
        if not isinstance(entries, list):
            raise errors.ConfigError(f"invalid kubeconfig {path}: {section} must be a list")
        for entry in entries:
            if not isinstance(entry, dict) or not entry.get("name"):
                raise errors.ConfigError(
                    f"invalid kubeconfig {path}: every entry of {section} needs a name"
                )
            body = entry.get(field) or {}
            if not isinstance(body, dict):
                raise errors.ConfigError(
                    f'invalid kubeconfig {path}: {field} "{entry["name"]}" must be a mapping, '
                    f"not {type(body).__name__}"
                )
            if str(entry["name"]) not in out:
                out[str(entry["name"])] = (path, body)
    return out


def _relative(base: Path, value: Any) -> str | None:
    if not value:
        return None
    p = Path(os.path.expanduser(str(value)))
    return str(p if p.is_absolute() else base.parent / p)


def _b64(value: Any) -> bytes | None:
    import base64

    if not value:
        return None
    try:
        # Go's decoder skips line breaks and refuses anything else outside the alphabet.
        return base64.b64decode("".join(str(value).split()), validate=True)
    except ValueError:
        raise errors.ConfigError("invalid kubeconfig: a *-data field is not base64") from None


def list_contexts(kubeconfig: str | None = None) -> tuple[list[str], str | None]:
    """Context names (in file order) and the current context."""
    paths, explicit = default_paths(kubeconfig)
    docs = _load_files(paths, explicit)
    current = next((str(d["current-context"]) for _, d in docs if d.get("current-context")), None)
    return list(_named(docs, "contexts", "context")), current


def resolve(kubeconfig: str | None, context: str | None) -> ClusterAccess | None:
    """The access for `context` (default: current-context), or None when only the
    client can do it."""
    paths, explicit = default_paths(kubeconfig)
    docs = _load_files(paths, explicit)
    if not docs:
        raise errors.ConfigError(
            "no configuration has been provided: no kubeconfig found "
            f"({', '.join(paths)}); set KUBECONFIG or pass --kubeconfig"
        )
    contexts = _named(docs, "contexts", "context")
    name = context or next(
        (str(d["current-context"]) for _, d in docs if d.get("current-context")), ""
    )
    if not name:
        raise errors.ConfigError("no current context is set in the kubeconfig; pass --context")
    if name not in contexts:
        if context:
            raise errors.ConfigError(f"context was not found for specified context: {context}")
        raise errors.ConfigError(f'current-context "{name}" is not defined in the kubeconfig')
    _, ctx = contexts[name]
    cluster_name, user_name = ctx.get("cluster"), ctx.get("user")
    clusters = _named(docs, "clusters", "cluster")
    if not cluster_name or cluster_name not in clusters:
        raise errors.ConfigError(
            f'cluster "{cluster_name}" of context "{name}" is not defined in the kubeconfig'
        )
    cluster_file, cluster = clusters[cluster_name]
    users = _named(docs, "users", "user")
    if user_name and str(user_name) not in users:
        # kubectl would go on without credentials (and prompt for a password): say what is wrong.
        raise errors.ConfigError(
            f'user "{user_name}" of context "{name}" is not defined in the kubeconfig'
        )
    user_file, user = (
        users.get(str(user_name), (cluster_file, {})) if user_name else (cluster_file, {})
    )
    if cluster.get("proxy-url") or any(user.get(k) for k in _UNSUPPORTED_USER_KEYS):
        return None
    raw_server = str(cluster.get("server") or "")
    server = _checked_server(raw_server, str(cluster_name))
    url_user, url_password = _url_userinfo(raw_server)
    token = user.get("token")
    exec_creds: dict[str, Any] = {}
    if isinstance(user.get("exec"), dict):
        from .exec_plugin import run_exec_plugin

        exec_creds = run_exec_plugin(user["exec"], user_file, server, cluster)
        token = exec_creds.get("token") or token
    if not token and user.get("tokenFile"):
        token_path = _relative(user_file, user["tokenFile"])
        try:
            token = Path(str(token_path)).read_text().strip()
        except OSError as exc:
            raise errors.ConfigError(
                f"cannot read tokenFile {token_path}: {exc.strerror or exc}"
            ) from None
    return ClusterAccess(
        server=server.rstrip("/"),
        context=name,
        namespace=str(ctx["namespace"]) if ctx.get("namespace") else None,
        user=str(user_name) if user_name else None,
        token=str(token) if token else None,
        username=str(user["username"])
        if user.get("username")
        else (url_user if not token else None),
        password=str(user["password"])
        if user.get("password")
        else (url_password if not token else None),
        ca_file=_relative(cluster_file, cluster.get("certificate-authority")),
        ca_data=_b64(cluster.get("certificate-authority-data")),
        cert_file=None
        if exec_creds.get("clientCertificateData")
        else _relative(user_file, user.get("client-certificate")),
        cert_data=(
            exec_creds["clientCertificateData"].encode()
            if exec_creds.get("clientCertificateData")
            else _b64(user.get("client-certificate-data"))
        ),
        key_file=None
        if exec_creds.get("clientKeyData")
        else _relative(user_file, user.get("client-key")),
        key_data=(
            exec_creds["clientKeyData"].encode()
            if exec_creds.get("clientKeyData")
            else _b64(user.get("client-key-data"))
        ),
        insecure=_insecure(cluster.get("insecure-skip-tls-verify"), cluster_name),
        tls_server_name=str(cluster["tls-server-name"]) if cluster.get("tls-server-name") else None,
    )


def _insecure(value: Any, cluster_name: Any) -> bool:
    """`insecure-skip-tls-verify` is a YAML boolean; kubectl refuses anything else
    (even "false")."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise errors.ConfigError(
        f'invalid kubeconfig: cluster "{cluster_name}": '
        f"insecure-skip-tls-verify must be true or false, not {value!r} (a string)"
    )


def _checked_server(server: str, cluster_name: str) -> str:
    """The server URL: http(s), a host and a valid port; user:password@ is
    refused, never printed."""
    from urllib.parse import urlsplit

    if not server:
        raise errors.ConfigError(f'cluster "{cluster_name}" has no server in the kubeconfig')
    try:
        parts = urlsplit(server if "://" in server else f"https://{server}")
        port = parts.port
    except ValueError:
        raise errors.ConfigError(
            f'cluster "{cluster_name}": the server URL has an invalid port'
        ) from None
    if parts.scheme not in ("http", "https"):
        raise errors.ConfigError(
            f'cluster "{cluster_name}": unsupported scheme "{parts.scheme}" '
            "in the server URL (http or https)"
        )
    if not parts.hostname:
        raise errors.ConfigError(f'cluster "{cluster_name}": the server URL has no host')
    # kubectl takes a bare host:port as https. user:password@ never stays in the URL (it would
    # be printed in messages): `resolve` uses it as basic auth, as Go's HTTP client does.
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = f"{host}:{port}" if port is not None else host
    return parts._replace(netloc=netloc).geturl()


def _url_userinfo(server: str) -> tuple[str | None, str | None]:
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(server)
    except ValueError:
        return None, None
    return (
        unquote(parts.username) if parts.username is not None else None,
        unquote(parts.password) if parts.password is not None else None,
    )
