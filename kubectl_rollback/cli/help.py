"""A command's help page from its declarations (spec.py), as Typer and Click draw it.

`kubectl rollback [COMMAND] --help` is answered here without importing Typer and Click
(about 250 million instructions, 80% of the page's time): the same usage line, text,
Arguments and Options sections, wrapped to the same width by the same rules (Click's
HelpFormatter: the terminal's width clamped to 78, paragraphs rewrapped unless marked
with `\\b`, a definition list whose first column is at most 30 wide, `[default: ...]` as
Click words it). tests/cli/test_help_page.py holds every page to the one Typer draws, at
every width Click can choose.
"""

from __future__ import annotations

import shutil
import textwrap

from .spec import Command, Param

_METAVARS = {str: "TEXT", int: "INTEGER", float: "FLOAT"}


def _cleandoc(doc: str) -> str:
    """``inspect.cleandoc(doc)``, as Click cleans a command's help, without importing inspect
    (ast, dis and tokenize with it: more than a help page's own time)."""
    lines = doc.expandtabs().split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.lstrip()]
    margin = min(indents, default=0)
    lines = [lines[0].lstrip()] + [line[margin:] for line in lines[1:]]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


def page(command: Command, prog: str, width: int | None = None) -> str:
    """The help of `command` run as `prog`, without its final newline."""
    if width is None:
        width = max(min(shutil.get_terminal_size().columns, 80) - 2, 50)
    out: list[str] = [_usage(prog, command, width)]
    text = _cleandoc(command.help).partition("\f")[0]
    if text:
        out.append("\n" + _wrap_paragraphs(text, width, "  ") + "\n")
    arguments = [_argument_record(p) for p in command.params if p.argument]
    options = [_option_record(p) for p in command.params if not p.argument]
    options.append(("-h, --help", "Show this message and exit."))
    for title, records in (("Arguments", arguments), ("Options", options)):
        if records:
            out.append(f"\n{title}:\n" + _definitions(records, width, 2))
    return "".join(out).rstrip("\n")


def _usage(prog: str, command: Command, width: int) -> str:
    pieces = ["[OPTIONS]"] + [_argument_metavar(p) for p in command.params if p.argument]
    prefix = f"Usage: {prog} "
    if width >= len(prefix) + 20:
        return _wrapper(width, prefix, " " * len(prefix)).fill(" ".join(pieces)) + "\n"
    indent = " " * (len("Usage: ") + 4)
    return prefix + "\n" + _wrapper(width, indent, indent).fill(" ".join(pieces)) + "\n"


def _argument_metavar(param: Param) -> str:
    name = param.name.upper()
    return (name if param.required else f"[{name}]") + ("..." if param.many else "")


def _argument_record(param: Param) -> tuple[str, str]:
    extra = "[required]" if param.required else ""
    text = f"{param.help}  {extra}" if param.help and extra else param.help or extra
    return _argument_metavar(param), text


def _option_record(param: Param) -> tuple[str, str]:
    on, off = param.spellings()
    spellings = []
    for group in (on, off):
        if group:
            joined = ", ".join(sorted(group, key=lambda s: len(s) - len(s.lstrip("-"))))
            if not param.flag:
                joined += " " + (param.metavar or _METAVARS[param.type])
            spellings.append(joined)
    default = _default_text(param)
    text = param.help
    if default:
        text = f"{text}  [default: {default}]" if text else f"[default: {default}]"
    return " / ".join(spellings), text


def _default_text(param: Param) -> str:
    """The default as Click shows it (Typer shows every option's): nothing for None or an
    unset flag, the spelling's word for a switch (`wait`), `""` for an empty string."""
    default = param.default
    if default is None or param.eager:
        return ""
    if param.flag:
        on, off = param.spellings()
        if not off:
            return "" if not default else str(default)
        return (on if default else off)[0].lstrip("-")
    if default == "":
        return '""'
    return str(default)


def _definitions(records: list[tuple[str, str]], width: int, indent: int) -> str:
    first_col = min(max(len(first) for first, _ in records), 30) + 2
    text_width = max(width - first_col - 2, 10)
    out: list[str] = []
    for first, second in records:
        out.append(" " * indent + first)
        if not second:
            out.append("\n")
            continue
        if len(first) <= first_col - 2:
            out.append(" " * (first_col - len(first)))
        else:
            out.append("\n" + " " * (first_col + indent))
        lines = _wrap_paragraphs(second, text_width, "").splitlines()
        if not lines:
            out.append("\n")
            continue
        out.append(lines[0] + "\n")
        out.extend(" " * (first_col + indent) + line + "\n" for line in lines[1:])
    return "".join(out)


class _Wrapper(textwrap.TextWrapper):
    def _handle_long_word(
        self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int
    ) -> None:
        # Click's: a word longer than the line is cut at the line's end, hyphens or not.
        space_left = max(width - cur_len, 1)
        if self.break_long_words:
            last = reversed_chunks[-1]
            cur_line.append(last[:space_left])
            reversed_chunks[-1] = last[space_left:]
        elif not cur_line:
            cur_line.append(reversed_chunks.pop())


def _wrapper(width: int, initial: str, subsequent: str) -> _Wrapper:
    return _Wrapper(
        width, initial_indent=initial, subsequent_indent=subsequent, replace_whitespace=False
    )


def _wrap_paragraphs(text: str, width: int, indent: str) -> str:
    """Paragraphs (split at empty lines) rewrapped, each keeping its first line's indent; a
    paragraph whose first line is `\\b` keeps its lines as they are."""
    paragraphs: list[tuple[int, bool, str]] = []
    lines: list[str] = []
    first_indent: int | None = None

    def flush() -> None:
        if lines:
            if lines[0].strip() == "\b":
                paragraphs.append((first_indent or 0, True, "\n".join(lines[1:])))
            else:
                paragraphs.append((first_indent or 0, False, " ".join(lines)))
            lines.clear()

    for line in text.expandtabs().splitlines():
        if not line:
            flush()
            first_indent = None
            continue
        if first_indent is None:
            stripped = line.lstrip()
            first_indent = len(line) - len(stripped)
            line = stripped
        lines.append(line)
    flush()
    out = []
    for extra, raw, body in paragraphs:
        lead = indent + " " * extra
        if raw:
            out.append("\n".join(lead + line for line in body.splitlines()))
        else:
            out.append(_wrapper(width, lead, lead).fill(body))
    return "\n\n".join(out)
