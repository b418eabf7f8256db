"""Reference tables (`reference/*.csv`): load them into DuckDB as `ref_*` tables, typed and checked."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

from .paths import REFERENCE_DIR

# Every reference table: its file, and its columns with their DuckDB types.
TABLES: dict[str, dict[str, str]] = {
    "billing_items": {
        "billing_item": "VARCHAR",
        "pack_type": "VARCHAR",  # dedicated | shared
        "free_kind": "VARCHAR",  # monthly | once | none (R6)
        "free_units": "INTEGER",
        "free_valid_months": "INTEGER",
        "aliases": "VARCHAR",  # ';'-separated other spellings in the seed
        "valid_from": "DATE",
    },
    "interfaces": {
        "interface_cn": "VARCHAR",
        "action": "VARCHAR",
        "billing_rule": "VARCHAR",  # per_call | per_ticket (MixedInvoiceOCR, R4a) | none
        "billing_item": "VARCHAR",
        "qps_class": "VARCHAR",  # A | B | C | empty (R21)
        "valid_from": "DATE",
    },
    "postpaid_ladder": {
        "billing_item": "VARCHAR",
        "tier_from": "BIGINT",  # 0, 10000, 100000, 1000000 (R9)
        "unit_price": "DECIMAL(18,6)",  # empty = 联系商务 (R10)
        "valid_from": "DATE",
    },
    "pack_prices": {
        "billing_item": "VARCHAR",
        "size": "BIGINT",
        "list_price": "DECIMAL(18,2)",  # empty = 联系商务
        "valid_from": "DATE",
    },
    "error_codes": {
        "error_code": "VARCHAR",
        "description": "VARCHAR",
        "billable": "BOOLEAN",  # R4c
        "valid_from": "DATE",
    },
    "ticket_types": {
        "type_code": "INTEGER",
        "name_cn": "VARCHAR",
        "ticket_class": "VARCHAR",  # large | small (R4a)
        "billing_item": "VARCHAR",
        "valid_from": "DATE",
    },
    "regions": {
        "region": "VARCHAR",
        "name": "VARCHAR",
        "site": "VARCHAR",  # domestic | international (R3)
        "valid_from": "DATE",
    },
    "qps_prices": {
        "qps_class": "VARCHAR",
        "qps_from": "INTEGER",
        "qps_to": "INTEGER",  # exclusive; empty = no upper bound
        "price_per_day": "DECIMAL(18,2)",
        "price_per_month": "DECIMAL(18,2)",
        "valid_from": "DATE",
    },
    "qps_classes": {
        "qps_class": "VARCHAR",
        "cap": "INTEGER",
        "valid_from": "DATE",
    },
    "intl_prices": {
        "billing_item": "VARCHAR",
        "tier_from": "BIGINT",
        "unit_price": "DECIMAL(18,6)",
        "currency": "VARCHAR",
        "valid_from": "DATE",
    },
}


class ReferenceError(ValueError):
    """A reference table that cannot be used; the message names the file and line."""


_PARENS = str.maketrans({"(": "（", ")": "）"})


def item_key(name: str) -> str:
    """Match key of a billing-item name: no whitespace, full-width parentheses."""
    return re.sub(r"\s+", "", name).translate(_PARENS)


def _check_header(path: Path, columns: list[str]) -> None:
    """Fail with the file name when the header is not the expected one."""
    with open(path, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh), None)
    if header != columns:
        raise ReferenceError(f"{path}:1: header {header} is not {columns}")


def load_reference(con: duckdb.DuckDBPyConnection, ref_dir: Path = REFERENCE_DIR) -> None:
    """Create the `ref_<table>` tables (all valid_from versions) from `ref_dir`."""
    for table, columns in TABLES.items():
        path = ref_dir / f"{table}.csv"
        if not path.is_file():
            raise ReferenceError(f"{path}: missing reference table")
        _check_header(path, list(columns))
        types = ", ".join(f"'{name}': '{typ}'" for name, typ in columns.items())
        try:
            con.execute(
                f"CREATE OR REPLACE TABLE ref_{table} AS "
                f"SELECT * FROM read_csv(?, header = true, columns = {{{types}}}, "
                f"auto_detect = false, quote = '\"', escape = '\"')",
                [str(path)],
            )
        except duckdb.Error as exc:
            raise ReferenceError(f"{path}: {exc}") from exc
    con.create_function("item_key", item_key, ["VARCHAR"], "VARCHAR", null_handling="special")
    con.execute(
        """
        CREATE OR REPLACE TABLE ref_billing_item_keys AS
        SELECT DISTINCT item_key(alias) AS item_key, billing_item
        FROM (
            SELECT billing_item, billing_item AS alias FROM ref_billing_items
            UNION ALL
            SELECT billing_item, trim(unnest(string_split(aliases, ';'))) AS alias
            FROM ref_billing_items WHERE coalesce(aliases, '') <> ''
        )
        """
    )
