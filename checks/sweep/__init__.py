"""Measurements of a construction over m': exact counts, correctness and certificates per size."""

from superpose.checks.sweep._sweep import Measurement, SweepSettings, geometric_sizes, measure

__all__ = ["geometric_sizes", "measure", "Measurement", "SweepSettings"]
