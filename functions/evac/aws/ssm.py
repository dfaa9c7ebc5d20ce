"""SSM Parameter Store: the kill switch that pauses automatic failover without a redeploy."""

from __future__ import annotations

from evac.aws.clients import client

PAUSED = "paused"


class AutomaticFailoverSwitch:
    def __init__(self, region: str) -> None:
        self._ssm = client("ssm", region)

    def paused(self, parameter: str) -> bool:
        """True when ``parameter`` reads ``paused``; a missing parameter means not paused.

        Pause: ``aws ssm put-parameter --name /evac/<app>/automatic --value paused --overwrite`` (both regions).
        """
        try:
            value = self._ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
        except self._ssm.exceptions.ParameterNotFound:
            return False
        return str(value).strip().lower() == PAUSED
