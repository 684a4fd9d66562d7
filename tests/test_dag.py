"""The DAG's cache of what each SQL file reads: same answers as parsing, never stale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from metrics.frames import enums_as_text
from pipelines.build import dag
from pipelines.build.runner import enum_typed_query, text_typed_query

QUERY = "with tickets as (select * from tickets) select * from tickets join accounts using (account_id)"


def test_a_cached_answer_is_the_parsed_one_and_survives_a_new_process(tmp_path: Path) -> None:
    cache = dag.InputsCache.load(tmp_path)
    assert cache.inputs(QUERY) == dag.sql_inputs(QUERY) == ("accounts", "tickets")
    cache.save()
    again = dag.InputsCache.load(tmp_path)
    assert again.entries == cache.entries
    assert again.inputs(QUERY) == ("accounts", "tickets")
    assert not again.changed  # read from the file, not parsed


def test_a_changed_text_is_parsed_again_not_read_stale(tmp_path: Path) -> None:
    cache = dag.InputsCache.load(tmp_path)
    cache.inputs(QUERY)
    cache.save()
    changed = QUERY.replace("accounts", "account_policies")
    again = dag.InputsCache.load(tmp_path)
    assert again.inputs(changed) == ("account_policies", "tickets")
    assert again.changed


def test_a_key_names_the_parser_version(tmp_path: Path) -> None:
    cache = dag.InputsCache.load(tmp_path)
    other = dag.InputsCache(cache.path, parser="sqlglot 0.0.0")
    assert cache.key(QUERY) != other.key(QUERY)


def test_a_broken_cache_file_is_ignored_and_a_failed_parse_is_not_kept(tmp_path: Path) -> None:
    (tmp_path / "dag-inputs.json").write_text("{not json", encoding="utf-8")
    cache = dag.InputsCache.load(tmp_path)
    assert cache.entries == {}
    with pytest.raises(dag.ModelError, match="sqlglot cannot read it"):
        cache.inputs("select from from where")
    assert cache.entries == {}
    (tmp_path / "dag-inputs.json").write_text(json.dumps({"k": "not a list"}), encoding="utf-8")
    assert dag.InputsCache.load(tmp_path).entries == {}


def test_an_unwritable_cache_folder_only_means_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    cache = dag.InputsCache.load(blocker / "below")  # a folder that cannot be made
    assert cache.inputs(QUERY) == ("accounts", "tickets")
    cache.save()  # no error
    assert not (blocker / "below").exists()


def test_the_models_found_with_a_warm_cache_are_those_found_by_parsing(tmp_path: Path) -> None:
    """A fresh process with a warm cache finds the same models and inputs, without sqlglot (and
    finding the Python models does not import scikit-learn: only fitting one does)."""
    script = (
        "import json, sys; from pipelines.build import dag; "
        "models = {n: list(m.inputs) for n, m in dag.all_models().items()}; "
        "print(json.dumps({'sqlglot': 'sqlglot' in sys.modules, 'sklearn': 'sklearn' in sys.modules, "
        "'models': models}))"
    )
    env = {**os.environ, "CSPULSE_CACHE_DIR": str(tmp_path)}
    runs = [
        json.loads(subprocess.run([sys.executable, "-c", script], env=env, check=True,
                                  capture_output=True, text=True).stdout)
        for _ in range(2)
    ]  # fmt: skip
    parsed = {
        name: list(dag.sql_model(model.path).inputs) for name, model in dag.all_models().items() if model.path
    }
    assert [run["sqlglot"] for run in runs] == [True, False]
    assert [run["sklearn"] for run in runs] == [False, False]
    assert runs[0]["models"] == runs[1]["models"]
    assert {name: runs[1]["models"][name] for name in parsed} == parsed


def test_a_table_with_an_enums_file_reads_what_that_file_reads() -> None:
    model = dag.all_models()["sla_tickets"]
    assert model.enums_path is not None and model.enums_path.name == "sla_tickets_enums.sql"
    assert {"stg_tickets", "int_account_policies", "calendar_choices"} <= set(model.inputs)
    assert "sla_tickets_enums" not in dag.all_models()


def test_the_enum_query_casts_the_columns_with_values_and_quotes_them() -> None:
    con = duckdb.connect()
    sql = "select 'it''s' as a, 'x' as b, 1 as c\n-- a last comment line"
    query = enum_typed_query(sql, {"a": ["it's", "z"], "b": []})  # b: no values, stays text
    assert con.execute(query).fetchall() == [("it's", "x", 1)]
    assert [str(kind) for kind in con.sql(query).types] == ["ENUM('it''s', 'z')", "VARCHAR", "INTEGER"]
    con.execute(f"create table t as {query}")
    assert con.sql(text_typed_query(con, "t")).types == ["VARCHAR", "VARCHAR", "INTEGER"]
    assert enum_typed_query(sql, {}) == sql


def test_enum_columns_read_back_as_the_text_a_varchar_column_gives() -> None:
    con = duckdb.connect()
    frame = con.sql("select cast(v as enum('a', 'b')) as e, v as s from (values ('a'), (null)) t(v)").df()
    assert isinstance(frame["e"].dtype, pd.CategoricalDtype)
    enums_as_text(frame)
    assert frame["e"].dtype == frame["s"].dtype and frame["e"].equals(frame["s"].rename("e"))


def test_a_tables_row_readers_are_its_readers_and_through_a_view_the_views_readers() -> None:
    models = {
        "events": dag.Model("events", "sql", (), "temp"),
        "history": dag.Model("history", "sql", ("events",), "view"),
        "summary": dag.Model("summary", "sql", ("history",), "temp"),
        "mart": dag.Model("mart", "sql", ("summary", "events"), "table"),
        "page": dag.Model("page", "sql", ("mart",), "table"),
    }
    # the view's readers read the events' rows; the page reads only the mart's
    assert dag.row_readers(models, "events") == {"history", "summary", "mart"}
    assert dag.row_readers(models, "summary") == {"mart"}
    assert dag.row_readers(models, "page") == set()
