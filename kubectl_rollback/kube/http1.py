"""HTTP/1.1 over one socket, as much of it as an API server's answers need.

The standard library's http.client parses headers with the `email` package: loading the two
is about a twentieth of a one-shot command's start-up. This client speaks what an API server
(or a proxy in front of one) answers with: a status line, headers, and a body delimited by
Content-Length, chunked transfer coding (watches stream that way) or the connection's end;
1xx answers are skipped. Requests carry Host, Content-Length and the caller's headers.

Errors are OSErrors, as the caller already handles for the socket: `Disconnected` (a
ConnectionResetError) when the server closed the connection before answering, as
http.client's RemoteDisconnected; `ProtocolError` for an answer that is not HTTP/1.x or is
cut short.
"""

from __future__ import annotations

import contextlib
import socket
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import ssl

MAX_LINE = 65536
"""The longest status line, header line or chunk-size line read (as http.client's)."""
MAX_HEADERS = 100


class Disconnected(ConnectionResetError):
    """The server closed the connection without answering."""


class ProtocolError(OSError):
    """An answer that is not HTTP/1.x, or cut short."""


class Response:
    """One answer: status, headers (names in lower case), and its body read whole or as it
    arrives."""

    def __init__(self, reader: BinaryIO, method: str) -> None:
        self._reader = reader
        while True:
            self.status, self.headers = _read_head(reader)
            if not 100 <= self.status < 200:
                break
        self.will_close = "close" in self.headers.get("connection", "").lower()
        self._chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        self._left: int | None = None  # body bytes still to read (None: until the end)
        self._chunk_left = 0
        self._done = False
        if method == "HEAD" or self.status in (204, 304):
            self._done = True
        elif not self._chunked:
            length = self.headers.get("content-length")
            if length is not None:
                try:
                    self._left = int(length)
                except ValueError:
                    raise ProtocolError(f"bad Content-Length {length!r}") from None
                self._done = self._left == 0
            else:
                self.will_close = True  # the body ends with the connection

    def getheader(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def read(self) -> bytes:
        """The whole body (the rest of it)."""
        parts = []
        while chunk := self.read1(1 << 20):
            parts.append(chunk)
        return b"".join(parts)

    def read1(self, size: int) -> bytes:
        """Up to ``size`` bytes of the body as they arrive; b"" at its end."""
        if self._done:
            return b""
        if self._chunked:
            return self._read_chunk(size)
        if self._left is None:
            data = self._reader.read1(size)  # type: ignore[attr-defined]
            if not data:
                self._done = True
            return bytes(data)
        data = self._reader.read1(min(size, self._left))  # type: ignore[attr-defined]
        if not data:
            raise ProtocolError(f"answer cut short: {self._left} bytes of its body missing")
        self._left -= len(data)
        self._done = self._left == 0
        return bytes(data)

    def _read_chunk(self, size: int) -> bytes:
        if self._chunk_left == 0:
            line = _line(self._reader)
            try:
                self._chunk_left = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ProtocolError(f"bad chunk size {line[:40]!r}") from None
            if self._chunk_left == 0:  # the last chunk: trailers, then an empty line
                while _line(self._reader) not in (b"\r\n", b"\n"):
                    pass
                self._done = True
                return b""
        data = self._reader.read1(min(size, self._chunk_left))  # type: ignore[attr-defined]
        if not data:
            raise ProtocolError("answer cut short inside a chunk")
        self._chunk_left -= len(data)
        if self._chunk_left == 0 and _line(self._reader) not in (b"\r\n", b"\n"):
            raise ProtocolError("a chunk not followed by its line end")
        return bytes(data)

    @property
    def complete(self) -> bool:
        """Whether the whole body has been read (the connection can carry another request)."""
        return self._done


def _line(reader: BinaryIO) -> bytes:
    line = reader.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise ProtocolError("a line of the answer is too long")
    if not line:
        raise ProtocolError("answer cut short")
    return line


def _read_head(reader: BinaryIO) -> tuple[int, dict[str, str]]:
    first = reader.readline(MAX_LINE + 1)
    if not first:
        raise Disconnected("the server closed the connection without answering")
    parts = first.decode("latin-1").rstrip("\r\n").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"not an HTTP/1.x answer: {first[:60]!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        line = _line(reader)
        if line in (b"\r\n", b"\n"):
            return status, headers
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise ProtocolError(f"bad header line {line[:60]!r}")
        key, text = name.strip().lower(), value.strip()
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    raise ProtocolError(f"more than {MAX_HEADERS} headers")


class Connection:
    """One kept-alive connection to ``host:port``, TLS when given a context."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float | None,
        context: ssl.SSLContext | None = None,
        server_name: str | None = None,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._context = context
        self._server_name = server_name or host
        self.sock: socket.socket | None = None
        self._reader: BinaryIO | None = None
        self._response: Response | None = None

    def connect(self) -> None:
        # An ASCII name or address goes to getaddrinfo as bytes: as a str it would be encoded
        # with the idna codec, whose modules (stringprep, unicodedata) a command never needs.
        host: str | bytes = self.host.encode("ascii") if self.host.isascii() else self.host
        sock = socket.create_connection((host, self.port), self.timeout)  # type: ignore[arg-type]
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._context is not None:
                sock = self._context.wrap_socket(sock, server_hostname=self._server_name)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self._reader = sock.makefile("rb")

    def settimeout(self, timeout: float | None) -> None:
        self.timeout = timeout
        if self.sock is not None:
            self.sock.settimeout(timeout)

    def request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> Response:
        """Send one request and read its answer's head (the body is read from the Response)."""
        for text, refused in (
            (path, "\r\n\0 "),  # a space would end the request line's path
            *((part, "\r\n\0") for part in (*headers, *headers.values())),
        ):
            if any(c in text for c in refused):
                raise ValueError(f"invalid character in a request's path or header: {text[:40]!r}")
        if self._response is not None and not self._response.complete:
            raise ProtocolError("the previous answer on this connection was not read")
        if self.sock is None:
            self.connect()
        assert self.sock is not None and self._reader is not None
        host = self.host if ":" not in self.host else f"[{self.host}]"
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{self.port}"]
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.sock.sendall(head + body if body else head)
        self._response = Response(self._reader, method)
        return self._response

    def close(self) -> None:
        sock, reader = self.sock, self._reader
        self.sock = self._reader = None
        self._response = None
        if reader is not None:
            with contextlib.suppress(OSError):
                reader.close()
        if sock is not None:
            sock.close()
