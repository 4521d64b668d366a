"""What the test services share: the options of their middleware."""

from leaksleuth import CheckOptions
from leaksleuth.probe import ProbeConfig

# A test's load lasts seconds, not hours: the readings, the interim verdicts and the gc
# passes may take a larger share of the worker's time than a service's defaults give.
OPTIONS = CheckOptions(
    analysis_budget=0.2,
    settle_allowance=1.0,
    max_bursts=2,
    probe=ProbeConfig(record_budget=0.02, record_allowance=0.5, record_floor=16),
)
