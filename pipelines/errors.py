"""How an error is shown to a user: a module of its own, below everything that reports errors
(the warehouse, the readers, the usage stage), so that none of them imports another for it."""

from __future__ import annotations


def first_line(error: BaseException) -> str:
    """An error's first line (DuckDB's messages go on with SQL and hints), else its type."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
