"""A kubeconfig reader that needs no import of PyYAML, for the YAML kubeconfigs are written in.

`read(text)` gives exactly what ``yaml.load(text, Loader=yaml.CSafeLoader)`` gives, or
`DECLINED` when the text uses anything it does not read with certainty; the caller then loads
it with PyYAML as before. Importing PyYAML alone costs more than a one-shot command's whole
cluster work, and a kubeconfig is all the YAML such a command reads.

What it reads: what kubectl (`kubectl config`, client-go), kind, kubeadm, k3s, minikube and
the EKS/GKE/AKS command-line tools write. Block mappings; block sequences, indented or at the
level of their key, with the compact ``- key: value`` form; single-line plain scalars,
single-quoted ones (``''``) and double-quoted ones with YAML's escapes; comments and blank
lines; one leading ``---``; the empty flow collections ``{}`` and ``[]`` (``preferences: {}``);
CRLF line ends. A document that starts with ``{`` is read as JSON (kubectl accepts JSON
kubeconfigs), with JSON's few differences from YAML 1.1 declined.

Plain scalars of a mapping may go on over the following lines (indented more than their
key, no blank or comment line between): gcloud writes a long ``installHint`` so.

What it declines: anchors, aliases, tags, block scalars (``|``, ``>``), non-empty flow
collections, quoted scalars that continue on another line, plain ones that do so in a
sequence or after a comment, more than one document, directives,
tabs, merge keys, duplicate keys, complex keys, characters YAML refuses or reads as line
breaks, a byte-order mark, and every plain scalar whose type under PyYAML's YAML 1.1
resolution is not a string, a boolean, a null or a plain decimal integer (floats,
timestamps, octal, hexadecimal, sexagesimal and underscored integers). Scalars are typed by
PyYAML's own implicit resolvers (the patterns below are its resolver's, in its order).

Standard library only.
"""

from __future__ import annotations

import re
from typing import Any, Final


class _Declined:
    """The type of `DECLINED`."""

    def __repr__(self) -> str:
        return "DECLINED"


DECLINED: Final = _Declined()
"""What `read` returns for a text it does not read with certainty (use PyYAML then)."""


class _Decline(Exception):
    pass


# PyYAML's implicit resolvers (yaml/resolver.py) in its order (bool, float, int, merge, null,
# timestamp, value), each tried when a plain scalar starts with one of its characters; the
# first that matches gives the tag. bool, merge, null and value match a few words (below);
# the patterns of float, int and timestamp are compiled only for a scalar that could match.
_BOOLS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = frozenset(("~", "null", "Null", "NULL"))
_FLOAT = r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$"""
_INT = r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"""
_TIMESTAMP = r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
     (?:[Tt]|[ \t]+)[0-9][0-9]?
     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"""
_NUMERIC_START = frozenset("-+0123456789.")
_NUMERIC_CHARACTERS = frozenset("0123456789_:.+-eExXbabcdefABCDEFinfINFtTZ \t")
"""Every character the float, int and timestamp patterns can match (others make a string)."""
_DIGITS = frozenset("0123456789")
_LONGEST_INT = 18  # digits: int() reads them as PyYAML's constructor does, far from any limit

_PRINTABLE_ASCII = frozenset("\n\r" + "".join(map(chr, range(0x20, 0x7F))))
_KEY_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./")
_KEY_CHARACTERS = _KEY_START | {"-"}
_PLAIN_START_REFUSED = frozenset("?:,[]{}#&*!|>'\"%@`")
_LONGEST_KEY = 128  # YAML's simple keys end within 1024 characters: stay far below
_DEEPEST = 64
_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_HEX = frozenset("0123456789abcdefABCDEF")


def _certain_character(char: str) -> bool:
    """Not refused by YAML (PyYAML's reader, libyaml), not a line break but LF and CR (NEL,
    LS, PS), not a tab or a byte-order mark (declined to keep things certain)."""
    code = ord(char)
    return (
        char in _PRINTABLE_ASCII
        or 0xA0 <= code <= 0xD7FF
        and code not in (0x2028, 0x2029)
        or 0xE000 <= code <= 0xFFFD
        and code != 0xFEFF
        or 0x10000 <= code <= 0x10FFFF
    )


def read(text: str) -> Any:
    """The document `text` holds, as PyYAML's C safe loader reads it, or `DECLINED`."""
    if not (
        text.replace("\n", "").replace("\r", "").isprintable()  # ASCII: 0x20-0x7E
        if text.isascii()
        else all(map(_certain_character, set(text)))
    ):
        return DECLINED
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return DECLINED  # a CR alone breaks a line too
        text = text.replace("\r\n", "\n")
    try:
        if text.lstrip(" \n")[:1] == "{":
            return _read_json(text)
        return _Block(text).document()
    except (_Decline, RecursionError):
        return DECLINED


def _read_json(text: str) -> Any:
    import json

    # libyaml refuses escaped surrogates (json joins pairs) and a key whose colon is on
    # another line; long runs of spaces could carry a key past YAML's 1024-character limit.
    if (
        ("\\u" in text and re.search(r"\\u[dD][89a-fA-F]", text))
        or re.search(r"\n *:", text)
        or " " * 200 in text
    ):
        raise _Decline

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items) or any(len(k) > _LONGEST_KEY for k in out):
            raise _Decline
        return out

    def refuse(_: str) -> Any:  # floats: YAML 1.1 reads 1e5 as a string; NaN, Infinity
        raise _Decline

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_float=refuse, parse_constant=refuse)
    except ValueError:  # not JSON (then PyYAML says what is wrong), or an over-long int
        raise _Decline from None


def _plain(raw: str) -> Any:
    """A single-line plain scalar's value, typed as PyYAML's SafeLoader types it."""
    first = raw[0]
    if first in _PLAIN_START_REFUSED or (first == "-" and raw[1:2] in ("", " ")):
        raise _Decline
    if ": " in raw or raw.endswith(":") or " #" in raw:
        raise _Decline
    if len(raw) <= 5 and raw in _BOOLS:
        return _BOOLS[raw]
    if len(raw) <= 4 and raw in _NULLS:
        return None
    if raw in ("<<", "="):
        raise _Decline  # a merge key, a value key
    if first in _NUMERIC_START:
        digits = raw[1:] if first in "-+" else raw
        if (
            digits
            and len(digits) <= _LONGEST_INT
            and set(digits) <= _DIGITS
            and (digits == "0" or digits[0] != "0")
        ):
            return int(raw)  # decimal: no float pattern matches it, the int pattern does
        if set(raw) <= _NUMERIC_CHARACTERS and any(
            re.match(pattern, raw, re.X) for pattern in (_FLOAT, _INT, _TIMESTAMP)
        ):
            raise _Decline  # floats, timestamps, other integer forms
    return raw


def _double_quoted(line: str, start: int) -> tuple[str, int]:
    """The value of the double-quoted scalar at `start` and the index after its closing quote."""
    out: list[str] = []
    i = start + 1
    end = len(line)
    while True:
        j = i
        while j < end and line[j] != '"' and line[j] != "\\":
            j += 1
        out.append(line[i:j])
        if j >= end:
            raise _Decline  # continues on the next line
        if line[j] == '"':
            return "".join(out), j + 1
        code = line[j + 1 : j + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i = j + 2
        elif code in _HEX_ESCAPES:
            digits = line[j + 2 : j + 2 + _HEX_ESCAPES[code]]
            if len(digits) != _HEX_ESCAPES[code] or not set(digits) <= _HEX:
                raise _Decline
            value = int(digits, 16)
            if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
                raise _Decline
            out.append(chr(value))
            i = j + 2 + len(digits)
        else:
            raise _Decline  # an escaped line break, or no escape YAML knows


def _single_quoted(line: str, start: int) -> tuple[str, int]:
    out: list[str] = []
    i = start + 1
    while True:
        j = line.find("'", i)
        if j < 0:
            raise _Decline  # continues on the next line
        out.append(line[i:j])
        if line[j + 1 : j + 2] == "'":
            out.append("'")
            i = j + 2
        else:
            return "".join(out), j + 1


def _quoted(line: str, start: int) -> tuple[str, int]:
    return _double_quoted(line, start) if line[start] == '"' else _single_quoted(line, start)


def _only_comment(rest: str) -> bool:
    """`rest` (what follows a node on its line) holds nothing, or a comment after a space."""
    stripped = rest.lstrip(" ")
    return not stripped or (stripped[0] == "#" and len(stripped) < len(rest))


def _is_entry(content: str) -> bool:
    return content == "-" or content.startswith("- ")


class _Block:
    """A block-style document, line by line: significant lines as (indent, content)."""

    def __init__(self, text: str) -> None:
        self.lines: list[tuple[int, str]] = []
        self.after_gap: set[int] = set()
        """The lines a blank or comment line comes before (no plain scalar continues there)."""
        started = False  # by a `---`
        gap = False
        for line in text.split("\n"):
            content = line.lstrip(" ")
            if not content or content[0] == "#":
                gap = True
                continue
            if gap:
                self.after_gap.add(len(self.lines))
                gap = False
            indent = len(line) - len(content)
            if indent == 0 and (
                content[0] == "%" or (content[:3] in ("---", "...") and content[3:4] in ("", " "))
            ):
                # one leading `---`; directives, document ends and more documents: declined
                first = not (started or self.lines)
                if first and content[:3] == "---" and _only_comment(content[3:]):
                    started = True
                    continue
                raise _Decline
            self.lines.append((indent, content.rstrip(" ")))
        self.pos = 0
        self.depth = 0

    def document(self) -> Any:
        if not self.lines:
            return None
        value = self.node(self.lines[0][0])
        if self.pos != len(self.lines):
            raise _Decline
        return value

    def indent(self) -> int:
        """The indent of the next significant line (-1 at the end)."""
        return self.lines[self.pos][0] if self.pos < len(self.lines) else -1

    def node(self, indent: int) -> Any:
        """The block collection whose first line is the next one (at `indent`)."""
        self.depth += 1
        if self.depth > _DEEPEST:
            raise _Decline
        content = self.lines[self.pos][1]
        value = self.sequence(indent) if _is_entry(content) else self.mapping(indent, content)
        self.depth -= 1
        return value

    def nested(self, indent: int) -> Any:
        """The value of an entry whose line ends after its indicator: a collection on the
        following lines, indented more than `indent`, or null."""
        following = self.indent()
        return self.node(following) if following > indent else None

    def sequence(self, indent: int) -> list[Any]:
        out: list[Any] = []
        while self.indent() == indent and _is_entry(self.lines[self.pos][1]):
            content = self.lines[self.pos][1]
            rest = content[1:].lstrip(" ")
            if not rest or rest[0] == "#":
                self.pos += 1
                out.append(self.nested(indent))
            elif _is_entry(rest):
                raise _Decline  # a sequence in a sequence on one line
            else:
                column = indent + len(content) - len(rest)
                key = self.key(rest)
                if key is not None:
                    out.append(self.mapping(column, rest))
                else:
                    out.append(self.scalar(rest))
                    self.pos += 1
            if self.indent() > indent:
                raise _Decline  # a scalar continued, or a line at no level open here
        return out

    def mapping(self, indent: int, content: str) -> dict[Any, Any]:
        """The mapping at column `indent` whose first entry is `content` (of the next line)."""
        out: dict[Any, Any] = {}
        while True:
            if _is_entry(content):
                raise _Decline  # a sequence entry where a key belongs
            found = self.key(content)
            if found is None:
                raise _Decline  # a scalar alone on its line: continues a scalar, or no key
            key, rest = found
            if key in out:
                raise _Decline  # duplicate keys (and keys equal as Python values: 1, True)
            self.pos += 1
            if _only_comment(rest):
                following = self.indent()
                if following == indent and _is_entry(self.lines[self.pos][1]):
                    out[key] = self.sequence(indent)
                else:
                    out[key] = self.nested(indent)
            else:
                out[key] = self.value(indent, rest.lstrip(" "))
            following = self.indent()
            if following > indent:
                raise _Decline  # a scalar continued, or a line at no level open here
            if following < indent:
                return out
            content = self.lines[self.pos][1]

    @staticmethod
    def key(content: str) -> tuple[Any, str] | None:
        """(key, what follows its colon) when `content` starts with `key:`, else None."""
        if content[0] in "\"'":
            value, end = _quoted(content, 0)
            if content[end : end + 1] == ":" and content[end + 1 : end + 2] in ("", " "):
                if end > _LONGEST_KEY:
                    raise _Decline
                return value, content[end + 1 :]
            return None
        colon = content.find(": ")
        if colon < 0:
            if not content.endswith(":"):
                return None
            colon = len(content) - 1
        comment = content.find(" #")
        if 0 <= comment < colon:
            return None  # the colon is in a comment
        raw = content[:colon]
        if not raw or len(raw) > _LONGEST_KEY or raw[0] not in _KEY_START:
            raise _Decline
        if not set(raw) <= _KEY_CHARACTERS:
            raise _Decline
        return _plain(raw), content[colon + 1 :]

    def value(self, indent: int, text: str) -> Any:
        """A mapping value that starts on its key's line: a scalar, or a plain scalar whose
        words go on over the next lines indented more than the key (as gcloud writes a long
        `installHint`), folded as YAML folds them (a space for each line break)."""
        words = []
        while (
            self.pos < len(self.lines)
            and self.lines[self.pos][0] > indent
            and self.pos not in self.after_gap
        ):
            words.append(self.lines[self.pos][1])
            self.pos += 1
        if not words:
            return self.scalar(text)
        for part in (text, *words):
            # Only words YAML cannot read any other way: no quote, indicator or comment.
            if part[0] in _PLAIN_START_REFUSED or part[0] == "-" or " #" in part:
                raise _Decline
        return _plain(" ".join((text, *words)))

    @staticmethod
    def scalar(text: str) -> Any:
        """The value of the scalar (or `{}`, `[]`) that `text` starts with, up to its line's end."""
        first = text[0]
        if first in "\"'":
            value, end = _quoted(text, 0)
            if not _only_comment(text[end:]):
                raise _Decline
            return value
        if first in "{[":
            if text[1:2] != ("}" if first == "{" else "]") or not _only_comment(text[2:]):
                raise _Decline  # a flow collection that is not empty
            return {} if first == "{" else []
        comment = text.find(" #")
        return _plain(text if comment < 0 else text[:comment].rstrip(" "))
