"""The build: the model DAG (dag.py) run as of an instant (runner.py) over staging and the
tables prepared from the configuration (inputs.py), then the dashboard snapshot."""

from pipelines.build.inputs import latest_timestamp
from pipelines.build.runner import build, marts, snapshot_tables

__all__ = ["build", "latest_timestamp", "marts", "snapshot_tables"]
