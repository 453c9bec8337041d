"""The HTTP/1.1 client the direct transport speaks (kube/http1.py), against a scripted server
on 127.0.0.1: every way an answer's body can be delimited, kept-alive connections, and the
answers that are not HTTP or are cut short."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest

from kubectl_rollback.kube.http1 import Connection, Disconnected, ProtocolError


class Scripted:
    """Answers each request on one connection with the next reply (raw bytes); None closes
    the connection (at once after the reply before it: a reply cut short stays so). What it
    received is kept in `requests`."""

    def __init__(self, replies: Sequence[bytes | None]) -> None:
        self.replies = list(replies)
        self.requests: list[bytes] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(10)
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read_request(self, conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            got = conn.recv(65536)
            if not got:
                return data
            data += got
        head, _, body = data.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                want = int(line.split(b":", 1)[1])
                while len(body) < want:
                    body += conn.recv(65536)
        return head + b"\r\n\r\n" + body

    def _serve(self) -> None:
        try:
            conn, _ = self.server.accept()
        except OSError:  # nobody connected (the client refused to send), or it closed
            return
        conn.settimeout(10)
        with conn:
            for index, reply in enumerate(self.replies):
                self.requests.append(self._read_request(conn))
                if reply is None:
                    return
                conn.sendall(reply)
                if index + 1 < len(self.replies) and self.replies[index + 1] is None:
                    return
            # keep the connection open until the client closes it
            while conn.recv(65536):
                pass


@contextmanager
def connection(*replies: bytes | None) -> Iterator[tuple[Connection, Scripted]]:
    server = Scripted(replies)
    conn = Connection("127.0.0.1", server.port, timeout=10)
    try:
        yield conn, server
    finally:
        conn.close()
        server.server.close()  # wakes an accept nobody answers
        server.thread.join(10)


def test_a_content_length_body_and_a_kept_alive_second_request() -> None:
    first = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    second = b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\nRetry-After: 3\r\n\r\nhello"
    with connection(first, second) as (conn, server):
        answer = conn.request("GET", "/api", None, {"User-Agent": "t"})
        assert (answer.status, answer.read()) == (200, b"{}")
        sock = conn.sock
        answer = conn.request("PATCH", "/apis/x", b'{"a":1}', {"Content-Type": "j"})
        assert (answer.status, answer.read(), answer.getheader("Retry-After")) == (
            201,
            b"hello",
            "3",
        )
        assert conn.sock is sock  # one connection carried both
    get, patch = server.requests
    assert get.startswith(b"GET /api HTTP/1.1\r\nHost: 127.0.0.1:") and b"User-Agent: t" in get
    assert b"Content-Length" not in get
    assert patch.startswith(b"PATCH /apis/x HTTP/1.1\r\n")
    assert b"Content-Length: 7\r\n" in patch and patch.endswith(b'\r\n\r\n{"a":1}')


def test_a_chunked_body_read_whole_and_as_it_arrives() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"6;ext=1\r\nline1\n\r\n"
        b"C\r\nline2\nline3\n\r\n"
        b"0\r\nX-Trailer: t\r\n\r\n"
    )
    with connection(chunked, chunked) as (conn, _):
        assert conn.request("GET", "/w", None, {}).read() == b"line1\nline2\nline3\n"
        answer = conn.request("GET", "/w", None, {})
        pieces = []
        while piece := answer.read1(4):
            pieces.append(piece)
        assert b"".join(pieces) == b"line1\nline2\nline3\n" and max(map(len, pieces)) <= 4
        assert answer.complete


def test_1xx_answers_are_skipped_and_bodiless_statuses_have_no_body() -> None:
    with connection(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n",
    ) as (conn, _):
        assert conn.request("DELETE", "/x", None, {}).read() == b"ok"
        answer = conn.request("DELETE", "/x", None, {})
        assert (answer.status, answer.read(), answer.complete) == (204, b"", True)
        head = conn.request("HEAD", "/x", None, {})
        assert (head.status, head.read()) == (200, b"")


def test_a_body_that_ends_with_the_connection() -> None:
    with connection(b"HTTP/1.0 200 OK\r\nX-A: 1\r\nX-A: 2\r\n\r\nuntil the end", None) as (
        conn,
        _,
    ):
        answer = conn.request("GET", "/", None, {})
        assert answer.will_close and answer.getheader("x-a") == "1, 2"
        assert answer.read() == b"until the end"


def test_a_server_that_closes_without_answering_is_disconnected() -> None:
    with connection(None) as (conn, _), pytest.raises(Disconnected):
        conn.request("GET", "/", None, {})


@pytest.mark.parametrize(
    "reply",
    [
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
    ],
)
def test_an_answer_that_is_not_http_is_a_protocol_error(reply: bytes) -> None:
    with connection(reply, None) as (conn, _), pytest.raises(ProtocolError):
        conn.request("GET", "/", None, {}).read()


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
def test_an_answer_cut_short_is_a_protocol_error_not_a_short_body(reply: bytes) -> None:
    with connection(reply, None) as (conn, _):
        answer = conn.request("GET", "/", None, {})
        with pytest.raises(ProtocolError):
            answer.read()


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/a b", {}),
        ("/a\r\nX-Injected: 1", {}),
        ("/a", {"Authorization": "Bearer x\r\nX-Injected: 1"}),
        ("/a", {"X-Bad\n": "1"}),
    ],
)
def test_line_breaks_never_reach_the_wire(path: str, headers: dict[str, str]) -> None:
    # Nothing listens on the port: a request that were sent would fail to connect instead.
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    conn = Connection("127.0.0.1", port, timeout=10)
    with pytest.raises(ValueError, match="invalid character"):
        conn.request("GET", path, None, headers)
