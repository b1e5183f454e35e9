"""Reports of a verify run (text, JSON, Markdown, JUnit) and the log-log plots of measured
counts."""

from superpose.checks.report._formats import render_junit, render_markdown
from superpose.checks.report._plot import (
    draw,
    output_format,
    plot_data,
    plot_plan,
    plot_sizes,
    write_data,
)
from superpose.checks.report._report import (
    render_measurements,
    render_text,
    report_json,
    verdict_counts,
    verify_replay,
)

__all__ = [
    "draw",
    "output_format",
    "plot_data",
    "plot_plan",
    "plot_sizes",
    "render_junit",
    "render_markdown",
    "render_measurements",
    "render_text",
    "report_json",
    "verdict_counts",
    "verify_replay",
    "write_data",
]
