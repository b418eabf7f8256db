"""SQL views over the warehouse: what the rating reads and what `ocrbill sql` shows."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .db import connect
from .events import EVENTS_COLUMNS, REJECTED_COLUMNS
from .paths import sql_text
from .reference import load_reference
from .warehouse import Warehouse

CALLS_COLUMNS = {
    "request_id": "VARCHAR",
    "ts_utc": "TIMESTAMP",
    "billing_month": "VARCHAR",
    "owner_uin": "VARCHAR",
    "uin": "VARCHAR",
    "action": "VARCHAR",
    "region": "VARCHAR",
    "site": "VARCHAR",
    "error_code": "VARCHAR",
    "images_total": "INTEGER",
    "images_recognized": "INTEGER",
    "tickets": "INTEGER[]",
    "source_file": "VARCHAR",
    "source_line": "BIGINT",
    "batch_id": "VARCHAR",
}

# Quarantined call records have the shape of rejected events: where, why, and the raw line.
QUARANTINE_COLUMNS = REJECTED_COLUMNS

DUPLICATES_COLUMNS = {
    "batch_id": "VARCHAR",
    "request_id": "VARCHAR",
    "kind": "VARCHAR",
    "source_file": "VARCHAR",
    "source_line": "BIGINT",
    "content_hash": "VARCHAR",
    "first_batch_id": "VARCHAR",
    "first_source_file": "VARCHAR",
    "first_source_line": "BIGINT",
    "first_content_hash": "VARCHAR",
    "raw": "VARCHAR",
}

# Warehouse tables: name → (columns, hive-partitioned by billing_month?)
TABLES: dict[str, tuple[dict[str, str], bool]] = {
    "calls": (CALLS_COLUMNS, True),
    "quarantine": (QUARANTINE_COLUMNS, False),
    "duplicates": (DUPLICATES_COLUMNS, False),
    "events": (EVENTS_COLUMNS, False),
    "events_rejected": (REJECTED_COLUMNS, False),
}

EXPORT_VIEWS = ("bill_lines", "bill_summary", "pack_balances", "focus", "alerts")
# Exports whose columns are exactly those spec §3 lists: the month is their folder's name, and
# the views over them put billing_month back from it.
MONTH_IN_FOLDER = ("pack_balances", "alerts")


def _quote_path(path: Path) -> str:
    """A file path as a SQL string literal (paths come from the commit log, not from input)."""
    return "'" + str(path).replace("'", "''") + "'"


def files_view(con: duckdb.DuckDBPyConnection, name: str, files: list[Path], columns: dict[str, str], hive: bool) -> None:
    """Create view `name` over Parquet files with these typed columns (empty if no files)."""
    if not files:
        typed_nulls = ", ".join(f'CAST(NULL AS {typ}) AS "{col}"' for col, typ in columns.items())
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {typed_nulls} WHERE false")
        return
    select = ", ".join(f'CAST("{col}" AS {typ}) AS "{col}"' for col, typ in columns.items())
    listed = ", ".join(_quote_path(f) for f in files)
    hive_opts = ", hive_partitioning = true, hive_types = {'billing_month': 'VARCHAR'}" if hive else ""
    con.execute(
        f"CREATE OR REPLACE VIEW {name} AS SELECT {select} "
        f"FROM read_parquet([{listed}], union_by_name = true{hive_opts})"
    )


INGEST_COUNTS = ("read", "accepted", "duplicates", "conflicts", "quarantined")


def attach_warehouse(con: duckdb.DuckDBPyConnection, warehouse: Warehouse) -> None:
    """Reference tables plus views over every committed warehouse table, all from one read of
    the commit log (a batch committed meanwhile is in none of them), and `ingest_batches`: the
    counts of each ingest batch of that same snapshot."""
    load_reference(con)
    commits = warehouse.commits()
    for name, (columns, hive) in TABLES.items():
        files_view(con, name, warehouse.files(name, commits), columns, hive)
    con.execute(
        "CREATE OR REPLACE TABLE ingest_batches (batch_id VARCHAR, source_file VARCHAR, sha256 VARCHAR, "
        + ", ".join(f"{key} BIGINT" for key in INGEST_COUNTS) + ")"
    )
    rows = [
        (record["batch_id"], source["path"], source["sha256"], *(int(record["counts"].get(k, 0)) for k in INGEST_COUNTS))
        for record in commits
        if record["kind"] == "ingest"
        for source in record.get("sources", [])[:1]
    ]
    if rows:
        con.executemany(f"INSERT INTO ingest_batches VALUES ({', '.join(['?'] * (3 + len(INGEST_COUNTS)))})", rows)
    derived_views(con)


def derived_views(con: duckdb.DuckDBPyConnection) -> None:
    """The views built on the warehouse tables that the rating and `ocrbill sql` share."""
    con.execute("CREATE OR REPLACE VIEW packs AS SELECT * FROM events WHERE event_type = 'pack_purchase'")
    con.execute("CREATE OR REPLACE VIEW conflicts AS " + sql_text("conflicts"))
    con.execute("CREATE OR REPLACE VIEW suspensions AS " + sql_text("suspensions"))


def export_month_dirs(exports: Path) -> list[Path]:
    """Each exported month's folder: `exports/YYYY-MM`, or `.old-YYYY-MM` when a bill crashed in
    the instant between moving the month aside and moving its new export in (export.py)."""
    months = {p.name: p for p in exports.glob(".old-[0-9][0-9][0-9][0-9]-[0-9][0-9]") if p.is_dir()}
    months = {name.removeprefix(".old-"): p for name, p in months.items()}
    months.update({p.name: p for p in exports.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]") if p.is_dir()})
    return [months[m] for m in sorted(months)]


def attach_exports(con: duckdb.DuckDBPyConnection, warehouse: Warehouse) -> None:
    """Views over every exported month (`bill_lines`, …) and `usage` (the usage bill lines)."""
    months = export_month_dirs(warehouse.root / "exports")
    for name in EXPORT_VIEWS:
        files = [month / f"{name}.parquet" for month in months if (month / f"{name}.parquet").is_file()]
        if not files:
            continue
        listed = ", ".join(_quote_path(f) for f in files)
        if name in MONTH_IN_FOLDER:  # the month is the file's folder, exports/YYYY-MM/
            con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT"
                r" regexp_extract(filename, '(\d{4}-\d{2})/[^/]+$', 1) AS billing_month,"
                f" * EXCLUDE (filename) FROM read_parquet([{listed}], union_by_name = true, filename = true)"
            )
        else:
            con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{listed}], union_by_name = true)")
    if any((month / "bill_lines.parquet").is_file() for month in months):
        con.execute("CREATE OR REPLACE VIEW usage AS SELECT * FROM bill_lines WHERE charge_type = 'usage'")


class ReadOnlyQueryError(ValueError):
    """A query `ocrbill sql` refuses: it is not a read-only SELECT."""


def open_read_only(warehouse: Warehouse, temp_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the warehouse views that can read only the warehouse (and spill
    into `temp_dir`, a fresh private folder: DuckDB allows its temp folder too, which by default
    is `.tmp` in the working directory)."""
    con = connect(temp_dir=temp_dir)
    attach_warehouse(con, warehouse)
    attach_exports(con, warehouse)
    # From here on the connection can touch no file outside the warehouse, and its
    # settings are frozen; `run_read_only` also refuses anything but SELECT statements.
    root = str(warehouse.root.resolve()) + "/"
    con.execute("SET allowed_directories = [?]", [root])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_read_only(
    con: duckdb.DuckDBPyConnection, query: str, params: list | None = None
) -> duckdb.DuckDBPyConnection:
    """Run `query` if it is one SELECT statement; returns its cursor."""
    statements = con.extract_statements(query)
    if not statements:
        raise ReadOnlyQueryError("empty query")
    for statement in statements:
        if statement.type != duckdb.StatementType.SELECT:
            raise ReadOnlyQueryError(f"only SELECT queries are allowed, not {statement.type.name}")
    if len(statements) > 1:  # only one result is printed: a second query would be lost
        raise ReadOnlyQueryError(f"one SELECT at a time, not {len(statements)}")
    return con.execute(statements[0].query, params or None)
