"""Lambda event source mappings: a consumer's state, and turning it on or off."""

from __future__ import annotations

from botocore.exceptions import ClientError

from evac.aws.clients import client
from evac.aws.errors import aws_errors, error_code


class EventSourceMappings:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._lambda = client("lambda", region, probe=probe)

    def state(self, uuid: str) -> str | None:
        """Enabled, Enabling, Disabled, Disabling...; None if there is no such mapping."""
        with aws_errors():
            try:
                return str(self._lambda.get_event_source_mapping(UUID=uuid)["State"])
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return None
                raise

    def set_enabled(self, uuid: str, enabled: bool) -> None:
        with aws_errors():
            self._lambda.update_event_source_mapping(UUID=uuid, Enabled=enabled)
