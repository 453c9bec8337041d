"""--notify delivery: one wording on stderr for every guard mode, the secret never shown."""

from __future__ import annotations

import socket

import pytest

from kubectl_rollback.cli import notify


def _closed_port() -> int:
    probe = socket.create_server(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def test_an_unreachable_webhook_is_one_warning_and_a_record_without_the_secret(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hooks/T000/B000/secret-token?key=s3cr3t"
    record = notify.deliver(url, {"kind": "GuardResult"}, "json", "deploy/web healthy")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("warning: --notify http://127.0.0.1:")
    assert err.rstrip().endswith("; the guard's result stands")
    assert "secret" not in err and "s3cr3t" not in err
    assert record["delivered"] is False and "could not be reached" in str(record["error"])
    assert record["url"].endswith("/…") and "secret" not in record["url"]
