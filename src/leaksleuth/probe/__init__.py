"""The in-process probe. Imports only the stdlib (psutil where /proc is missing)."""

from leaksleuth.probe._probe import BurstPlan, Probe, ProbeConfig

__all__ = ["BurstPlan", "Probe", "ProbeConfig"]
