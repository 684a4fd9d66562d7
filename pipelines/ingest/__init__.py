"""Ingest: read an export, map it onto a canonical kind, validate it, load it in one transaction.

`readers` turns CSV / Parquet / XLSX into a text table with row numbers, `profile` maps another
tool's columns and values (data, not code), `validation` compiles the pandera models into one
SQL statement per file, `loading` keeps the rejects, upserts staging and records the run.
"""

from pipelines.ingest.loading import IngestResult, ingest_file, ingest_files, sha256_of

__all__ = ["IngestResult", "ingest_file", "ingest_files", "sha256_of"]
