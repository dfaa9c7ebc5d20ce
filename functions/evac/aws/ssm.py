"""SSM Parameter Store: the kill switch that pauses automatic failover without a redeploy, read with Powertools
Parameters on evac's own client (its bounded timeouts and retries)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError

from evac.aws import clients
from evac.aws.errors import error_code

PAUSED = "paused"
# A warm container reads the switch at most every 30 s: an alarm storm confirms many watches at once and each would
# read it, while a pause set by a person takes effect within half a minute (the plan's sustain window is 60 s).
MAX_AGE_SECONDS = 30


class AutomaticFailoverSwitch:
    def __init__(self, region: str) -> None:
        self._ssm = _provider(region)

    def paused(self, parameter: str) -> bool:
        """True when ``parameter`` reads ``paused``; a missing parameter means not paused, any other error propagates
        as botocore raised it (the step names the call that failed).

        Pause: ``aws ssm put-parameter --name /evac/<app>/automatic --value paused --overwrite`` (both regions).
        """
        try:
            value = self._ssm.get(parameter, max_age=MAX_AGE_SECONDS)
        except GetParameterError as exc:
            cause = exc.__context__  # Parameters wraps every error in GetParameterError (raised inside its except)
            if isinstance(cause, ClientError) and error_code(cause) == "ParameterNotFound":
                return False
            if cause is None:
                raise
            raise cause from None
        return str(value).strip().lower() == PAUSED


# region -> the provider on that region's client, and so its cache of values, for the life of the client
_providers: dict[str, SSMProvider] = {}
clients.on_clear(_providers.clear)


def _provider(region: str) -> SSMProvider:
    """The region's provider: one per client, and none kept of a client ``clients.clear()`` forgot (a provider holds
    its client, and a local cloud's clients hold the cloud)."""
    if region not in _providers:
        _providers[region] = SSMProvider(boto3_client=clients.client("ssm", region))
    return _providers[region]
