"""Frames read from the marts, as their readers expect them.

The big marts keep their low-cardinality text columns as DuckDB ENUMs (sla_tickets and what is
taken from it; pipelines/build/runner.py). DuckDB hands an ENUM to pandas as a Categorical, which
behaves differently from text (no new values, some reductions refused); readers that want the
text they read before call `enums_as_text`.
"""

from __future__ import annotations

import pandas as pd


def enums_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each categorical column as text (pandas' string dtype, nulls as NaN: what
    DuckDB gives for a VARCHAR column), in place; returned for chaining."""
    for column in frame.columns[[isinstance(dtype, pd.CategoricalDtype) for dtype in frame.dtypes]]:
        frame[column] = frame[column].astype("str")
    return frame
