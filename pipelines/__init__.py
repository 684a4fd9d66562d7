"""CS Pulse's pipelines: ingest, build, the CLI."""

import sys

# pandera imports pandas-on-Spark (`pyspark.pandas`) whenever pyspark is installed (the `spark`
# extra): a second of start-up, a patch of pandas and a warning under pandas 3, for a module the
# project never uses (the usage stage runs Spark SQL). A None entry makes that import fail, and
# pandera goes on without it.
if "pyspark.pandas" not in sys.modules:
    sys.modules["pyspark.pandas"] = None  # type: ignore[assignment]
