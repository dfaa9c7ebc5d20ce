"""The drill's timeline picture: its phases as bars over modelled time, the critical path marked (SVG).

The SVG is written by hand (a few rectangles and labels) rather than through a plotting library: it keeps the
operator tooling light and the output diffable.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evacops.drill.report import DrillReport, PhaseReport

_WIDTH, _LEFT, _RIGHT, _ROW, _TOP = 960, 110, 80, 34, 56
_COLOURS = {"critical": "#d1495b", "other": "#8aa1b1", "grid": "#e3e7ea", "text": "#1f2a33"}


def critical(phases: list[PhaseReport]) -> set[str]:
    """The phases RTO waits on: detection, preparation and approval, whichever of database and inference DNS waited
    for (the slower, unless traffic followed capacity), DNS, verification."""
    names = {p.name for p in phases} - {"database", "inference", "standby", "ramp"}
    dns = next((p for p in phases if p.name == "dns"), None)
    parallel = [p for p in phases if p.name in ("database", "inference") and (dns is None or p.end <= dns.start)]
    if parallel:
        names.add(max(parallel, key=lambda p: p.end).name)
    return names


def timeline_svg(report: DrillReport) -> str:
    phases = report.phases
    end = max([p.end for p in phases] + [60.0])
    start = min([p.start for p in phases] + [0.0])
    span = end - start
    scale = (_WIDTH - _LEFT - _RIGHT) / span

    def x(seconds: float) -> float:
        return _LEFT + (seconds - start) * scale

    height = _TOP + _ROW * max(len(phases), 1) + 60
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="13">',
        f'<rect width="{_WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{_LEFT}" y="24" font-size="16" font-weight="bold" fill="{_COLOURS["text"]}">'
        f"{escape(report.scenario)}: {report.status}"
        f"{f', RTO {report.rto_seconds:.0f} s' if report.rto_seconds else ''}"
        f"{f' (critical path {report.critical_path_seconds:.0f} s)' if report.critical_path_seconds else ''}</text>",
    ]
    step = _tick(span)
    tick = (start // step) * step
    while tick <= end:
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{_TOP - 8}" x2="{x(tick):.1f}" y2="{height - 40}" '
            f'stroke="{_COLOURS["grid"]}"/>'
        )
        out.append(f'<text x="{x(tick):.1f}" y="{height - 24}" text-anchor="middle" fill="#55636e">{tick:.0f} s</text>')
        tick += step
    on_path = critical(phases)
    for row, phase in enumerate(phases):
        y = _TOP + row * _ROW
        colour = _COLOURS["critical" if phase.name in on_path else "other"]
        width = max((phase.end - phase.start) * scale, 2)
        text = _COLOURS["text"]
        out += [
            f'<text x="{_LEFT - 10}" y="{y + 17}" text-anchor="end" fill="{text}">{escape(phase.name)}</text>',
            f'<rect x="{x(phase.start):.1f}" y="{y + 4}" width="{width:.1f}" height="{_ROW - 10}" rx="3" '
            f'fill="{colour}"/>',
            f'<text x="{x(phase.start) + width + 6:.1f}" y="{y + 17}" fill="{text}">{phase.seconds:.1f} s</text>',
        ]
    verified = next((p.end for p in phases if p.name == "verify"), None)
    if report.rto_seconds and verified is not None:  # RTO ends when verification does
        rto_x = x(verified)
        out.append(
            f'<line x1="{rto_x:.1f}" y1="{_TOP - 12}" x2="{rto_x:.1f}" y2="{height - 40}" stroke="#1f2a33" '
            'stroke-dasharray="4 3"/>'
        )
        out.append(f'<text x="{rto_x - 4:.1f}" y="{_TOP - 16}" text-anchor="end" fill="#1f2a33">RTO</text>')
    legend_y = height - 8
    out += [
        f'<rect x="{_LEFT}" y="{legend_y - 10}" width="12" height="10" fill="{_COLOURS["critical"]}"/>',
        f'<text x="{_LEFT + 18}" y="{legend_y}" fill="#55636e">on the critical path</text>',
        f'<rect x="{_LEFT + 170}" y="{legend_y - 10}" width="12" height="10" fill="{_COLOURS["other"]}"/>',
        f'<text x="{_LEFT + 188}" y="{legend_y}" fill="#55636e">in parallel / after recovery</text>',
        f'<text x="{_WIDTH - _RIGHT}" y="{legend_y}" text-anchor="end" fill="#55636e">modelled seconds since the '
        "incident began</text>",
        "</svg>",
    ]
    return "\n".join(out) + "\n"


def _tick(span: float) -> float:
    for step in (10, 30, 60, 120, 300, 600, 1800):
        if span / step <= 12:
            return float(step)
    return 3600.0
