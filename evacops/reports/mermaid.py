"""The runbook diagram, generated from the ASL itself (a Mermaid flowchart), so the picture never drifts from the
code."""

from __future__ import annotations

from html import escape
from typing import Any


def runbook_mermaid(asl: dict[str, Any]) -> str:
    """A Mermaid flowchart of an ASL definition: states, their Next/Default/Choice edges, Catch edges dashed, and
    Parallel branches as subgraphs."""
    lines = ["flowchart TD", f"    start((start)) --> {_id(asl['StartAt'])}"]
    _states(asl["States"], lines, indent="    ")
    return "\n".join(lines) + "\n"


def _states(states: dict[str, Any], lines: list[str], indent: str) -> None:
    for name, state in states.items():
        node = _id(name)
        kind = state["Type"]
        label = escape(name).replace('"', "'")
        shape = {
            "Choice": f'{node}{{"{label}"}}',
            "Succeed": f'{node}(["{label}"])',
            "Fail": f'{node}(["{label}"])',
            "Wait": f'{node}[/"{label}"/]',
        }.get(kind, f'{node}["{label}"]')
        lines.append(f"{indent}{shape}")
        if kind == "Parallel":
            for number, branch in enumerate(state["Branches"], 1):
                lines.append(f"{indent}subgraph {node}_{number} [{label} branch {number}]")
                _states(branch["States"], lines, indent + "    ")
                lines.append(f"{indent}end")
                lines.append(f"{indent}{node} --> {_id(branch['StartAt'])}")
        if processor := state.get("ItemProcessor") or state.get("Iterator"):
            items = escape(str(state.get("ItemsPath", "$")).removeprefix("$."))
            lines.append(f"{indent}subgraph {node}_each [{label}: for each of {items}]")
            _states(processor["States"], lines, indent + "    ")
            lines.append(f"{indent}end")
            lines.append(f"{indent}{node} --> {_id(processor['StartAt'])}")
        for choice in state.get("Choices", []):
            lines.append(f"{indent}{node} -->|{escape(_condition(choice))}| {_id(choice['Next'])}")
        if "Default" in state:
            lines.append(f"{indent}{node} -->|otherwise| {_id(state['Default'])}")
        if "Next" in state:
            lines.append(f"{indent}{node} --> {_id(state['Next'])}")
        for catch in state.get("Catch", []):
            errors = ", ".join(catch["ErrorEquals"])
            lines.append(f"{indent}{node} -.->|{escape(errors)}| {_id(catch['Next'])}")


_OPERATORS = {"Equals": "=", "GreaterThanEquals": "≥", "GreaterThan": ">", "LessThanEquals": "≤", "LessThan": "<"}


def _condition(choice: dict[str, Any]) -> str:
    """``{"Variable": "$.run.mode", "StringEquals": "dry-run"}`` -> ``run.mode = dry-run``."""
    variable = str(choice.get("Variable", "")).removeprefix("$.")
    for key, value in choice.items():
        if key in ("Variable", "Next"):
            continue
        operator = next((sign for suffix, sign in _OPERATORS.items() if key.endswith(suffix)), key)
        shown = str(value).lower() if isinstance(value, bool) else value
        return f"{variable} {operator} {shown}".replace("|", "/")
    return variable


def _id(name: str) -> str:
    return "s_" + "".join(ch if ch.isalnum() else "_" for ch in name)
