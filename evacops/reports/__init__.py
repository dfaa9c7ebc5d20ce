"""Reports people read: the drill's report folder (``folder``: summary, ``timeline`` picture, ``mermaid`` runbook
diagram), one run record (``run_record``), and the measured tables generated from any result (``tables``)."""

from __future__ import annotations

from evacops.reports.folder import RUNBOOK_ASL, default_folder, summary_markdown, write_report
from evacops.reports.mermaid import runbook_mermaid
from evacops.reports.timeline import critical, timeline_svg

__all__ = [
    "RUNBOOK_ASL",
    "critical",
    "default_folder",
    "runbook_mermaid",
    "summary_markdown",
    "timeline_svg",
    "write_report",
]
