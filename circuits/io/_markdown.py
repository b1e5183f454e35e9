"""Markdown for the reports' ``_repr_markdown_`` (how Jupyter shows them): table cells kept on
one line with their ``|`` escaped, and the two-column tables of a fuzz report and a
certificate."""

from __future__ import annotations

__all__ = ["markdown_cell", "markdown_table"]


def markdown_cell(text: object) -> str:
    """``text`` on one line (runs of whitespace become one space) with ``|`` escaped, so it
    cannot end a table cell early; other Markdown (``**bold**``) is kept.

    >>> markdown_cell("a | b\\n c")
    'a \\\\| b c'
    """
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown_table(title: str, rows: list[tuple[str, str]]) -> str:
    """A two-column Markdown table headed ``title``, one row per (key, value).

    >>> print(markdown_table("fuzz", [("outcome", "no wrong output")]), end="")
    | fuzz | |
    |---|---|
    | outcome | no wrong output |
    """
    lines = [f"| {markdown_cell(title)} | |", "|---|---|"]
    lines += [f"| {markdown_cell(key)} | {markdown_cell(value)} |" for key, value in rows]
    return "\n".join(lines) + "\n"
