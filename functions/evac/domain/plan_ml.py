"""The plan's budget for the age of the model state in the target (``readiness.ml_state_budget_seconds``).

Example (YAML)::

    readiness:
      ml_state_budget_seconds: 1800   # default 3600
      ml_state_severity: critical     # default warning
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# An hour: S3 Replication Time Control's 15-minute SLA, ECR replication and a pipeline's cross-region registration
# step fit inside it with room; a model older than that in the secondary is worth a look before it is needed.
ML_STATE_BUDGET_SECONDS = 3600
_MONTH = 30 * 86400


class MlStateBudget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ml_state_budget_seconds: int = Field(
        default=ML_STATE_BUDGET_SECONDS,
        gt=0,
        le=_MONTH,
        description="how far the target's model state (newest approved package, its artifact and image, feature "
        "tables) may lag the source's before readiness reports it (ml.state_lag); seconds, 1 to 2592000",
    )
    ml_state_severity: Literal["warning", "critical"] = Field(
        default="warning",
        description="critical: a target whose model state lags past the budget blocks an automatic failover",
    )
