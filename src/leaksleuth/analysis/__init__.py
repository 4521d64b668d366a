"""Pure functions over captured data: trend and verdict, attribution, the report."""

from leaksleuth.analysis._attribution import AttributionConfig, find_suspects
from leaksleuth.analysis._build import AnalysisConfig, build_report
from leaksleuth.analysis._combine import combine_verdict
from leaksleuth.analysis._sources import SourceClassifier
from leaksleuth.analysis._trend import mann_kendall, theil_sen
from leaksleuth.analysis._verdict import VerdictConfig, analyse_signal
from leaksleuth.analysis._warmup import detect_warmup

__all__ = [
    "AnalysisConfig",
    "AttributionConfig",
    "SourceClassifier",
    "VerdictConfig",
    "analyse_signal",
    "build_report",
    "combine_verdict",
    "detect_warmup",
    "find_suspects",
    "mann_kendall",
    "theil_sen",
]
