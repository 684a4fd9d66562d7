"""How a metric written in Python declares itself to the build (pipelines/build/dag.py).

A Python model is a pure function: it receives the frames of the relations it names as
parameters (pandas DataFrames, one per input), optionally `as_of` (a UTC datetime) and
`settings` (the typed configuration), and returns one DataFrame. It never opens a file or a
connection; the build fetches its inputs and stores what it returns.

A series model is the same upstream models computed as of many instants: `dates` says which
(from the build's as-of and the input frames), and the build stacks the outputs of `of` with
the instant in `date_column`. So a health history or a backtest is a loop over dates the
runner owns, not a copy of the SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Materialized = Literal["view", "temp", "table"]


@dataclass(frozen=True)
class PythonModel:
    name: str
    inputs: tuple[str, ...]
    function: Callable[..., Any]
    materialized: Materialized = "table"
    unique: tuple[str, ...] = ()  # the grain a table proves (tests check it)


@dataclass(frozen=True)
class SeriesModel:
    """`of` computed as of each instant `dates` returns (a DataFrame with a column `as_of`,
    UTC, and optionally key columns: then only those keys' rows are kept at that instant)."""

    name: str
    of: str
    dates: Callable[..., Any]
    date_column: str
    inputs: tuple[str, ...] = ()  # what `dates` reads
    materialized: Materialized = "table"
    unique: tuple[str, ...] = ()
    # session variables of each run, e.g. {"recent_ticket_days": 90}: staging then keeps only the
    # tickets created in those days and the ones still open (what the health model reads)
    variables: tuple[tuple[str, int], ...] = ()


def python_model(
    *inputs: str,
    name: str | None = None,
    materialized: Materialized = "table",
    unique: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the decorated function a model of the build, reading `inputs`."""

    def declare(function: Callable[..., Any]) -> Callable[..., Any]:
        function.model = PythonModel(  # type: ignore[attr-defined]
            name or function.__name__, tuple(inputs), function, materialized, unique
        )
        return function

    return declare
