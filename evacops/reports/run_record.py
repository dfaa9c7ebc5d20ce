"""One run record as Markdown, for `evac report`."""

from __future__ import annotations

import json
from typing import Any

from evacops.history import number


def render(run: dict[str, Any]) -> str:
    """One run record as Markdown, for `evac report`."""
    phases = "\n".join(f"| {p['name']} | {p['seconds']:.1f} |" for p in run.get("phases", [])) or "| - | - |"
    checks = "\n".join(f"- {'ok' if c['ok'] else 'NO'} {c['name']}: {c['detail']}" for c in run.get("preflight", []))
    return f"""# {run["incident_id"]}: {run["outcome"]}

{run["summary"]}

- mode **{run.get("mode")}**, strategy **{run.get("strategy")}**
- from {run.get("source_region")} to {run.get("target_region")}
- detected {run.get("detected_at")}, recorded {run["recorded_at"]}
- RTO **{number(run.get("rto_seconds"))} s** (predicted {number(run.get("predicted_rto_seconds"))} s), \
RPO estimate **{number(run.get("rpo_seconds"))} s**
- approver: {run.get("approver") or "-"}
- error: {run.get("error") or "-"} {(run.get("cause") or "")[:300]}

| phase | seconds |
|---|---:|
{phases}

Preflight:

{checks or "- (not reached)"}

Input: `{json.dumps(run.get("request"))}`
"""
