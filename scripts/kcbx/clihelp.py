"""Help pages laid out by the width a terminal gives each character: a Chinese character (or
full-width mark) takes two columns, where click's own formatter counts one. With click's
layout a help line of Chinese ran to twice the terminal's width and the terminal broke it
anywhere, descriptions beside ``--config 路径`` started a column late, and the lines of one
paragraph were joined with a space ("结束。 设置了").

:class:`ChineseFormatter` keeps click's rules — paragraphs, ``\\b`` for lines kept as
written, a definition list for options — measured in terminal columns (``rich.cells``):
Chinese breaks between any two characters except before a closing mark (，。）…) or after
an opening one (（《…), and a Latin word or an option name is never cut."""

from __future__ import annotations

import inspect
import re
import unicodedata
from collections.abc import Iterable

import click
from rich.cells import cell_len

CLOSING = set("，。、；：？！）》」』”’…—％%,.;:?!)]}")  # never at the start of a line
OPENING = set("（《「『“‘([{")  # never at the end of a line
_TOKEN = re.compile(r"\s+|[\x21-\x7e]+|.", re.S)  # spaces, a Latin word, one character


def _wide(char: str) -> bool:
    return cell_len(char) == 2


def _tokens(text: str) -> list[str]:
    """Pieces no line break may enter: a Latin word, one Chinese character with the closing
    marks after it and the opening marks before it, or a run of spaces."""
    out: list[str] = []
    glue = False  # the last piece ended with an opening mark: the next one joins it
    for piece in _TOKEN.findall(text):
        if out and not piece.isspace() and (glue or piece[0] in CLOSING) and not out[-1].isspace():
            out[-1] += piece
        else:
            out.append(piece)
        glue = not piece.isspace() and piece[-1] in OPENING
    return out


def wrap(text: str, width: int, hang: int = 0) -> list[str]:
    """``text`` (one paragraph, no newlines) in lines of at most ``width`` columns, the lines
    after the first indented by ``hang``; spaces inside a line are kept (aligned examples); a
    piece wider than a whole line is cut by characters."""
    lines: list[str] = []
    line, used = "", 0

    def end_line() -> None:
        nonlocal line, used
        lines.append(line.rstrip())
        line, used = " " * hang, hang

    for piece in _tokens(text):
        size = cell_len(piece)
        if piece.isspace():
            if line.strip():
                line, used = line + piece, used + size
            continue
        if used + size > width and line.strip():
            end_line()
        while used + size > width:  # a URL or path longer than the line
            cut = ""
            for char in piece:
                if used + cell_len(cut + char) > width:
                    break
                cut += char
            cut = cut or piece[0]
            line += cut
            end_line()
            piece = piece[len(cut):]
            size = cell_len(piece)
        line, used = line + piece, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _tight(left: str, right: str) -> bool:
    """No space between these two characters where a line was broken: two Chinese ones, or a
    full-width mark beside anything ("文件夹的 documents/", but "、.xls）")."""
    return (_wide(left) and _wide(right)) or any(
        not c.isascii() and unicodedata.category(c).startswith("P") for c in (left, right))


def join_lines(lines: list[str]) -> str:
    """The lines of one paragraph as one, as the author spaced them: a space where Latin
    meets Latin or Chinese, none between Chinese characters or beside a full-width mark."""
    text = ""
    for line in (line.strip() for line in lines):
        if text and line and not _tight(text[-1], line[0]):
            text += " "
        text += line
    return text


_NEW_ITEM = ("- ", "kcbx ", "例：")
_COLUMN = re.compile(r"\S {2,}(?=\S)")


def _items(lines: list[str]) -> list[tuple[int, int, str]]:
    """The lines of a ``\\b`` block as its items: (indent, hanging indent, text). A line goes
    on with the item before when it is indented as that item's continuation, starts no new
    item (``- ``, ``kcbx ``, ``例：``) and the break falls between two Chinese characters —
    a line broken by hand; anything else (aligned columns, lists) stays a line of its own."""
    items: list[tuple[int, int, str]] = []
    for line in lines:
        indent, text = len(line) - len(line.lstrip()), line.strip()
        if items:
            first, hang, before = items[-1]
            if (indent == hang and not text.startswith(_NEW_ITEM)
                    and _wide(before[-1]) and _wide(text[0])):
                items[-1] = (first, hang, before + text)
                continue
        column = _COLUMN.search(text)  # "path    what it is": go on under "what it is"
        hang = 2 if text.startswith("- ") else cell_len(text[:column.end()]) if column else 0
        items.append((indent, indent + hang, text))
    return items


def wrap_text(text: str, width: int, indent: str = "") -> str:
    """click's ``wrap_text`` with ``preserve_paragraphs``, in terminal columns: a paragraph is
    joined and wrapped; one whose first line is ``\\b`` keeps its lines as written (lines
    broken by hand between Chinese characters joined again), each wrapped only where it is
    wider than the terminal."""
    paragraphs: list[list[str]] = [[]]
    for line in text.expandtabs().splitlines():
        if line.strip():
            paragraphs[-1].append(line.rstrip())
        elif paragraphs[-1]:
            paragraphs.append([])
    out: list[str] = []
    for lines in filter(None, paragraphs):
        if lines[0].strip() == "\b":
            items = _items(lines[1:])
        else:
            first = len(lines[0]) - len(lines[0].lstrip())
            items = [(first, first, join_lines(lines))]
        for first, hang, item in items:
            room = max(width - len(indent) - first, 10)
            out += [indent + " " * first + line for line in wrap(item, room, hang - first)]
        out.append("")
    return "\n".join(out[:-1])


def short_help(command: click.Command) -> str:
    """A command's line in its group's list: its own ``short_help``, else the first sentence
    of its help joined as written (click's joins every line with a space and cuts at 80
    characters, in the middle of a Chinese sentence)."""
    if command.short_help:
        return command.short_help
    text = inspect.cleandoc((command.help or "").split("\f")[0])
    first = join_lines([line for line in text.split("\n\n")[0].splitlines() if line.strip() != "\b"])
    end = first.find("。")
    return first[:end + 1] if end >= 0 else first


_EXTRA = re.compile(r"\s*\[([^\[\]]*)\]$")
_EXTRA_WORDS = (("default: ", "默认："), ("env var: ", "环境变量："), ("required", "必填"))


def chinese_extra(help_text: str) -> str:
    """click's ``[default: all; required]`` after an option's help, in Chinese."""
    match = _EXTRA.search(help_text)
    if not match:
        return help_text
    extra = match.group(1)
    for english, chinese in _EXTRA_WORDS:
        extra = extra.replace(english, chinese)
    return f"{help_text[:match.start()]}（{extra.replace('; ', '；')}）"


class ChineseFormatter(click.HelpFormatter):
    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap_text(text, self.width, indent) + "\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((cell_len(first) for first, _ in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for first, second in rows:
            self.write(indent + first)
            if not second:
                self.write("\n")
                continue
            if cell_len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - cell_len(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_text(second, max(self.width - first_col - self.current_indent, 10)).splitlines()
            self.write((lines[0] if lines else "") + "\n")
            for line in lines[1:]:
                self.write(" " * (first_col + self.current_indent) + line + "\n")


class Context(click.Context):
    formatter_class = ChineseFormatter
