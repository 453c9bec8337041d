"""API errors as the real API server reports them (Status objects)."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered as a `Status` object with the real reason, message and code."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def not_found(qualified: str, name: str, group: str = "", plural: str = "") -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'{qualified} "{name}" not found',
        {"name": name, "group": group, "kind": plural or qualified.split(".")[0]},
    )


def already_exists(qualified: str, name: str, group: str = "", plural: str = "") -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{qualified} "{name}" already exists',
        {"name": name, "group": group, "kind": plural or qualified.split(".")[0]},
    )


def conflict(qualified: str, name: str, group: str = "", plural: str = "") -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        {"name": name, "group": group, "kind": plural or qualified.split(".")[0]},
    )


def invalid(kind: str, name: str, group: str, causes: list[tuple[str, str]]) -> ApiError:
    """422 Invalid; causes are (field, message) pairs, e.g. ("spec.selector", "Required value")."""
    text = "; ".join(f"{field}: {msg}" for field, msg in causes) or "invalid"
    return ApiError(
        422,
        "Invalid",
        f'{kind}.{group} "{name}" is invalid: {text}'
        if group
        else f'{kind} "{name}" is invalid: {text}',
        {
            "name": name,
            "group": group,
            "kind": kind,
            "causes": [
                {"reason": "FieldValueInvalid", "message": m, "field": f} for f, m in causes
            ],
        },
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def forbidden(
    user: str,
    verb: str,
    plural: str,
    group: str,
    namespace: str | None,
    name: str = "",
    subresource: str = "",
) -> ApiError:
    where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    res = f"{plural}.{group}" if group else plural
    named = f' "{name}"' if name else ""
    resource = f"{plural}/{subresource}" if subresource else plural
    return ApiError(
        403,
        "Forbidden",
        f'{res}{named} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
        f'in API group "{group}"{where}',
        {"name": name, "group": group, "kind": plural},
    )
