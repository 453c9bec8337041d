"""Errors every layer raises, each with a one-line message and the CLI exit code it maps to.

kube/ raises the cluster errors (NotFound ... Invalid) so that the CLI and the
TUI never import ``kubernetes``; the core raises the target errors. The
message of every error is one line, fit to print after ``error: ``.
"""

from __future__ import annotations

EXIT_OK = 0
"""Success, including "skipped rollback" (kubectl exits 0 there too)."""
EXIT_ERROR = 1
"""Any error: no such object, no history, paused, forbidden, conflict..."""
EXIT_USAGE = 2
"""Bad command line (unknown type, unparsable target)."""
EXIT_ROLLED_BACK = 3
"""guard: the rollout failed and was rolled back to the last successful revision (healthy)."""
EXIT_ROLLOUT_FAILED = 4
"""The rollback was applied but the rollout failed or did not finish in time (guard: the
rollback's rollout failed too)."""
EXIT_NOT_ROLLED_BACK = 5
"""guard: the rollout failed and was not rolled back (--no-rollback, or no revision with
evidence of success to go back to)."""


class RollbackError(Exception):
    """Base of every error a user can cause; ``str(error)`` is one line."""

    exit_code: int = EXIT_ERROR
    # False where the change may have been made (a write without an answer): say nothing then.
    nothing_applied: bool = True

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    @property
    def cause(self) -> str:
        """The message without its own "nothing was applied; run again": for quoting inside
        a message that says what was applied itself (never twice, never contradicted)."""
        text = self.message
        for said in ("; nothing was applied; run again", ": nothing was applied; run again"):
            text = text.replace(said, "")
        return text


class UsageError(RollbackError):
    """The command line itself is wrong (exit 2)."""

    exit_code = EXIT_USAGE


class NotFound(RollbackError):
    """The object (or namespace) does not exist (HTTP 404)."""


class Forbidden(RollbackError):
    """RBAC denied the request (HTTP 403)."""


class Unauthorized(RollbackError):
    """The credentials were refused (HTTP 401)."""


class Conflict(RollbackError):
    """The object changed between plan and execution; nothing was applied (HTTP 409/422 on test)."""

    @classmethod
    def changed_since_plan(cls, display: str, planned: str, actual: str | None) -> Conflict:
        now = actual if actual else "..."
        return cls(
            f"{display} was changed since the plan was made "
            f"(resourceVersion {planned} -> {now}); nothing was applied; run again"
        )


class Unreachable(RollbackError):
    """The API server could not be reached (connection refused, DNS, TLS, timeout).

    ``connected`` is False when no connection was made at all (refused, no such host):
    then nothing reached the server, and even a write may be sent again.
    """

    def __init__(self, message: str, *, connected: bool = True) -> None:
        super().__init__(message)
        self.connected = connected


class OutcomeUnknown(Unreachable):
    """A write was sent and no answer came back (connection lost or timed out after sending):
    the server may or may not have applied it. Never resent; the core reads the object back."""

    nothing_applied = False


class ConfigError(RollbackError):
    """kubeconfig unreadable, unknown context, no current context."""


class Invalid(RollbackError):
    """The API server rejected a request as invalid (HTTP 422)."""


class Refused(RollbackError):
    """The plan refuses to run (e.g. a paused Deployment); the message says why."""


class TargetError(RollbackError):
    """Base of the errors of target choice."""


class TargetNotFound(TargetError):
    """No revision matches the requested target."""


class AmbiguousTarget(TargetError):
    """More than one revision matches the requested target."""


class TargetIsCurrent(TargetError):
    """The requested target is the revision already running."""


class NoHistory(TargetError):
    """There is no revision other than the current one."""


class NoHealthyTarget(TargetError):
    """No revision is eligible under the rules (e.g. a healthy target was required)."""


class NotBlueGreen(RollbackError):
    """A Service is not part of a blue/green group (or the group is too ambiguous to switch)."""


class SwitchFailed(RollbackError):
    """A traffic switch failed part-way; the message states exactly what state
    the Services are in."""


class ScaleUpTimeout(RollbackError):
    """The idle side did not become Ready in time after ``--scale-up``; traffic was not switched."""

    exit_code = EXIT_ROLLOUT_FAILED
