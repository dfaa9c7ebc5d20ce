"""The contracts of the runbook's ``RecoverResources`` step: its input, and every resource's poll after a round."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from evac.domain.models import Contract, Poll, StepInput


class ResourcesInput(StepInput):
    """``start``: begin recovering every resource of the plan in the target; ``check``: poll the pending ones."""

    action: Literal["start", "check"]
    polls: list[Poll] = Field(default_factory=list, description="check: the polls the last round returned")


class ResourcePolls(Contract):
    """Every resource's poll, one task a round whatever their number (the history budget, as for the endpoints)."""

    polls: list[Poll]
    done: bool = Field(default=False, description="every resource is recovered in the target")
    attempt: int = Field(default=0, description="the most polls a resource still pending has had (the ASL bounds it)")
    check_at: AwareDatetime | None = Field(default=None, description="when the first pending poll is due")
    pending: list[str] = Field(default_factory=list, description="the resources not yet recovered")
