"""Drills about the signals themselves: what the confirmation watch does when it cannot read them.

``throttled-signals``: the primary's opening alarm blips ALARM -> OK, well within the sustain window, and CloudWatch
throttles the watch's one DescribeAlarms in that alarm's region. A refusal is not evidence of failure (DESIGN,
principle 2): no runbook starts, and a notification says which alarm could not be read, where, and why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evacops.drill.scenarios import Scenario
from evacops.localcloud.faults import Fault

if TYPE_CHECKING:
    from evacops.drill.scenarios import Options
    from evacops.localcloud import LocalCloud

# What the held-back notification says (the confirm policy's own words, evac.domain.trigger).
NOT_EVIDENCE = "not evidence of failure"


def _throttled_signals(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001 - every play takes the options
    """The opening alarm goes ALARM and back to OK half a sustain window later; the watch's read of its region is
    throttled (every attempt of that one call, so botocore's own retries are spent too)."""
    primary = cloud.plan.regions.primary
    # an alarm of the primary's own (probe alarms are evaluated from their probes, not set by hand)
    opening = next(a for a in cloud.plan.watching(primary) if a.kind != "probe")
    cloud.faults.inject(Fault("throttling", service="cloudwatch", operation="DescribeAlarms", region=opening.region))
    cloud.alarms.set_state(opening.region, opening.name, "ALARM", reason="drill: a blip")
    cloud.clock.sleep(cloud.plan.trigger.sustain_seconds / 2)
    cloud.alarms.set_state(opening.region, opening.name, "OK", reason="drill: the blip is over")


SIGNAL_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "throttled-signals",
        "The primary's alarm blips ALARM -> OK within the sustain window while CloudWatch throttles the watch's "
        "DescribeAlarms: an unreadable alarm is not evidence, so no failover; a notification says why.",
        _throttled_signals,
        "no-failover",
        runbooks=0,
        notice=NOT_EVIDENCE,
    ),
)
