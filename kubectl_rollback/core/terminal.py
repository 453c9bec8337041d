"""Text from the cluster made safe for a terminal: every front end prints through it."""

from __future__ import annotations

import re

# C0 and C1 controls (escape sequences, carriage returns, newlines inside a field), DEL, and
# the Unicode line separators and bidirectional overrides that can disguise text.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """A line as it may reach a terminal: control characters shown as escapes (\\x1b, \\n),
    so values from the cluster (images, change-causes, annotations) cannot forge output."""
    return _UNSAFE.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text
    )


def terminal_lines(text: str) -> str:
    """Several lines (joined by newlines on purpose), each made safe."""
    return "\n".join(terminal_safe(line) for line in text.split("\n"))
