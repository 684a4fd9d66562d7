"""`cspulse bench`: timings of every stage as JSON (see runner.py)."""

from pipelines.bench.runner import bench

__all__ = ["bench"]
