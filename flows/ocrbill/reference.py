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


def check_reference(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Integrity problems of the loaded `ref_*` tables (after `load_reference`); empty = fine.

    Every check runs per `valid_from` version where a version is a set of rows (ladders, pack
    sizes): a price change adds a complete new set of rows with a later valid_from.
    """
    checks: list[tuple[str, str]] = [
        (
            "duplicate key in a table (same key and valid_from twice)",
            """
            select 'billing_items ' || billing_item from ref_billing_items
                group by billing_item, valid_from having count(*) > 1
            union all select 'interfaces ' || interface_cn || ' ' || action from ref_interfaces
                group by interface_cn, action, valid_from having count(*) > 1
            union all select 'postpaid_ladder ' || billing_item || ' ' || tier_from from ref_postpaid_ladder
                group by billing_item, tier_from, valid_from having count(*) > 1
            union all select 'pack_prices ' || billing_item || ' ' || size from ref_pack_prices
                group by billing_item, size, valid_from having count(*) > 1
            union all select 'error_codes ' || error_code from ref_error_codes
                group by error_code, valid_from having count(*) > 1
            union all select 'ticket_types ' || type_code from ref_ticket_types
                group by type_code, valid_from having count(*) > 1
            union all select 'regions ' || region from ref_regions
                group by region, valid_from having count(*) > 1
            union all select 'qps_prices ' || qps_class || ' ' || qps_from from ref_qps_prices
                group by qps_class, qps_from, valid_from having count(*) > 1
            union all select 'qps_classes ' || qps_class from ref_qps_classes
                group by qps_class, valid_from having count(*) > 1
            union all select 'intl_prices ' || billing_item || ' ' || tier_from || ' ' || currency
                from ref_intl_prices
                group by billing_item, tier_from, currency, valid_from having count(*) > 1
            """,
        ),
        (
            "null key or valid_from",
            """
            select 'billing_items' from ref_billing_items where billing_item is null or valid_from is null
            union all select 'interfaces' from ref_interfaces
                where interface_cn is null or action is null or billing_rule is null or valid_from is null
            union all select 'postpaid_ladder' from ref_postpaid_ladder
                where billing_item is null or tier_from is null or valid_from is null
            union all select 'pack_prices' from ref_pack_prices
                where billing_item is null or size is null or valid_from is null
            union all select 'error_codes' from ref_error_codes
                where error_code is null or billable is null or valid_from is null
            union all select 'ticket_types' from ref_ticket_types
                where type_code is null or billing_item is null or valid_from is null
            union all select 'regions' from ref_regions where region is null or site is null or valid_from is null
            union all select 'qps_prices' from ref_qps_prices
                where qps_class is null or qps_from is null or price_per_day is null
                   or price_per_month is null or valid_from is null
            union all select 'qps_classes' from ref_qps_classes where qps_class is null or cap is null
            """,
        ),
        (
            "value outside its enumeration",
            """
            select 'billing_items ' || billing_item || ': pack_type ' || coalesce(pack_type, 'NULL')
                from ref_billing_items where coalesce(pack_type, '') not in ('dedicated', 'shared')
            union all select 'billing_items ' || billing_item || ': free_kind ' || coalesce(free_kind, 'NULL')
                from ref_billing_items where coalesce(free_kind, '') not in ('monthly', 'once', 'none')
            union all select 'billing_items ' || billing_item || ': free quota inconsistent with free_kind'
                from ref_billing_items
                where (free_kind = 'none' and (free_units is not null or free_valid_months is not null))
                   or (free_kind in ('monthly', 'once')
                       and (coalesce(free_units, 0) <= 0 or coalesce(free_valid_months, 0) <= 0))
            union all select 'interfaces ' || action || ': billing_rule ' || billing_rule
                from ref_interfaces where billing_rule not in ('per_call', 'per_ticket', 'none')
            union all select 'interfaces ' || action || ': qps_class ' || qps_class
                from ref_interfaces where qps_class is not null and qps_class not in ('A', 'B', 'C')
            union all select 'regions ' || region || ': site ' || site
                from ref_regions where site not in ('domestic', 'international')
            union all select 'ticket_types ' || type_code || ': ticket_class ' || coalesce(ticket_class, 'NULL')
                from ref_ticket_types where coalesce(ticket_class, '') not in ('large', 'small')
            -- bills are in CNY and the spec has no exchange rule: a price in another currency
            -- would be added to CNY amounts as if it were CNY
            union all select 'intl_prices ' || billing_item || ': currency ' || coalesce(currency, 'NULL')
                from ref_intl_prices where coalesce(currency, '') <> 'CNY'
            """,
        ),
        (
            "billing_item not in billing_items (R5)",
            """
            with used as (
                select 'interfaces' as t, billing_item from ref_interfaces where billing_item is not null
                union all select 'postpaid_ladder', billing_item from ref_postpaid_ladder
                union all select 'pack_prices', billing_item from ref_pack_prices
                union all select 'ticket_types', billing_item from ref_ticket_types
                union all select 'intl_prices', billing_item from ref_intl_prices
            )
            select distinct t || ' ' || billing_item from used
            where billing_item not in (select billing_item from ref_billing_items)
            """,
        ),
        (
            "interface billing_item inconsistent with billing_rule (R4a, R5)",
            """
            select action || ' (' || billing_rule || ')' from ref_interfaces
            where (billing_rule = 'per_call' and billing_item is null)
               or (billing_rule in ('per_ticket', 'none') and billing_item is not null)
            """,
        ),
        (
            "action mapped to more than one billing item / rule / QPS class (R5, R21)",
            """
            select action from ref_interfaces
            group by action, valid_from
            having count(distinct coalesce(billing_item, '')) > 1
                or count(distinct billing_rule) > 1
                or count(distinct coalesce(qps_class, '')) > 1
            """,
        ),
        (
            "ladder is not exactly the tiers 0, 1万, 10万, 100万 (R9)",
            """
            select billing_item || ' @' || valid_from from ref_postpaid_ladder
            group by billing_item, valid_from
            having list_sort(list(tier_from)) <> [0, 10000, 100000, 1000000]
            union all
            select billing_item from ref_billing_items
            where billing_item not in (select billing_item from ref_postpaid_ladder)
            """,
        ),
        (
            "pack sizes are not exactly 1000 … 1000万",
            """
            select billing_item || ' @' || valid_from from ref_pack_prices
            group by billing_item, valid_from
            having list_sort(list(size)) <> [1000, 10000, 100000, 1000000, 10000000]
            union all
            select billing_item from ref_billing_items
            where billing_item not in (select billing_item from ref_pack_prices)
            """,
        ),
        (
            "negative price",
            """
            select 'postpaid_ladder ' || billing_item from ref_postpaid_ladder where unit_price < 0
            union all select 'pack_prices ' || billing_item from ref_pack_prices where list_price < 0
            union all select 'intl_prices ' || billing_item from ref_intl_prices where unit_price < 0
            union all select 'qps_prices ' || qps_class from ref_qps_prices
                where price_per_day < 0 or price_per_month < 0
            """,
        ),
        (
            "ticket class does not match its billing item (R4a)",
            """
            select type_code::varchar from ref_ticket_types
            where (ticket_class = 'large') <> (billing_item = '通用票据识别（大票）')
               or billing_item not in ('通用票据识别（大票）', '通用票据识别（小票）')
            """,
        ),
        (
            "alias key names two billing items",
            """
            select item_key from ref_billing_item_keys
            group by item_key having count(distinct billing_item) > 1
            """,
        ),
        (
            "QPS price ranges not contiguous from 0 to unbounded, or class without cap (R21)",
            """
            with r as (
                select *, lead(qps_from) over (
                    partition by qps_class, valid_from order by qps_from) as next_from,
                    min(qps_from) over (partition by qps_class, valid_from) as first_from
                from ref_qps_prices
            )
            select qps_class || ' ' || qps_from from r
            where first_from <> 0
               or (next_from is not null and qps_to is distinct from next_from)
               or (next_from is null and qps_to is not null)
               or (qps_to is not null and qps_to <= qps_from)
            union all
            select distinct qps_class from ref_interfaces
            where qps_class is not null
              and (qps_class not in (select qps_class from ref_qps_prices)
                   or qps_class not in (select qps_class from ref_qps_classes))
            """,
        ),
    ]
    problems: list[str] = []
    for title, query in checks:
        for (detail,) in con.execute(query).fetchall():
            problems.append(f"{title}: {detail}")
    return problems
