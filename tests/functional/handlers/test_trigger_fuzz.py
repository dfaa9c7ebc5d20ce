"""Bad input never starts anything: a thousand generated events against the trigger on moto.

Random JSON, real events truncated, given wrong types, huge or unicode strings, and alarms the plan does not name:
each is answered ``ignore`` or ``reject`` with a reason that is also logged, no exception escapes, and no watch
(hence no runbook) starts.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evac.handlers import trigger

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud

HERE, ACCOUNT = "us-west-2", "123456789012"
EXAMPLES = 1000
SAMPLES = ["alarm-inference-5xx.json", "alarm-health-check.json", "alarm-lambda-action.json", "alarm-composite.json"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5),
    max_leaves=30,
)
not_text = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3),
    st.none(),
)
garbage = st.one_of(st.text(max_size=5000), not_text)  # huge and unicode strings too


def paths(document: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths(value, (*prefix, key))
    return found


def at(document: dict[str, Any], path: tuple[str, ...]) -> tuple[dict[str, Any], str]:
    for key in path[:-1]:
        document = document[key]
    return document, path[-1]


# The fields whose loss or corruption must make an event unusable (the rest are optional, by AWS's documentation).
REQUIRED = {
    ("source",),
    ("detail-type",),
    ("account",),
    ("region",),
    ("time",),
    ("id",),
    ("version",),
    ("detail",),
    ("detail", "alarmName"),
    ("detail", "state"),
    ("detail", "state", "value"),
    ("alarmArn",),
    ("accountId",),
    ("alarmData",),
    ("alarmData", "alarmName"),
    ("alarmData", "state"),
    ("alarmData", "state", "value"),
}


@st.composite
def broken_real_events(draw: st.DrawFn, samples: dict[str, dict[str, Any]]) -> Any:
    event = copy.deepcopy(samples[draw(st.sampled_from(sorted(samples)))])
    path = draw(st.sampled_from(sorted(p for p in paths(event) if p in REQUIRED)))
    parent, key = at(event, path)
    how = draw(st.sampled_from(["truncate", "wrong-type", "rename-alarm"]))
    if how == "truncate":
        del parent[key]
    elif how == "rename-alarm" and key == "alarmName":
        parent[key] = draw(st.text(min_size=1, max_size=300).filter(lambda n: not n.startswith("fraud-scoring")))
    else:
        value = draw(not_text if isinstance(parent[key], str) else garbage)
        if value == parent[key] or (key == "value" and value in ("OK", "INSUFFICIENT_DATA")):
            value = None
        parent[key] = value
    return event


class Recorded(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def samples(read_event: Any) -> dict[str, dict[str, Any]]:
    return {name: read_event(name) for name in SAMPLES}


def test_a_thousand_generated_bad_events_start_nothing_and_each_is_answered_with_a_reason(
    aws: Cloud,
    samples: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the trigger wired to a watch state machine
    sfn = boto3.client("stepfunctions", HERE)
    watch = sfn.create_state_machine(
        name="evac-fraud-scoring-confirm",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/evac-watch",
    )["stateMachineArn"]
    monkeypatch.setenv("EVAC_WATCH_ARN", watch)
    logged = Recorded()
    logger = logging.getLogger("evac")  # Powertools' logger for the service, which does not propagate to the root
    logger.addHandler(logged)
    tried = 0

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(event=st.one_of(json_values, broken_real_events(samples)))
    def answer(event: Any) -> None:
        nonlocal tried
        tried += 1
        logged.records.clear()

        # WHEN it arrives
        result = aws.invoke(trigger, event)

        # THEN it is ignored or rejected, with a reason, and that reason is in the log line
        assert result["decision"] in ("ignore", "reject"), (event, result)
        assert result["reason"]
        assert any(getattr(record, "reason", None) == result["reason"] for record in logged.records)

    try:
        answer()
    finally:
        logger.removeHandler(logged)

    assert tried >= EXAMPLES
    assert sfn.list_executions(stateMachineArn=watch)["executions"] == []
