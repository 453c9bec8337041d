"""Network and server faults the simulated API server can inject (`kubectl-rollback sim --fault
SPEC`).

    SPEC = "VERB RESOURCE[/NAME] EFFECT [xCOUNT]"

VERB: GET (one object), LIST, WATCH, PATCH, POST, PUT, DELETE, or `*`. RESOURCE: a plural
(deployments, services, ...) or `*`, optionally `/NAME`. EFFECT:

- an HTTP status: 429 (with `Retry-After: 1`), 409, 500, 502 (a proxy's HTML page),
  503, 504, or any other 4xx/5xx (a Status body);
- `reset`: close the connection before the request is applied;
- `lost`: apply the request, then close the connection without answering;
- `delay=SECONDS`: answer after SECONDS;
- for WATCH: `cut` (end the stream after its first event) and `expire` (410 Expired).

COUNT: how many matching requests it hits (default 1; `x0` means every one).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

VERBS = ("GET", "LIST", "WATCH", "PATCH", "POST", "PUT", "DELETE", "*")
_SPEC = re.compile(r"^\s*(\S+)\s+(\S+)\s+(\S+)(?:\s+x(\d+))?\s*$")


class FaultSpecError(ValueError):
    """A --fault that does not parse (a usage error)."""


@dataclass
class Fault:
    verb: str
    plural: str
    name: str | None
    effect: str  # "status", "reset", "lost", "delay", "cut", "expire"
    status: int = 0
    seconds: float = 0.0
    remaining: int = 1  # 0: every matching request
    hits: int = 0

    def matches(self, verb: str, plural: str, name: str | None) -> bool:
        return (
            (self.verb in ("*", verb))
            and self.plural in ("*", plural)
            and (self.name is None or self.name == name)
        )


def parse_fault(spec: str) -> Fault:
    match = _SPEC.match(spec)
    if not match:
        raise FaultSpecError(
            f'invalid fault "{spec}": expected "VERB RESOURCE[/NAME] EFFECT [xCOUNT]"'
        )
    verb, resource, effect, count = match.groups()
    verb = verb.upper()
    if verb not in VERBS:
        raise FaultSpecError(f'invalid fault "{spec}": verb must be one of {", ".join(VERBS)}')
    plural, _, name = resource.partition("/")
    if not re.fullmatch(r"\*|[a-z][a-z0-9]*", plural) or (
        name and not re.fullmatch(r"[a-z0-9][-a-z0-9.]*", name)
    ):
        raise FaultSpecError(
            f'invalid fault "{spec}": resource must be a plural such as deployments, '
            "optionally /NAME"
        )
    fault = Fault(
        verb, plural, name or None, "status", remaining=int(count) if count is not None else 1
    )
    if effect.isdigit():
        fault.status = int(effect)
        if not 400 <= fault.status <= 599:
            raise FaultSpecError(f'invalid fault "{spec}": a status must be 4xx or 5xx')
    elif effect in ("reset", "lost"):
        fault.effect = effect
    elif effect in ("cut", "expire"):
        if verb not in ("WATCH", "*"):
            raise FaultSpecError(f'invalid fault "{spec}": {effect} applies to WATCH')
        fault.effect = effect
    elif effect.startswith("delay="):
        try:
            fault.seconds = float(effect.removeprefix("delay="))
        except ValueError:
            fault.seconds = -1
        if not 0 <= fault.seconds <= 3600:
            raise FaultSpecError(f'invalid fault "{spec}": delay=SECONDS, between 0 and 3600')
        fault.effect = "delay"
    else:
        raise FaultSpecError(
            f'invalid fault "{spec}": effect must be an HTTP status, reset, lost, '
            "delay=SECONDS, cut or expire"
        )
    return fault


class Faults:
    """The faults of one simulated cluster; each request takes the first that matches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault | str) -> Fault:
        parsed = parse_fault(fault) if isinstance(fault, str) else fault
        with self._lock:
            self._faults.append(parsed)
        return parsed

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, verb: str, plural: str, name: str | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(verb, plural, name) and (
                    fault.remaining == 0 or fault.hits < fault.remaining
                ):
                    fault.hits += 1
                    return fault
        return None
