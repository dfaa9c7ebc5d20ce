"""Reading the metrics a handler printed as CloudWatch embedded metric format (Powertools Metrics)."""

from __future__ import annotations

import json
from typing import Any


def emitted_metrics(output: str) -> dict[str, Any]:
    """The EMF document Powertools printed: metric name -> value, and its dimensions; empty if none was printed."""
    documents = [json.loads(line) for line in output.splitlines() if '"_aws"' in line]
    if not documents:
        return {}
    [document] = documents
    definition = document["_aws"]["CloudWatchMetrics"][0]
    values = {m["Name"]: _one(document[m["Name"]]) for m in definition["Metrics"]}
    return values | {"dimensions": {d: document[d] for d in definition["Dimensions"][0]}}


def _one(value: Any) -> Any:
    """EMF keeps a metric's values in a list when there may be several."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value
