"""Which cluster and namespace the screen shows, and what RBAC lets the user patch there."""

from __future__ import annotations

from ...core import errors
from ...core.kinds import KINDS
from ...core.ports import SERVICES, Resource
from ...core.values import field, value
from ...core.workloads import namespace_names
from ..cluster import Connector, Gateway

PATCHED: tuple[Resource, ...] = (*(k.resource for k in KINDS), SERVICES)
"""Every resource the app may patch (the workload kinds, and Services for blue/green
switches): asked with one access review each."""

Answer = tuple[str, bool, str]
"""(plural, may patch, reason) from a SelfSubjectAccessReview."""


@value
class Choice:
    """What the namespace or context picker offers."""

    title: str
    names: list[str]
    current: str | None


@value(frozen=False)
class ConnectionController:
    """The connection, the generation its answers belong to, and the RBAC cache.

    ``generation`` grows with every namespace or context the user opens: an answer
    from a worker carries the generation it was asked in and is dropped when stale.
    """

    connector: Connector
    requested_context: str | None = None
    requested_namespace: str | None = None
    gw: Gateway | None = None
    namespace: str = ""
    generation: int = 0
    error: str | None = None
    """Why the last connection failed (None: connected or connecting)."""
    permission: dict[tuple[str, str, str], tuple[bool, str]] = field(default_factory=dict)
    """(context, namespace, plural) -> (may patch, reason), from SelfSubjectAccessReviews."""

    # -- worker side (blocking) --------------------------------------------------
    def connect(self, context: str | None, namespace: str | None) -> Gateway:
        return self.connector.connect(context, namespace)

    def namespace_choice(self, gw: Gateway) -> Choice:
        """The namespaces to pick from (blocking; errors: RollbackError)."""
        return Choice("Namespace", namespace_names(gw), self.namespace)

    def context_choice(self) -> Choice:
        """The kubeconfig's contexts to pick from (blocking; errors: RollbackError)."""
        names, current = self.connector.contexts()
        return Choice("Context", names, self.gw.context if self.gw else current)

    @staticmethod
    def check_permissions(gw: Gateway, namespace: str) -> tuple[Answer, ...]:
        answers: list[Answer] = []
        for resource in PATCHED:
            plural = resource.plural
            try:
                allowed, reason = gw.can_i("patch", resource, namespace)
            except errors.RollbackError:
                continue  # cannot tell: let the request itself say (a 403 is shown as an error)
            answers.append((plural, allowed, reason))
        return tuple(answers)

    # -- UI side --------------------------------------------------------------------
    @property
    def context(self) -> str:
        return self.gw.context if self.gw else ""

    @property
    def connected(self) -> bool:
        return self.gw is not None and self.error is None

    def next_generation(self) -> int:
        self.generation += 1
        return self.generation

    def reconnect(self) -> int:
        """The generation of a new attempt with the context and namespace asked for."""
        return self.next_generation()

    def switch_context(self, context: str) -> int:
        self.requested_context = context
        self.requested_namespace = None
        return self.next_generation()

    def connected_to(self, gw: Gateway, generation: int) -> bool:
        """Take a new connection (False: it answers a stale attempt and was closed)."""
        if generation != self.generation:
            gw.close()
            return False
        if self.gw is not None and self.gw is not gw:
            self.gw.close()
        self.gw = gw
        self.error = None
        return True

    def failed(self, error: str, generation: int) -> bool:
        """Record a failed connection (False: a stale attempt, ignored)."""
        if generation != self.generation:
            return False
        self.error = error
        return True

    def open_namespace(self, namespace: str) -> tuple[int, bool]:
        """(generation, whether RBAC must be asked) for opening ``namespace``."""
        self.namespace = namespace
        known = (self.context, namespace, "deployments") in self.permission
        return self.next_generation(), not known

    def permissions_checked(self, namespace: str, answers: tuple[Answer, ...]) -> bool:
        """Store the answers; True when what the screen says changed: a refusal came, went or
        says another reason (an allowed answer says what unknown said: allowed)."""
        changed = False
        for plural, allowed, reason in answers:
            key = (self.context, namespace, plural)
            was_allowed, was_reason = self.permission.get(key, (True, ""))
            changed |= was_allowed != allowed or (not allowed and was_reason != reason)
            self.permission[key] = (allowed, reason)
        return changed

    def may_patch(self, plural: str) -> tuple[bool, str]:
        """(may patch ``plural`` in the open namespace, reason); unknown counts as allowed."""
        return self.permission.get((self.context, self.namespace, plural), (True, ""))

    def refused(self, plural: str, shown: str | None = None) -> str | None:
        """Why RBAC refuses patching ``plural`` here (None: allowed or unknown)."""
        allowed, reason = self.may_patch(plural)
        if allowed:
            return None
        why = f" ({reason})" if reason else ""
        return f"RBAC: you may not patch {shown or plural} in namespace {self.namespace}{why}"
