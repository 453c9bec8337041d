"""Which revision to roll back to: target specs, their parser, and the choice with its reasons."""

from __future__ import annotations

import re
from typing import Literal

from .errors import (
    AmbiguousTarget,
    NoHealthyTarget,
    NoHistory,
    TargetIsCurrent,
    TargetNotFound,
    UsageError,
)
from .model import PlanWarning, Revision, RevisionHistory, Verdict
from .values import value

TargetKind = Literal["default", "revision", "replicaset", "hash", "image"]

# pod-template-hash values use this alphabet (the controller's SafeEncodeString).
_HASH_RE = re.compile(r"^[bcdfghjklmnpqrstvwxz2456789]{1,10}$")
_PREFIXES: dict[str, TargetKind] = {
    "revision": "revision",
    "rev": "revision",
    "rs": "replicaset",
    "cr": "replicaset",
    "controllerrevision": "replicaset",
    "replicaset": "replicaset",
    "hash": "hash",
    "image": "image",
}


@value
class TargetSpec:
    """What the user asked to roll back to.

    ``kind`` "default" means "the newest healthy revision below the current";
    "image" matches a revision whose images contain ``value`` (in container
    ``container`` when given).
    """

    kind: TargetKind
    value: str | None = None
    container: str | None = None

    @classmethod
    def default(cls) -> TargetSpec:
        return cls("default")

    @classmethod
    def revision(cls, number: int) -> TargetSpec:
        return cls("revision", str(number))

    @classmethod
    def replicaset(cls, name: str) -> TargetSpec:
        return cls("replicaset", name)

    @classmethod
    def template_hash(cls, value: str) -> TargetSpec:
        return cls("hash", value)

    @classmethod
    def image(cls, reference: str, container: str | None = None) -> TargetSpec:
        return cls("image", reference, container)

    @property
    def explicit(self) -> bool:
        return self.kind != "default"

    @property
    def display(self) -> str:
        if self.kind == "default":
            return "the default target"
        if self.kind == "revision":
            return f"revision {self.value}"
        if self.kind == "replicaset":
            return f'ReplicaSet "{self.value}"'
        if self.kind == "hash":
            return f'pod-template-hash "{self.value}"'
        if self.container:
            return f'image "{self.container}={self.value}"'
        return f'image "{self.value}"'


def parse_target(text: str | None, *, deployment: str | None = None) -> TargetSpec:
    """Recognise a target written by a user.

    - empty/None: the default target;
    - ``kind:value`` with kind revision/rev, rs/replicaset (cr/controllerrevision
      for StatefulSets and DaemonSets), hash, image: explicit;
    - digits: a revision number;
    - ``<deployment>-...`` (or anything with a ``-`` and no image punctuation): a ReplicaSet name;
    - ``container=image`` or text containing ``:``, ``@`` or ``/``: an image reference;
    - a word in the pod-template-hash alphabet: a hash;
    - anything else: an image (e.g. ``nginx``).

    Raises UsageError for an explicit prefix with an empty value or a negative number.
    """
    if text is None or not text.strip():
        return TargetSpec.default()
    text = text.strip()
    prefix, sep, rest = text.partition(":")
    if sep and prefix.lower() in _PREFIXES:
        kind = _PREFIXES[prefix.lower()]
        if not rest:
            raise UsageError(f"empty target after {prefix}:")
        if kind == "revision":
            return _revision_spec(rest)
        if kind == "image":
            return _image_spec(rest)
        return TargetSpec(kind, rest)
    if text.isdigit() or (text.startswith("-") and text[1:].isdigit()):
        return _revision_spec(text)
    if deployment and text.startswith(f"{deployment}-") and not any(c in text for c in ":@/="):
        return TargetSpec.replicaset(text)
    if any(c in text for c in ":@/="):
        return _image_spec(text)
    if _HASH_RE.match(text):
        return TargetSpec.template_hash(text)
    if "-" in text:
        return TargetSpec.replicaset(text)
    return TargetSpec.image(text)


def _revision_spec(text: str) -> TargetSpec:
    try:
        number = int(text)
    except ValueError:
        raise UsageError(f"invalid revision {text!r}: not a number") from None
    if number < 0:
        raise UsageError(f"unable to find specified revision {number} in history")
    if number == 0:  # as --to-revision 0: a usage error, not a lookup
        raise UsageError("--to must be a positive revision number, got 0")
    return TargetSpec.revision(number)


def _image_spec(text: str) -> TargetSpec:
    container, sep, image = text.partition("=")
    if sep and container and image and not any(c in container for c in ":@/"):
        return TargetSpec.image(image, container)
    return TargetSpec.image(text)


@value
class TargetChoice:
    """The revision chosen, why, and what plain ``kubectl rollout undo`` would have picked.

    ``kubectl_would_pick`` is set only when it differs from ``revision``
    (always None for explicit targets: kubectl would go where it is told).
    ``warnings`` carry the fallback and "target has failure evidence" cases.
    """

    revision: Revision
    spec: TargetSpec
    why: tuple[str, ...]
    kubectl_would_pick: Revision | None
    warnings: tuple[PlanWarning, ...] = ()


def kubectl_default(history: RevisionHistory) -> Revision | None:
    """What ``kubectl rollout undo`` (no --to-revision) picks: the second-highest
    revision number."""
    ordered = sorted(history.revisions, key=lambda r: r.number, reverse=True)
    if len(ordered) < 2:
        return None
    return ordered[1]


def _evidence_text(revision: Revision) -> str:
    return f"{revision.health.value}: {revision.health_reason}"


def _label(revision: Revision) -> str:
    return f"revision {revision.number} ({revision.object_name}, {revision.image_summary})"


def _ceiling(history: RevisionHistory) -> int:
    # Without a current ReplicaSet (template changed, not yet rolled out) every
    # existing revision is older than what the Deployment asks for.
    if history.current is not None:
        return history.current.number
    return max((r.number for r in history.revisions), default=0) + 1


def choose_target(
    history: RevisionHistory,
    spec: TargetSpec | None = None,
    *,
    require_healthy: bool = False,
    allow_current: bool = False,
) -> TargetChoice:
    """Choose the revision to roll back to.

    Default: the newest revision below the current one with success evidence,
    skipping (and saying why) revisions with failure or no evidence. When none
    has success evidence: the newest one below the current without failure
    evidence, with a "fallback" warning (NoHealthyTarget when
    ``require_healthy``, or when every older revision has failure evidence).
    Explicit targets may name a failed revision (with a warning). An explicit
    target that resolves to the current revision raises TargetIsCurrent unless
    ``allow_current`` (then the plan is a kubectl-style "skipped rollback").
    """
    spec = spec or TargetSpec.default()
    if not history.revisions:
        raise NoHistory(_no_history(history))
    if spec.explicit:
        return _explicit(history, spec, allow_current=allow_current)
    return _default(history, spec, require_healthy=require_healthy)


def _default(history: RevisionHistory, spec: TargetSpec, *, require_healthy: bool) -> TargetChoice:
    ceiling = _ceiling(history)
    below = sorted(
        (r for r in history.revisions if not r.current and r.number < ceiling),
        key=lambda r: r.number,
        reverse=True,
    )
    if not below:
        raise NoHistory(_no_history(history))
    kubectl = kubectl_default(history)
    why: list[str] = []
    for revision in below:
        verdict = revision.health
        if verdict is Verdict.SUCCESS:
            why.insert(
                0,
                f"{_label(revision)} is the newest revision before {ceiling} with evidence of "
                f"success: {revision.health_reason}",
            )
            return TargetChoice(revision, spec, tuple(why), _differs(kubectl, revision))
        if verdict is Verdict.FAILURE:
            why.append(f"revision {revision.number} skipped: failure: {revision.health_reason}")
        else:
            why.append(f"revision {revision.number} skipped: no evidence of success")
    if require_healthy:
        raise NoHealthyTarget(
            f"no revision before {ceiling} of {history.ref.display} has evidence of success; "
            "nothing was changed (a healthy target was required)"
        )
    eligible = [r for r in below if r.health is not Verdict.FAILURE]
    if not eligible:
        raise NoHealthyTarget(
            f"every revision before {ceiling} of {history.ref.display} has evidence of failure; "
            "name one explicitly (e.g. --to-revision) to roll back anyway"
        )
    chosen = eligible[0]
    if chosen is below[0]:
        message = (
            f"no revision before {ceiling} has evidence of success; falling back to the previous "
            f"revision {chosen.number}, as kubectl rollout undo would"
        )
    else:
        message = (
            f"no revision before {ceiling} has evidence of success; falling back to revision "
            f"{chosen.number}, the newest one without evidence of failure"
        )
    why.insert(0, message)
    return TargetChoice(
        chosen, spec, tuple(why), _differs(kubectl, chosen), (PlanWarning("fallback", message),)
    )


def _no_history(history: RevisionHistory) -> str:
    """kubectl's words when there is nothing to roll back to (each kind has its own)."""
    return history.no_history_message


def _differs(kubectl: Revision | None, chosen: Revision) -> Revision | None:
    if kubectl is None or kubectl.object_name == chosen.object_name:
        return None
    return kubectl


def _explicit(history: RevisionHistory, spec: TargetSpec, *, allow_current: bool) -> TargetChoice:
    matches = _matches(history, spec)
    if len(matches) > 1:
        # An image may also be running now; the user means the other one.
        older = [r for r in matches if not r.current]
        matches = older if older else matches
    if len(matches) > 1:
        listed = ", ".join(_label(r) for r in matches)
        raise AmbiguousTarget(
            f"{spec.display} matches {len(matches)} revisions of {history.ref.display}: {listed}; "
            "name one by revision number or ReplicaSet name"
        )
    if not matches:
        raise TargetNotFound(_not_found(history, spec))
    chosen = matches[0]
    why = [f"{_label(chosen)} was named explicitly ({spec.display})"]
    if chosen.former_numbers:
        formers = ", ".join(str(n) for n in chosen.former_numbers)
        why.append(f"revision {chosen.number} was formerly revision {formers}")
    warnings: list[PlanWarning] = []
    if chosen.current and not allow_current:
        raise TargetIsCurrent(
            f"{spec.display} is revision {chosen.number} ({chosen.object_name}), "
            f"the current revision of {history.ref.display}; there is nothing to roll back to"
        )
    if chosen.health is Verdict.FAILURE:
        message = (
            f"revision {chosen.number} has evidence of failure ({chosen.health_reason}); "
            "rolling back to it because it was named explicitly"
        )
        why.append(message)
        warnings.append(PlanWarning("target-failed", message))
    else:
        why.append(f"evidence: {_evidence_text(chosen)}")
    return TargetChoice(chosen, spec, tuple(why), None, tuple(warnings))


def _matches(history: RevisionHistory, spec: TargetSpec) -> list[Revision]:
    value = spec.value or ""
    if spec.kind == "revision":
        number = int(value)
        return [r for r in history.revisions if r.number == number]
    if spec.kind == "replicaset":
        return [r for r in history.revisions if r.object_name == value]
    if spec.kind == "hash":
        exact = [r for r in history.revisions if r.pod_template_hash == value]
        return exact or [r for r in history.revisions if r.pod_template_hash.startswith(value)]
    return [
        r
        for r in history.revisions
        if any(
            i.image == value and (spec.container is None or i.container == spec.container)
            for i in r.images
        )
    ]


def _not_found(history: RevisionHistory, spec: TargetSpec) -> str:
    if spec.kind == "revision":
        number = int(spec.value or "0")
        message = f"unable to find specified revision {number} in history"
        renumbered = next((r for r in history.revisions if number in r.former_numbers), None)
        if renumbered is not None:
            message += f" (it was renumbered: it is now revision {renumbered.number})"
        return message
    known = {
        "replicaset": f"{_object_kind(history)}s: "
        + ", ".join(r.object_name for r in history.revisions),
        "hash": "hashes: " + ", ".join(r.pod_template_hash for r in history.revisions),
        "image": "images: " + ", ".join(sorted({r.image_summary for r in history.revisions})),
    }[spec.kind]
    return f"no revision of {history.ref.display} matches {spec.display} ({known})"


def _object_kind(history: RevisionHistory) -> str:
    return history.revisions[0].object_kind if history.revisions else "ReplicaSet"
