"""The plan's ``inference``: the SageMaker endpoints the runbook scales in the target and verifies with a canary.

Example (YAML)::

    inference:
      endpoints:
        - name: fraud-scoring-xgb
          instance_type: ml.g5.xlarge
          fallback_instance_types: [ml.g6.xlarge]
          active_instances: 2
          standby_instances: 1
          canary: {body: '{"amount": 12.5}', max_latency_ms: 800}
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The most endpoints a plan may have: as many as the bench measures, with room to spare. A run carries each endpoint's
# state from step to step (its command, its polls, a preflight check: about 800 bytes; 950 with the instance types a
# capacity fallback tried), and a Step Functions state's input or output over 256 KiB fails the execution past every
# Catch (docs/runbook.md, "Payload size"): 81 KB at 100 endpoints, 96 KB at 100 that all fell back to another
# instance type, 187 KB at 200 of those. tests/bench/test_state_payloads.py plays a failover of this many.
MAX_ENDPOINTS = 100

Name = Annotated[str, Field(min_length=1, max_length=128)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CanarySpec(_Strict):
    """A request that proves an endpoint serves the model, and how fast it must answer."""

    body: str = Field(min_length=1)
    content_type: str = "application/json"
    max_latency_ms: int = Field(gt=0, le=60_000)


class Endpoint(_Strict):
    """A SageMaker real-time endpoint with the same name in both regions."""

    name: Name
    variant: Name = "AllTraffic"
    instance_type: Name
    active_instances: int = Field(gt=0, le=100, description="instances the serving region needs")
    standby_instances: int = Field(ge=0, le=100, description="warm standby kept in the passive region")
    canary: CanarySpec
    fallback_instance_types: list[Name] = Field(
        default_factory=list,
        description="tried in order when the target has no capacity for instance_type (same instance count)",
    )

    @model_validator(mode="after")
    def _standby_not_above_active(self) -> Endpoint:
        if self.standby_instances > self.active_instances:
            raise ValueError("standby_instances cannot exceed active_instances")
        return self

    @model_validator(mode="after")
    def _fallbacks_distinct(self) -> Endpoint:
        types = [self.instance_type, *self.fallback_instance_types]
        if len(types) != len(set(types)):
            raise ValueError(f"fallback_instance_types must differ from instance_type and each other, got {types}")
        return self

    @property
    def instance_types(self) -> list[str]:
        """The instance type, then its fallbacks: every type the endpoint may serve on."""
        return [self.instance_type, *self.fallback_instance_types]


class Inference(_Strict):
    endpoints: list[Endpoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _at_most(self) -> Inference:
        if len(self.endpoints) > MAX_ENDPOINTS:
            raise ValueError(
                f"a plan has at most {MAX_ENDPOINTS} endpoints, this one {len(self.endpoints)}: a run carries each"
                " endpoint's state through Step Functions, whose states hold 256 KiB at most; split the"
                " application into plans of fewer endpoints"
            )
        return self

    @model_validator(mode="after")
    def _unique(self) -> Inference:
        names = [e.name for e in self.endpoints]
        if len(names) != len(set(names)):
            raise ValueError(f"endpoint names must be unique, got {names}")
        return self
