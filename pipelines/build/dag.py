"""The build's models as a DAG: found, not listed by hand.

- SQL models: every `.sql` file under `pipelines/build/staging/` (staging: rename and cast) and
  under `metrics/` (the definitions), except `*_macros.sql` and the usage stage's own queries
  (`-- materialized: stage`). The file name is the model's
  name; a `-- materialized: view|temp|table` line says how it is kept; its inputs are the
  relations its SQL reads (parsed with sqlglot, CTE names aside). A `-- series: shared` line
  marks a model whose rows hold every as-of date of `int_usage_windows` (one row in a build,
  one per instant of a series) or do not depend on as-of: a series computes it once for all
  its instants, and each instant's run reads its own rows (runner.Run._series). What a file reads is kept in
  a small cache on disk keyed by the hash of its text (`InputsCache`): a build in a fresh
  process parses only the files that changed, and imports sqlglot only then. A table's
  `<name>_enums.sql` beside it is no model: it gives the values of the table's low-cardinality
  text columns in this build, which the runner stores as ENUMs (runner.enum_typed_query); what it
  reads counts among the table's inputs.
- Python models: functions in `metrics/` decorated with `metrics.models.python_model`, and
  `metrics.models.SeriesModel` values (one model computed as of many instants).

Inputs that are not models are sources: the staging tables ingest writes, and the tables the
runner prepares from the configuration before any model runs (policies, calendars, the grid).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pkgutil
import re
import tempfile
from dataclasses import dataclass, field
from functools import cache
from graphlib import CycleError, TopologicalSorter
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

import metrics
from metrics.models import Materialized, PythonModel, SeriesModel
from pipelines.schemas import STAGING_TABLES

STAGING_DIR = Path(__file__).with_name("staging")
METRICS_DIR = Path(metrics.__file__).parent
MACRO_FILES = tuple(sorted(METRICS_DIR.rglob("*_macros.sql")))
ENUM_SUFFIX = "_enums.sql"  # `<table>_enums.sql`: the values of the table's ENUM columns
# `-- materialized: stage`: a query of the usage stage that the build does not run (ingest and
# `cspulse usage-rollup` do; see metrics/usage/__init__.py).
_STAGE_LINE = re.compile(r"^--\s*materialized:\s*stage\s*$", re.MULTILINE)
# Tables the runner makes from the configuration and the calendars before the models run.
PREPARED = (
    "policy_tiers",
    "policy_response_targets",
    "policy_resolution_targets",
    "policy_statuses",
    "analysis_settings",
    "pricing_implementation_points",
    "calendar_choices",
    "calendar_buckets",
    "calendar_work_buckets",
    "calendar_day_ends",
    "usage_day_bounds",
)
# The usage windows of an as-of: one row in a build, one per instant where a series computes its
# shared models; a shared model reads only it, staging, sources and other shared models.
WINDOWS_MODEL = "int_usage_windows"
WINDOWS_PATH = METRICS_DIR / "adoption" / f"{WINDOWS_MODEL}.sql"  # one row: the windows as of the build
SOURCES = frozenset((*STAGING_TABLES, "ingest_runs", *PREPARED))
MATERIALIZATIONS: tuple[Materialized, ...] = ("view", "temp", "table")
_MATERIALIZED_LINE = re.compile(r"^--\s*materialized:\s*(\S+)\s*$", re.MULTILINE)
_UNIQUE_LINE = re.compile(r"^--\s*unique:\s*(.+?)\s*$", re.MULTILINE)
_SHARED_LINE = re.compile(r"^--\s*series:\s*shared\s*$", re.MULTILINE)


class ModelError(ValueError):
    """A model that cannot be run: the message names its file and what is wrong."""


@dataclass(frozen=True)
class Model:
    name: str
    kind: Literal["sql", "python", "series"]
    inputs: tuple[str, ...]
    materialized: Materialized
    path: Path | None = None  # SQL models
    enums_path: Path | None = None  # a table's `<name>_enums.sql`: (column_name, value) rows
    unique_key: tuple[str, ...] = ()  # the grain a table proves (`-- unique: a, b`; tests check it)
    python: PythonModel | None = None
    series: SeriesModel | None = None
    shared: bool = False  # `-- series: shared`: computed once for all the instants of a series

    @property
    def sql(self) -> str:
        assert self.path is not None
        return self.path.read_text(encoding="utf-8")


def sql_model(path: Path, cache: InputsCache | None = None) -> Model:
    text = path.read_text(encoding="utf-8")
    declared = _MATERIALIZED_LINE.findall(text)
    if len(declared) != 1 or declared[0] not in MATERIALIZATIONS:
        raise ModelError(f"{path}: say once how the model is kept: '-- materialized: view|temp|table'")
    if declared[0] == "table" and len(_UNIQUE_LINE.findall(text)) != 1:
        raise ModelError(f"{path}: a table says its grain once: '-- unique: column, ...'")
    unique = tuple(c.strip() for line in _UNIQUE_LINE.findall(text) for c in line.split(","))
    shared = bool(_SHARED_LINE.search(text))
    parse = cache.inputs if cache is not None else sql_inputs
    inputs = parse(text, path)
    enums_path = path.with_name(path.stem + ENUM_SUFFIX)
    if not enums_path.exists():
        return Model(path.stem, "sql", inputs, declared[0], path=path, unique_key=unique, shared=shared)
    if declared[0] != "table":
        raise ModelError(f"{enums_path}: ENUM columns are for tables; {path.stem} is a {declared[0]}")
    domain_inputs = parse(enums_path.read_text(encoding="utf-8"), enums_path)
    inputs = tuple(dict.fromkeys((*inputs, *domain_inputs)))
    return Model(
        path.stem, "sql", inputs, "table", path=path, enums_path=enums_path, unique_key=unique, shared=shared
    )


def cache_dir() -> Path:
    """Where the build keeps what each SQL file reads: $CSPULSE_CACHE_DIR, else the user's cache."""
    if os.environ.get("CSPULSE_CACHE_DIR"):
        return Path(os.environ["CSPULSE_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cspulse"


@dataclass
class InputsCache:
    """What each SQL text reads (sql_inputs), by the SHA-256 of the text and the sqlglot version
    that parsed it: a changed file (or another sqlglot) is parsed again, never read stale. Only
    successful parses are kept, so a file sqlglot cannot read raises every time. The cache is a
    convenience: unreadable, it is ignored; unwritable, nothing is saved."""

    path: Path
    entries: dict[str, list[str]] = field(default_factory=dict)
    parser: str = ""  # the sqlglot version, part of every key
    changed: bool = False

    MAX_ENTRIES = 2_000  # the newest kept (each edit of a file adds one; other worktrees share it)

    @classmethod
    def load(cls, directory: Path | None = None) -> InputsCache:
        path = (directory or cache_dir()) / "dag-inputs.json"
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = {}
        valid = isinstance(entries, dict) and all(
            isinstance(v, list) and all(isinstance(name, str) for name in v) for v in entries.values()
        )
        return cls(path, entries if valid else {}, f"sqlglot {version('sqlglot')}")

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.parser}\n{text}".encode()).hexdigest()

    def inputs(self, text: str, where: Path | str = "query") -> tuple[str, ...]:
        key = self.key(text)
        if key not in self.entries:
            self.entries[key] = list(sql_inputs(text, where))
            self.changed = True
        return tuple(self.entries[key])

    def save(self) -> None:
        """Write the entries, if one was added, atomically: a reader never sees half a file."""
        if not self.changed:
            return
        entries = dict(list(self.entries.items())[-self.MAX_ENTRIES :])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=self.path.parent, prefix=".dag-inputs-", delete=False
            ) as handle:
                json.dump(entries, handle)
            os.replace(handle.name, self.path)
        except OSError:
            return
        self.changed = False


def sql_inputs(text: str, where: Path | str = "query") -> tuple[str, ...]:
    """The relations a query reads: its table references that are not CTEs defined before them.

    An import CTE may carry its table's name (`tickets as (select * from tickets)`): inside its
    own body the name still means the table, since CTEs here are not recursive."""
    import sqlglot  # here, not at the top: a build whose files are all in the cache never needs it
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(text, dialect="duckdb")
    except sqlglot.errors.ParseError as error:
        raise ModelError(f"{where}: sqlglot cannot read it: {error}") from None
    found: dict[str, None] = {}
    for table in tree.find_all(exp.Table):
        if table.name and table.name not in _ctes_visible_from(table):
            found[table.name] = None
    return tuple(found)


def _ctes_visible_from(node: Any) -> set[str]:
    from sqlglot import exp

    visible: set[str] = set()
    child, parent = node, node.parent
    while parent is not None:
        if isinstance(parent, exp.With):
            names = [cte.alias_or_name for cte in parent.expressions]
            if isinstance(child, exp.CTE):  # only the CTEs written before this one
                names = names[: parent.expressions.index(child)]
            visible.update(names)
        elif (
            isinstance(parent, exp.Query)
            and isinstance(parent.args.get("with_"), exp.With)
            and child is not parent.args["with_"]
        ):
            visible.update(cte.alias_or_name for cte in parent.args["with_"].expressions)
        child, parent = parent, parent.parent
    return visible


def python_models() -> list[Model]:
    """Every Python and series model declared in the metrics package."""
    found = []
    for info in pkgutil.walk_packages(metrics.__path__, "metrics."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            declared = getattr(value, "model", None)
            if isinstance(declared, PythonModel) and declared.function is value:
                found.append(Model(declared.name, "python", declared.inputs, declared.materialized,
                                   python=declared, unique_key=declared.unique))  # fmt: skip
            elif isinstance(value, SeriesModel):
                inputs = (value.of, *value.inputs)
                found.append(
                    Model(
                        value.name,
                        "series",
                        inputs,
                        value.materialized,
                        series=value,
                        unique_key=value.unique,
                    )
                )
    return found


@cache
def all_models() -> dict[str, Model]:
    """Every model of the build by name, checked: unique names, known inputs, no cycle."""
    paths = sorted(STAGING_DIR.glob("*.sql")) + sorted(
        path
        for path in METRICS_DIR.rglob("*.sql")
        if path not in MACRO_FILES
        and not path.name.endswith(ENUM_SUFFIX)
        and not _STAGE_LINE.search(path.read_text(encoding="utf-8"))
    )
    for enums in METRICS_DIR.rglob("*" + ENUM_SUFFIX):
        if not enums.with_name(enums.name.removesuffix(ENUM_SUFFIX) + ".sql").exists():
            raise ModelError(f"{enums}: the values of ENUM columns, but no model of that name beside it")
    inputs_cache = InputsCache.load()
    models: dict[str, Model] = {}
    for model in [sql_model(path, inputs_cache) for path in paths] + python_models():
        if model.name in models:
            raise ModelError(
                f"two models are named {model.name!r}: {_where(models[model.name])}, {_where(model)}"
            )
        models[model.name] = model
    for model in models.values():
        unknown = [name for name in model.inputs if name not in models and name not in SOURCES]
        if unknown:
            raise ModelError(f"{_where(model)} reads {', '.join(unknown)}: neither a model nor a source")
    ordered(models)  # raises on a cycle
    for model in models.values():
        if model.shared:
            _check_shared(model, models)
    inputs_cache.save()
    return models


def _check_shared(model: Model, models: dict[str, Model]) -> None:
    """A shared model is computed at a series' latest instant for all of them: what it reads
    must hold every instant's rows too (no other model that depends on as-of)."""
    for name in model.inputs:
        read = models.get(name)
        if read is None or read.shared or name == WINDOWS_MODEL:
            continue
        if read.path is None or read.path.parent != STAGING_DIR:
            raise ModelError(
                f"{_where(model)} is '-- series: shared' but reads {name}, which is neither shared, "
                f"staging, a source nor {WINDOWS_MODEL}"
            )


def _where(model: Model) -> str:
    if model.path is not None:
        return str(model.path)
    function: Any = model.python.function if model.python else model.series
    return f"{getattr(function, '__module__', 'metrics')}.{model.name}"


def ordered(models: dict[str, Model]) -> list[str]:
    """Model names in an order that runs every input first (ties by name: repeatable)."""
    sorter = TopologicalSorter(
        {name: [i for i in model.inputs if i in models] for name, model in sorted(models.items())}
    )
    try:
        sorter.prepare()
    except CycleError as error:
        raise ModelError(f"the models form a cycle: {' -> '.join(error.args[1])}") from None
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return order


def upstream(models: dict[str, Model], names: set[str]) -> set[str]:
    """The models named and every model they read, directly or not."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen or name not in models:
            continue
        seen.add(name)
        stack.extend(models[name].inputs)
    return seen


def downstream(models: dict[str, Model], names: set[str]) -> set[str]:
    """The models named (or sources) and every model that reads them, directly or not."""
    readers: dict[str, list[str]] = {}
    for model in models.values():
        for name in model.inputs:
            readers.setdefault(name, []).append(model.name)
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(readers.get(name, []))
    return seen & set(models)


def row_readers(models: dict[str, Model], name: str) -> set[str]:
    """The models whose run reads `name`'s rows: its readers, and through a view that reads it
    (a view's rows are read only when a model made of rows reads the view), those readers' own."""
    found: set[str] = set()
    stack = [reader.name for reader in models.values() if name in reader.inputs]
    while stack:
        reader = stack.pop()
        if reader in found:
            continue
        found.add(reader)
        if models[reader].materialized == "view":
            stack.extend(other.name for other in models.values() if reader in other.inputs)
    return found


def select(models: dict[str, Model], selectors: list[str] | None) -> list[str]:
    """The models a build runs, in order. No selector: all. `name`: it and what it needs;
    `name+`: also everything downstream of it (and what those need)."""
    if not selectors:
        return ordered(models)
    wanted: set[str] = set()
    for selector in selectors:
        name = selector.removesuffix("+")
        if name not in models:
            raise ModelError(f"--select {selector!r}: no model is named {name!r}")
        wanted |= downstream(models, {name}) if selector.endswith("+") else {name}
    chosen = upstream(models, wanted)
    return [name for name in ordered(models) if name in chosen]
