"""Measurements of a construction over m': exact counts, correctness and certificates per size,
and the maths that reads growth off them (log-log slopes over the top decade)."""

from superpose.checks.sweep._fit import slope, top_decade
from superpose.checks.sweep._sweep import Measurement, SweepSettings, geometric_sizes, measure

__all__ = ["geometric_sizes", "measure", "Measurement", "slope", "SweepSettings", "top_decade"]
