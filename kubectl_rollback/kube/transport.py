"""HTTP transports to the API server: a direct keep-alive one here, and one over the
kubernetes client in client_transport.py.

`DirectTransport` (http1.py over a socket; ssl only for https) serves kubeconfigs with
static credentials without importing `kubernetes`; `ClientTransport` wraps the kubernetes
client's ApiClient for everything else (exec credential plugins, auth-provider, proxies),
so those work exactly as the client implements them. Both return raw bytes: no generated
models.
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import ssl

from ..core import errors
from .http1 import Connection, Response
from .kubeconfig import ClusterAccess


class ServerError(errors.RollbackError):
    """Any other non-2xx answer (5xx, 429, ...); reads are retried on the transient ones."""

    def __init__(self, message: str, *, status: int, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class StreamResponse(Protocol):
    """A streaming response (watch): its status, its lines as they arrive, and a way to stop."""

    status: int

    def read_all(self) -> bytes: ...

    def lines(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class Transport(Protocol):
    server: str

    def request(
        self,
        method: str,
        url_path: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float | None,
    ) -> tuple[int, bytes, float | None]:
        """(status, body, Retry-After seconds if the server sent one)."""
        ...

    def stream(
        self, url_path: str, headers: dict[str, str], timeout: float | None
    ) -> StreamResponse: ...

    def close(self) -> None: ...


def _ssl_error(name: str) -> type[BaseException] | tuple[()]:
    """An ssl exception class, or nothing to catch when ssl was never loaded (plain http)."""
    module = sys.modules.get("ssl")
    return getattr(module, name) if module is not None else ()


def unreachable(server: str, exc: BaseException) -> errors.Unreachable:
    """kubectl's wording for a server it cannot talk to, with the reason in a few words."""
    text = str(getattr(exc, "reason", None) or exc)
    connected = True
    if isinstance(exc, ConnectionRefusedError) or "Connection refused" in text:
        reason, connected = "connection refused", False
    elif isinstance(exc, TimeoutError | socket.timeout) or "timed out" in text.lower():
        reason = "timed out"
    elif isinstance(exc, socket.gaierror) or "Name or service not known" in text:
        reason, connected = "no such host", False
    elif isinstance(exc, _ssl_error("SSLCertVerificationError")):
        reason = f"tls: failed to verify certificate: {getattr(exc, 'verify_message', exc)}"
    else:
        reason = text.splitlines()[0][:200] if text else type(exc).__name__
    return errors.Unreachable(
        f"Unable to connect to the server: {server}: {reason}", connected=connected
    )


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds only, as the API server sends it)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):  # Disconnected too
        return "connection closed"
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _closed_by_peer(conn: Connection) -> bool:
    """A kept-alive connection the server has closed (readable with nothing to read, or dead)."""
    import select

    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except _ssl_error("SSLWantReadError"):
        return False
    except (OSError, ValueError):
        return True


class _DirectStream:
    def __init__(self, conn: Connection, response: Response) -> None:
        self._conn = conn
        self._response = response
        self.status = response.status
        self._closed = False

    def read_all(self) -> bytes:
        try:
            return self._response.read()
        finally:
            self.close()

    def lines(self) -> Iterator[bytes]:
        buffer = b""
        while True:
            try:
                chunk = self._response.read1(65536)
            except (OSError, ValueError, AttributeError) as exc:
                # close() from another thread cuts the stream mid-chunk (IncompleteRead) or
                # mid-call (the response's file is gone): that is the end we asked for.
                if self._closed:
                    return
                raise ConnectionError(f"stream interrupted: {exc!r}") from None
            if not chunk:
                if buffer.strip():
                    yield buffer
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                yield line

    def close(self) -> None:
        self._closed = True
        # Shutting the socket down wakes a reader blocked in another thread.
        with contextlib.suppress(OSError, AttributeError):
            if self._conn.sock is not None:
                self._conn.sock.shutdown(socket.SHUT_RDWR)
        self._conn.close()


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class DirectTransport:
    """Keep-alive HTTP(S) to one API server with static credentials (thread-safe)."""

    def __init__(self, access: ClusterAccess, user_agent: str) -> None:
        self.server = access.server
        parts = urlsplit(access.server)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._headers = {"User-Agent": user_agent}
        # As kubectl: no credentials over plain http, except to this machine (loopback: the
        # simulated cluster, local proxies), where they never cross a network.
        self.withheld = (
            not self._https
            and not _loopback(self._host)
            and bool(access.token or access.username is not None)
        )
        if access.token and not self.withheld:
            self._headers["Authorization"] = f"Bearer {access.token}"
        elif access.username is not None and not self.withheld:
            basic = base64.b64encode(f"{access.username}:{access.password or ''}".encode()).decode()
            self._headers["Authorization"] = f"Basic {basic}"
        self._ssl = self._ssl_context(access) if self._https else None
        self._server_hostname = access.tls_server_name
        self._local = threading.local()

    def _ssl_context(self, access: ClusterAccess) -> ssl.SSLContext:
        import ssl

        try:
            ctx = ssl.create_default_context(
                cafile=access.ca_file, cadata=access.ca_data.decode() if access.ca_data else None
            )
        except (OSError, ssl.SSLError, UnicodeDecodeError) as exc:
            what = access.ca_file or "certificate-authority-data"
            raise errors.ConfigError(
                f"unable to load root certificates from {what}: "
                f"{getattr(exc, 'strerror', None) or exc}"
            ) from None
        if access.insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if not (access.cert_file or access.cert_data):
            return ctx
        # ssl loads client certificates only from files. Inline data goes through an anonymous
        # in-memory file (memfd, never on disk) or, where there is none, a private temporary
        # file; either is gone as soon as the context holds the key.
        opened: list[tuple[int, str | None]] = []
        try:
            cert = access.cert_file or self._key_file(access.cert_data, opened)
            key = access.key_file or self._key_file(access.key_data, opened)
            ctx.load_cert_chain(cert, key)  # type: ignore[arg-type]
        except (OSError, ssl.SSLError) as exc:
            raise errors.ConfigError(
                "cannot load the client certificate of the kubeconfig: "
                f"{getattr(exc, 'strerror', None) or exc}"
            ) from None
        finally:
            for fd, path in opened:
                with contextlib.suppress(OSError):
                    os.close(fd)
                if path is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(path)
        return ctx

    @staticmethod
    def _key_file(data: bytes | None, opened: list[tuple[int, str | None]]) -> str | None:
        if not data:
            return None
        memfd = getattr(os, "memfd_create", None)
        if memfd is not None and os.path.isdir("/proc/self/fd"):
            fd = memfd("kubectl-rollback-credential", 0)
            opened.append((fd, None))
            os.write(fd, data)
            return f"/proc/self/fd/{fd}"
        import tempfile

        fd, path = tempfile.mkstemp(prefix="kubectl-rollback-", suffix=".pem")
        opened.append((fd, path))
        os.write(fd, data)
        return path

    def _connect(self, timeout: float | None) -> Connection:
        conn = Connection(
            self._host,
            self._port,
            timeout=timeout,
            context=self._ssl,
            server_name=self._server_hostname,
        )
        try:
            conn.connect()
        except OSError as exc:  # ssl.SSLError is an OSError
            conn.close()
            raise unreachable(self.server, exc) from None
        return conn

    def request(
        self,
        method: str,
        url_path: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float | None,
    ) -> tuple[int, bytes, float | None]:
        """One request. A read whose kept-alive connection turns out closed is sent once more on
        a new one; a write never is: once it may have reached the server, a failure to get the
        answer is OutcomeUnknown (the caller reads the object back to learn what happened)."""
        write = method not in ("GET", "HEAD")
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None and _closed_by_peer(conn):
            conn.close()  # nothing was sent on it: a fresh connection is safe for any method
            conn = None
        for attempt in (0, 1):
            fresh = conn is None
            if conn is None:
                conn = self._connect(timeout)
            conn.settimeout(timeout)
            try:
                response = conn.request(
                    method, self._prefix + url_path, body, {**self._headers, **headers}
                )
                data = response.read()
            except OSError as exc:
                conn.close()
                conn = None
                self._local.conn = None
                if write:
                    raise errors.OutcomeUnknown(
                        f"the API server did not answer {method} {url_path.split('?')[0]} "
                        f"({_reason(exc)}): it may or may not have been applied"
                    ) from None
                # A kept-alive connection the server closed meanwhile (http1.Disconnected is a
                # ConnectionResetError): send the read again, once.
                stale = isinstance(exc, ConnectionResetError | BrokenPipeError)
                if fresh or attempt == 1 or not stale:
                    raise unreachable(self.server, exc) from None
                continue
            if response.will_close:
                conn.close()
                conn = None
            self._local.conn = conn
            return response.status, data, retry_after(response.getheader("Retry-After"))
        raise AssertionError("unreachable")

    def stream(
        self, url_path: str, headers: dict[str, str], timeout: float | None
    ) -> StreamResponse:
        conn = self._connect(timeout)
        try:
            response = conn.request(
                "GET", self._prefix + url_path, None, {**self._headers, **headers}
            )
        except OSError as exc:
            conn.close()
            raise unreachable(self.server, exc) from None
        return _DirectStream(conn, response)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
