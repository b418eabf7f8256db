"""Reference tables (`reference/*.csv`) checked against their sources in `reference/sources/`.

The seed price list is parsed here independently of the CSVs (its tables were extracted from a
PDF, tab-separated, some rows shifted), so a transcription slip in a CSV fails a test. Every
deliberate deviation from a literal reading of the seed is listed below and in
`reference/README.md`.
"""

from __future__ import annotations

import csv
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ocrbill.paths import REFERENCE_DIR
from ocrbill.reference import TABLES, ReferenceError, check_reference, item_key, load_reference

SOURCES = REFERENCE_DIR / "sources"
SEED = (SOURCES / "price_list_seed.txt").read_text(encoding="utf-8")
TIERS = (0, 10000, 100000, 1000000)
SIZES = (1000, 10000, 100000, 1000000, 10000000)
LARGE, SMALL = "通用票据识别（大票）", "通用票据识别（小票）"


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_reference(con)
    return con


def rows(con, sql: str, params=()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def resolve(con, name: str) -> str | None:
    """The billing item a seed spelling names (through item_key and the aliases)."""
    found = rows(con, "select billing_item from ref_billing_item_keys where item_key = ?", [item_key(name)])
    assert len(found) <= 1, f"{name!r} names several billing items: {found}"
    return found[0][0] if found else None


def ladder(con, item: str) -> list[Decimal | None]:
    return [p for (p,) in rows(con, "select unit_price from ref_postpaid_ladder where billing_item = ? order by tier_from", [item])]


def packs(con, item: str) -> list[Decimal | None]:
    return [p for (p,) in rows(con, "select list_price from ref_pack_prices where billing_item = ? order by size", [item])]


def section(start: str, end: str) -> list[str]:
    """The seed lines from the first line starting with `start` up to the next line starting with `end`."""
    lines = SEED.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith(start))
    j = next(n for n in range(i + 1, len(lines)) if lines[n].startswith(end))
    return lines[i + 1 : j]


def api_actions() -> list[dict[str, str]]:
    with open(SOURCES / "api_actions.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def ticket_sources() -> list[dict[str, str]]:
    with open(SOURCES / "invoice_ticket_types.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def dec(text: str) -> Decimal | None:
    return None if text in ("", "联系商务") else Decimal(re.sub(r"元(/次)?$", "", text))


# ---------------------------------------------------------------- seed parsers


def seed_error_codes() -> dict[str, tuple[str, bool]]:
    """错误码计费说明: both tables (业务错误码, 公共错误码) → {code: (description, billable)}."""
    out = {}
    for line in section("错误码列表", "购买方式"):
        m = re.fullmatch(r"([A-Za-z][A-Za-z.]*)\t(.+)\t(是|否)", line.strip())
        if m:
            assert m.group(1) not in out, f"code twice in the seed: {m.group(1)}"
            out[m.group(1)] = (m.group(2), m.group(3) == "是")
    return out


def seed_prepaid_rows() -> list[tuple[str, list[str]]]:
    """预付费 table rows with prices: (pack name as printed, 5 price cells)."""
    out = []
    for line in section("服务类别\t接口名称\t资源包名称\t1000次", "后付费"):
        cells = line.split("\t")
        idx = [n for n, c in enumerate(cells) if re.fullmatch(r"\d+元|联系商务", c.strip())]
        if idx:
            pack = next(c for c in reversed(cells[: idx[0]]) if c.strip())
            out.append((pack.strip(), [c.strip() for c in cells[idx[0] : idx[0] + 5]]))
    return out


def seed_interface_pack_pairs() -> list[tuple[str, str, str]]:
    """(table, interface as printed, pack as printed) for the seed rows that print both."""
    out = []
    tables = [
        ("free", "服务类别\t接口名称\t资源包名称\t免费额度", "注意", r"(?:多接口共享 )?\d+次/(月|用户)|多接口共享"),
        ("prepaid", "服务类别\t接口名称\t资源包名称\t1000次", "后付费", r"\d+元|联系商务"),
        ("postpaid", "服务类别\t后付费接口名称", "QPS 叠加包", r"[\d.]+元/次|联系商务"),
    ]
    for table, start, end, price in tables:
        for line in section(start, end):
            cells = line.split("\t")
            idx = [n for n, c in enumerate(cells) if re.fullmatch(price, c.strip())]
            before = [c.strip() for c in cells[: idx[0]] if c.strip()] if idx else []
            if len(before) >= 2:
                out.append((table, before[-2], before[-1]))
    return out


def seed_postpaid_rows() -> list[tuple[str, list[str]]]:
    """后付费 table rows with prices: (计费项名称 as printed, the 4 tier cells, blanks kept)."""
    out = []
    for line in section("服务类别\t后付费接口名称", "QPS 叠加包"):
        cells = line.split("\t")
        idx = [n for n, c in enumerate(cells) if re.fullmatch(r"[\d.]+元/次|联系商务", c.strip())]
        if idx:
            tiers = [c.strip() for c in cells[idx[0] : idx[0] + 4]]
            out.append((cells[idx[0] - 1].strip(), (tiers + [""] * 4)[:4]))
    return out


def read_ladder(cells: list[str]) -> list[Decimal | None]:
    """Spec 1.3: one price and no 联系商务 → every tier; blanks keep the price until 联系商务."""
    prices = [c for c in cells if c]
    if len(prices) == 1 and prices[0] != "联系商务":
        return [dec(prices[0])] * 4
    out, last = [], None
    for cell in cells:
        last = dec(cell) if cell else last
        out.append(last)
    return out


def seed_free_quota_rows() -> list[tuple[str, str, int, str, str]]:
    """免费额度 table rows: (pack, interface cell, units, 月|用户, validity cell)."""
    out = []
    for line in section("服务类别\t接口名称\t资源包名称\t免费额度", "注意"):
        cells = [c.strip() for c in line.split("\t")]
        for n, cell in enumerate(cells):
            m = re.fullmatch(r"(?:多接口共享 )?(\d+)次/(月|用户)", cell)
            if m:
                before = [c for c in cells[:n] if c]
                if not before:  # 二维码和条形码识别: quota wrapped onto a line of its own (its pack is
                    continue  # 图片文字识别（基础版）, also on the 广告文字识别 and 快速文本检测 rows)
                out.append((before[-1], before[-2] if len(before) > 1 else "", int(m.group(1)), m.group(2), cells[n + 1]))
    return out


def seed_shared_table() -> dict[str, str]:
    """共享资源包说明: {pack as printed: 专用资源包|共享资源包}."""
    out = {}
    for line in section("共享资源包的对应关系如下表所示", "混贴票据计费说明"):
        cells = [c.strip() for c in line.split("\t") if c.strip()]
        if cells and cells[-1] in ("专用资源包", "共享资源包"):
            out[cells[-2]] = cells[-1]
    return out


def seed_qps() -> tuple[dict[str, str], dict[str, list[tuple[int, int | None, Decimal, Decimal]]]]:
    """QPS 叠加包 table: ({interface name: class}, {class: [(from, to, per day, per month)]})."""
    classes: dict[str, str] = {}
    prices: dict[str, list] = {}
    current = None
    for line in section("接口名称\tQPS 叠加包类型", "⚠ 注意"):
        cells = [c.strip() for c in line.split("\t")]
        for cell in cells:
            m = re.fullmatch(r"QPS 叠加包-([ABC])类", cell)
            if m:
                current = m.group(1)
        if cells[0]:
            classes[cells[0]] = current
        rng = next((c for c in cells if "QPS" in c and ("<" in c or ">=" in c)), None)
        if rng:
            m = re.fullmatch(r"(\d+)<=QPS<(\d+)|QPS>=(\d+)", rng)
            lo, hi = (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(3)), None)
            day = next(Decimal(c[: -len("元/QPS/日")]) for c in cells if c.endswith("元/QPS/日"))
            month = next(Decimal(c[: -len("元/QPS/月")]) for c in cells if c.endswith("元/QPS/月"))
            prices.setdefault(current, []).append((lo, hi, day, month))
    return classes, prices


# ---------------------------------------------------------------- loading and shape


def test_every_table_loads_with_its_declared_header(con):
    for table, columns in TABLES.items():
        with open(REFERENCE_DIR / f"{table}.csv", encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == list(columns), table
        described = [r[0] for r in rows(con, f"describe ref_{table}")]
        assert described == list(columns), table


def test_check_reference_finds_no_problem(con):
    assert check_reference(con) == []


@pytest.mark.parametrize(
    "table, column, pattern",
    [
        ("postpaid_ladder", "unit_price", r"\d+(\.\d+)?"),
        ("pack_prices", "list_price", r"\d+(\.\d+)?"),
        ("qps_prices", "price_per_day", r"\d+(\.\d+)?"),
        ("qps_prices", "price_per_month", r"\d+(\.\d+)?"),
        ("billing_items", "valid_from", r"\d{4}-\d{2}-\d{2}"),
    ],
)
def test_money_is_written_as_plain_decimals(table, column, pattern):
    with open(REFERENCE_DIR / f"{table}.csv", encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            assert row[column] == "" or re.fullmatch(pattern, row[column]), f"{table}.csv:{n}: {row[column]!r}"


@pytest.mark.parametrize("table", [t for t, cols in TABLES.items() if "billing_item" in cols])
def test_billing_item_names_use_full_width_parentheses(con, table):
    bad = rows(con, f"select billing_item from ref_{table} where billing_item similar to '.*[()].*'")
    assert bad == []


def test_valid_from_is_2000_01_01_except_billable_error_codes(con):
    for table in TABLES:
        dates = {d for (d,) in rows(con, f"select distinct valid_from from ref_{table}")}
        if table == "error_codes":
            assert {str(d) for d in dates} == {"2000-01-01", "2020-07-06"}
        else:
            assert {str(d) for d in dates} <= {"2000-01-01"}, table


# ---------------------------------------------------------------- interfaces (R4a, R5, R21)


def test_R5_every_api_actions_row_is_an_interface(con):
    expected = {(r["interface_cn"], a.strip()) for r in api_actions() for a in r["action"].split(";")}
    got = rows(con, "select interface_cn, action from ref_interfaces")
    assert len(got) == len(set(got)) == len(expected)
    assert set(got) == expected


def test_R5_every_action_maps_to_exactly_one_billing_item(con):
    multi = rows(
        con,
        "select action from ref_interfaces group by action "
        "having count(distinct coalesce(billing_item, '-')) <> 1 or count(distinct billing_rule) <> 1",
    )
    assert multi == []


# api_actions.csv `pack=` notes that are not one billing item, and what the table does instead
PACK_NOTE_EXCEPTIONS = {
    "ExtractDocMulti": ("per_call", "文档抽取（多模态版）-自适应价格"),
    "ExtractDocMultiPro": ("per_call", "文档抽取（多模态 Pro 版）-自适应价格"),
    "MixedInvoiceOCR": ("per_ticket", None),
    "SmartStructuralOCR": ("none", None),
}


def test_R5_interfaces_bill_to_the_pack_api_actions_names(con):
    by_action = {}
    for r in api_actions():
        pack = r["note"].split(";")[0].removeprefix("pack=").removesuffix(" (postpaid billing item)")
        for action in r["action"].split(";"):
            by_action.setdefault(action.strip(), set()).add(pack)
    for action, notes in by_action.items():
        got = rows(con, "select distinct billing_rule, billing_item from ref_interfaces where action = ?", [action])
        assert len(got) == 1, action
        if action in PACK_NOTE_EXCEPTIONS:
            assert got[0] == PACK_NOTE_EXCEPTIONS[action], action
            continue
        real = {resolve(con, p) for p in notes if not p.startswith("(")}
        assert len(real) == 1, (action, notes)
        assert got[0] == ("per_call", real.pop()), action


# seed rows whose interface cell and pack cell disagree with api_actions.csv (PDF layout shifts)
SHIFTED_ROWS = {
    ("free", "港澳台通行证识别", "通用票据识别（大票）"),  # head of the 大票 block; postpaid/shared: 通用证照识别
    ("prepaid", "港澳台通行证识别", "通用票据识别 (大票)"),  # same shift in the prepaid table
    ("free", "火车票识别", "算式识别"),  # 算式识别's own row lost its interface cell; other tables: 小票
}


def test_R5_seed_interface_and_pack_cells_agree_with_interfaces(con):
    pairs = seed_interface_pack_pairs()
    assert len(pairs) > 100
    assert SHIFTED_ROWS <= set(pairs)
    for table, interface, pack in pairs:
        got = {i for (i,) in rows(con, "select distinct billing_item from ref_interfaces where item_key(interface_cn) = ?", [item_key(interface)])}
        assert got, f"{table}: interface {interface} not in interfaces.csv"
        if (table, interface, pack) in SHIFTED_ROWS:
            assert got != {resolve(con, pack)}, (table, interface, pack)
        else:
            assert got == {resolve(con, pack)}, (table, interface, pack)


@pytest.mark.parametrize(
    "action, item",
    [
        ("PermitOCR", "通用证照识别"),  # 港澳台通行证识别: postpaid and shared-pack tables
        ("TrainTicketOCR", "通用票据识别（小票）"),  # free-quota table prints 算式识别 on its row
        ("ArithmeticOCR", "算式识别"),
        ("VerifyOfdVatInvoiceOCR", "通用票据识别（大票）"),  # OFD 发票识别: prepaid, postpaid, shared tables
        ("RecognizeGeneralTextImageWarn", "通用证照识别"),  # 通用文本图像告警: prepaid/postpaid only
        ("DriverLicenseOCR", "行驶证/驾驶证识别"),
        ("VehicleLicenseOCR", "行驶证/驾驶证识别"),
        ("RecognizeTableOCR", "表格识别"),
        ("RecognizeTableAccurateOCR", "表格识别"),
        ("MLIDPassportOCR", "通用证照识别"),  # also the QPS-only row 护照（港澳台及境外护照）
        ("RecognizeGeneralCardWarn", "通用卡证鉴伪"),  # postpaid spelling 通用卡证鉴别
        ("ExtractDocMulti", "文档抽取（多模态版）-自适应价格"),
        ("ExtractDocMultiPro", "文档抽取（多模态 Pro 版）-自适应价格"),
        ("QuestionOCR", "试卷切题"),
        ("MixedInvoiceDetect", "通用票据识别（小票）"),
        ("VatInvoiceVerify", "增值税发票核验"),
        ("VatInvoiceVerifyNew", "增值税发票核验"),
        ("RecognizeHealthCodeOCR", "行程卡健康码识别"),
        ("QueryBarCode", "条码信息查询"),
    ],
)
def test_R5_decided_mappings(con, action, item):
    assert rows(con, "select distinct billing_item from ref_interfaces where action = ?", [action]) == [(item,)]


def test_R4a_only_mixed_invoice_is_per_ticket_and_only_smart_structural_unbilled(con):
    assert rows(con, "select distinct action from ref_interfaces where billing_rule = 'per_ticket'") == [("MixedInvoiceOCR",)]
    assert rows(con, "select distinct action from ref_interfaces where billing_rule = 'none'") == [("SmartStructuralOCR",)]


def test_R21_qps_classes_are_the_seed_table(con):
    classes, _ = seed_qps()
    expected: dict[str, str] = {}
    names = {r["interface_cn"]: r["action"] for r in api_actions()}
    for name, cls in classes.items():
        expected[names[name]] = cls  # every QPS-table name is an interface_cn of api_actions.csv
    assert sorted(set(expected.values())) == ["A", "B", "C"]
    assert len(expected) == 20
    for action, got in rows(con, "select action, list(distinct coalesce(qps_class, '')) from ref_interfaces group by action"):
        assert got == [expected.get(action, "")], action


def test_R21_qps_class_A_is_what_the_spec_says(con):
    a = {n for (n,) in rows(con, "select distinct interface_cn from ref_interfaces where qps_class = 'A'")}
    assert a == {"二维码和条形码识别", "通用印刷体识别", "身份证识别", "银行卡识别", "通用手写体识别"}


def test_R21_qps_prices_and_caps_are_the_seed_table(con):
    _, prices = seed_qps()
    got = rows(con, "select qps_class, qps_from, qps_to, price_per_day, price_per_month from ref_qps_prices order by all")
    expected = sorted((c, lo, hi, d, m) for c, ps in prices.items() for lo, hi, d, m in ps)
    assert got == [tuple(e) for e in sorted(expected, key=lambda e: (e[0], e[1]))]
    caps = dict(re.findall(r"([ABC])类：(\d+)", SEED))
    assert rows(con, "select qps_class, cap from ref_qps_classes order by 1") == [(c, int(v)) for c, v in sorted(caps.items())]
    assert caps == {"A": "100", "B": "50", "C": "25"}


# ---------------------------------------------------------------- billing items, free quota (R6)


def test_every_referenced_billing_item_exists(con):
    for table in ("interfaces", "postpaid_ladder", "pack_prices", "ticket_types", "intl_prices"):
        missing = rows(
            con,
            f"select distinct billing_item from ref_{table} where billing_item is not null "
            "and billing_item not in (select billing_item from ref_billing_items)",
        )
        assert missing == [], table


def test_every_billing_item_has_an_interface_or_is_a_fixed_price_variant(con):
    orphan = {i for (i,) in rows(con, "select billing_item from ref_billing_items where billing_item not in "
                                      "(select billing_item from ref_interfaces where billing_item is not null "
                                      " union all select billing_item from ref_ticket_types)")}
    assert orphan == {"文档抽取（多模态版）-固定价格", "文档抽取（多模态 Pro 版）-固定价格"}


def test_R9_every_billing_item_has_exactly_four_ladder_tiers(con):
    for item, tiers in rows(con, "select b.billing_item, list(l.tier_from order by l.tier_from) from ref_billing_items b "
                                 "left join ref_postpaid_ladder l using (billing_item) group by all"):
        assert tiers == list(TIERS), item


def test_R12_every_billing_item_has_exactly_five_pack_sizes(con):
    for item, sizes in rows(con, "select b.billing_item, list(p.size order by p.size) from ref_billing_items b "
                                 "left join ref_pack_prices p using (billing_item) group by all"):
        assert sizes == list(SIZES), item


# what the tables do where the seed's free-quota table is silent or printed on a shifted row
FREE_NOT_IN_SEED_TABLE = {
    "行程卡健康码识别": ("monthly", 1000, 1),  # 通用文字识别 service: bullet gives 1,000次/月
    "条码信息查询": ("monthly", 1000, 1),  # 智能扫码 service: bullet gives 1,000次/月
    "文档抽取（多模态版）-固定价格": ("none", None, None),  # the free pack is the 自适应价格 one
    "文档抽取（多模态 Pro 版）-固定价格": ("none", None, None),
}


def test_R6_free_quota_is_the_seed_free_quota_table(con):
    seen = {}
    for pack, _interface, units, per, validity in seed_free_quota_rows():
        item = resolve(con, pack)
        assert item is not None, pack
        months = {"当月有效，每月均发放": 1, "开通时一次性发放，一年内有效": 12, "开通时一次性发放，五年内有效": 60}[validity]
        seen[item] = ("monthly" if per == "月" else "once", units, months)
    for item, expected in FREE_NOT_IN_SEED_TABLE.items():
        assert item not in seen
        seen[item] = expected
    got = dict((i, (k, u, m)) for i, k, u, m in rows(con, "select billing_item, free_kind, free_units, free_valid_months from ref_billing_items"))
    assert got == seen


def test_R6_one_time_free_packs_are_the_seed_list(con):
    once = {i: (u, m) for i, u, m in rows(con, "select billing_item, free_units, free_valid_months from ref_billing_items where free_kind = 'once'")}
    assert once == {
        "商户门头照识别": (1000, 12),
        "商户照片分类": (1000, 12),
        "通用卡证鉴伪": (1000, 12),
        "文档抽取（多模态 Pro 版）-自适应价格": (1000, 12),
        "中英文手写作文识别": (1000, 12),
        "公式识别": (1000, 12),
        "试卷切题": (1000, 12),
        "增值税发票核验": (50, 60),
    }


def test_R5_pack_type_follows_the_shared_pack_table(con):
    table = seed_shared_table()
    got = dict(rows(con, "select billing_item, pack_type from ref_billing_items"))
    for pack, kind in table.items():
        assert got[resolve(con, pack)] == ("shared" if kind == "共享资源包" else "dedicated"), pack
    # 行驶证识别/驾驶证识别 print no pack cell there (merged cell lost): shared, two interfaces
    assert got["行驶证/驾驶证识别"] == "shared"
    listed = {resolve(con, p) for p in table} | {"行驶证/驾驶证识别"}
    actions = dict(rows(con, "select billing_item, count(distinct action) from ref_interfaces group by 1"))
    for item, kind in got.items():
        if item not in listed:  # not in the seed's table: shared iff several actions draw on it
            assert kind == ("shared" if actions.get(item, 0) > 1 else "dedicated"), item


@pytest.mark.parametrize(
    "spelling, item",
    [
        ("通用卡证鉴别", "通用卡证鉴伪"),
        ("行驶证 / 驾驶证识别", "行驶证/驾驶证识别"),
        ("行驶证/驾驶证识别", "行驶证/驾驶证识别"),
        ("通用票据识别 (小票)", "通用票据识别（小票）"),
        ("通用票据识别(小票)", "通用票据识别（小票）"),
        ("通用票据识别（小票）", "通用票据识别（小票）"),
        ("车辆VIN码识别", "车辆 VIN 码识别"),
        ("车辆 VIN 码识别", "车辆 VIN 码识别"),
        ("文档抽取 (多模态版) - 自适应价格", "文档抽取（多模态版）-自适应价格"),
        ("文档抽取 (多模态版) - 短文本-自适应价格", "文档抽取（多模态版）-自适应价格"),
        ("文档抽取 (Pro 版) - 固定价格", "文档抽取（多模态 Pro 版）-固定价格"),
        ("图片文字识别 (基础版)", "图片文字识别（基础版）"),
        (" 通用印刷体识别 ( 高精度版 ) ", "通用印刷体识别（高精度版）"),
    ],
)
def test_R5_item_key_matches_seed_spellings(con, spelling, item):
    assert resolve(con, spelling) == item


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("通用票据识别(小票)", "通用票据识别（小票）", True),
        ("通用票据识别 （小票）", "通用票据识别（小票）", True),
        ("车辆VIN码识别", "车辆 VIN 码识别", True),
        ("行驶证 /\t驾驶证识别", "行驶证/驾驶证识别", True),
        ("通用票据识别（大票）", "通用票据识别（小票）", False),
        ("通用印刷体识别", "通用印刷体识别（高精度版）", False),
        ("文档抽取（多模态版）-固定价格", "文档抽取（多模态版）-自适应价格", False),
    ],
)
def test_item_key_ignores_spaces_and_parenthesis_width(a, b, same):
    assert (item_key(a) == item_key(b)) is same


def test_unknown_spelling_resolves_to_nothing(con):
    assert resolve(con, "通用票据识别（中票）") is None
    assert resolve(con, "文档抽取 (多模态版) - 长文本-自适应价格") is None  # deliberately not mapped


# ---------------------------------------------------------------- prices (R9, R10, R12)

# (billing item, size): the values the seed prints on different rows of one pack, and the one kept
PACK_DISAGREEMENTS = {("图片文字识别（基础版）", 10000000): ({Decimal(100000), Decimal(200000)}, Decimal(100000))}


def test_R12_pack_prices_are_the_seed_prepaid_table_and_shared_rows_agree(con):
    seen: dict[tuple[str, int], set] = {}
    for pack, cells in seed_prepaid_rows():
        item = resolve(con, pack)
        assert item is not None, pack
        assert len(cells) == 5, (pack, cells)
        for size, cell in zip(SIZES, cells):
            seen.setdefault((item, size), set()).add(dec(cell))
    for key, values in seen.items():
        got = rows(con, "select list_price from ref_pack_prices where billing_item = ? and size = ?", list(key))[0][0]
        if key in PACK_DISAGREEMENTS:
            assert values == PACK_DISAGREEMENTS[key][0] and got == PACK_DISAGREEMENTS[key][1], key
        else:
            assert values == {got}, (key, values, got)
    not_in_seed = {i for (i,) in rows(con, "select billing_item from ref_billing_items")} - {i for i, _ in seen}
    assert not_in_seed == {"行程卡健康码识别", "条码信息查询"}
    for item in not_in_seed:
        assert packs(con, item) == [None] * 5


# 计费项 rows whose price is not the billing item's ladder (the 长文本 rows: no log field tells
# long text from short text; the items use the 短文本 rows)
LADDER_ROWS_NOT_USED = {"文档抽取 (多模态版) - 长文本-自适应价格", "文档抽取 (多模态 Pro 版) - 长文本-自适应价格"}


def test_R9_R10_ladders_are_the_seed_postpaid_table_read_per_spec_1_3(con):
    seen: dict[str, set] = {}
    for name, cells in seed_postpaid_rows():
        if name in LADDER_ROWS_NOT_USED:
            continue
        item = resolve(con, name)
        assert item is not None, name
        seen.setdefault(item, set()).add(tuple(read_ladder(cells)))
    for item, values in seen.items():
        assert values == {tuple(ladder(con, item))}, (item, values)
    not_in_seed = {i for (i,) in rows(con, "select billing_item from ref_billing_items")} - set(seen)
    assert not_in_seed == {"行程卡健康码识别", "条码信息查询"}
    for item in not_in_seed:
        assert ladder(con, item) == [None] * 4


def test_R9_reading_rule_of_spec_1_3():
    assert read_ladder(["0.6元/次", "", "", "联系商务"]) == [Decimal("0.6")] * 3 + [None]
    assert read_ladder(["0.1元/次", "", "", ""]) == [Decimal("0.1")] * 4
    assert read_ladder(["0.15元/次", "0.10元/次", "0.06元/次", "联系商务"]) == [Decimal("0.15"), Decimal("0.10"), Decimal("0.06"), None]


P = Decimal
SPOT_LADDERS = [
    ("通用印刷体识别（高精度版）", [P("0.50"), P("0.35"), P("0.20"), None]),
    ("图片文字识别（基础版）", [P("0.12"), P("0.09"), P("0.06"), P("0.03")]),
    ("通用印刷体识别（精简版）", [P("0.08"), P("0.05"), P("0.03"), None]),
    ("商户门头照识别", [P("0.5"), P("0.36"), P("0.32"), None]),
    ("商户照片分类", [P("0.4"), P("0.28"), P("0.22"), None]),
    ("有效身份证件识别", [P("0.2"), P("0.15"), P("0.1"), None]),
    ("增值税发票核验", [P("0.30"), P("0.28"), P("0.25"), None]),
    ("通用票据识别（小票）", [P("0.10"), P("0.07"), P("0.04"), None]),
    ("通用票据识别（高级版）", [P("0.15"), P("0.15"), P("0.15"), None]),
    ("文本图像增强", [P("0.15"), P("0.15"), P("0.15"), None]),
    ("文档抽取（基础版）", [P("0.40"), P("0.28"), P("0.20"), None]),
    ("文档抽取（多模态版）-自适应价格", [P("0.48"), P("0.34"), P("0.24"), None]),
    ("文档抽取（多模态版）-固定价格", [P("0.288")] * 4),
    ("文档抽取（多模态 Pro 版）-自适应价格", [P("0.34")] * 4),
    ("文档抽取（多模态 Pro 版）-固定价格", [P("0.40")] * 4),
    ("通用卡证鉴伪", [P("0.08")] * 4),
    ("试卷切题", [P("0.24")] * 4),
    ("中英文手写作文识别", [P("0.24")] * 4),
    ("算式识别", [P("0.15"), P("0.10"), P("0.06"), None]),
    ("通用证照识别", [P("0.15"), P("0.10"), P("0.06"), None]),
]
SPOT_PACKS = [
    ("通用票据识别（小票）", [80, 500, 3000, 20000, 150000]),
    ("通用印刷体识别（高精度版）", [400, 3000, 15000, 80000, 500000]),
    ("商户门头照识别", [400, 3500, 30000, 250000, 2000000]),
    ("商户照片分类", [300, 2500, 20000, 180000, 1500000]),
    ("通用卡证鉴伪", [60, 400, None, None, None]),
    ("有效身份证件识别", [160, 1000, None, None, None]),
    ("增值税发票核验", [280, 2600, 24000, 220000, None]),
    ("医疗票据识别", [450, 4000, 30000, 250000, 2000000]),
    ("通用票据识别（高级版）", [120, 1000, 8000, 50000, 400000]),
    ("文档抽取（多模态 Pro 版）-固定价格", [470, 4000, 33000, 170000, 1000000]),
    ("试卷切题", [200, 1200, 9600, 72000, 600000]),
    ("通用印刷体识别（精简版）", [60, 400, 2500, 15000, 100000]),
    ("身份证识别", [120, 800, 5000, 30000, 200000]),
]


@pytest.mark.parametrize("item, prices", SPOT_LADDERS)
def test_R9_spot_ladder_prices_read_by_hand(con, item, prices):
    assert ladder(con, item) == prices


@pytest.mark.parametrize("item, prices", SPOT_PACKS)
def test_R12_spot_pack_prices_read_by_hand(con, item, prices):
    assert packs(con, item) == [None if p is None else Decimal(p) for p in prices]


def unit_price(con, action: str, units: int) -> Decimal | None:
    """R5 + R9: the postpaid unit price of a month with `units` billable units of the action's item."""
    (item,) = rows(con, "select distinct billing_item from ref_interfaces where action = ?", [action])[0]
    return rows(
        con,
        "select unit_price from ref_postpaid_ladder where billing_item = ? and tier_from <= ? "
        "order by tier_from desc limit 1",
        [item, units],
    )[0][0]


@pytest.mark.parametrize(
    "action, units, free, amount",
    [
        ("IDCardOCR", 900, 1000, Decimal("0")),  # 后付费 示例一
        ("DriverLicenseOCR", 9000, 1000, Decimal("1200")),  # 示例二 (驾驶证识别 → 行驶证/驾驶证识别)
        ("GeneralBasicOCR", 90000, 1000, Decimal("8900")),  # 示例三
        ("BankCardOCR", 900000, 1000, Decimal("53940")),  # 示例四
    ],
)
def test_R9_seed_postpaid_examples(con, action, units, free, amount):
    assert max(units - free, 0) * unit_price(con, action, units) == amount


def test_R9_seed_example_prices(con):
    assert ladder(con, "身份证识别")[0] == Decimal("0.15")
    assert resolve(con, "驾驶证识别") is None  # an interface name, not a pack …
    assert rows(con, "select distinct billing_item from ref_interfaces where interface_cn = '驾驶证识别'") == [("行驶证/驾驶证识别",)]
    assert ladder(con, "行驶证/驾驶证识别")[0] == Decimal("0.15")
    assert ladder(con, "通用印刷体识别")[1] == Decimal("0.10")
    assert ladder(con, "银行卡识别")[2] == Decimal("0.06")
    assert packs(con, "公式识别")[0] == Decimal("84")
    assert ladder(con, "医疗票据识别") == [Decimal("0.6")] * 3 + [None]
    assert ladder(con, "公式识别") == [Decimal("0.1")] * 4
    # 预付费 示例二: bank card 2500 calls, 1000 free + one 1000 pack at 84 → 159
    assert (2500 - 1000 - 1000) * ladder(con, "银行卡识别")[0] + 84 == Decimal("159")


def test_R21_seed_qps_example(con):
    (action,) = rows(con, "select distinct action from ref_interfaces where interface_cn = '身份证识别'")[0]
    price = rows(
        con,
        "select p.price_per_day from ref_interfaces i join ref_qps_prices p using (qps_class) "
        "where i.action = ? and p.qps_from <= 80 and (p.qps_to is null or 80 < p.qps_to)",
        [action],
    )
    assert price == [(Decimal("13"),)]
    assert price[0][0] * 80 * 5 == 5200


def test_R11_international_price_book_is_empty(con):
    assert rows(con, "select count(*) from ref_intl_prices") == [(0,)]


# ---------------------------------------------------------------- error codes (R4c)


def test_R4c_error_codes_are_the_seed_tables(con):
    seed = seed_error_codes()
    assert len(seed) == 49  # 24 业务错误码 + 25 公共错误码
    assert {c for c, (_, b) in seed.items() if b} == {
        "FailedOperation.InvoiceMismatch", "ResourceNotFound.NoInvoice",
        "FailedOperation.EmptyImageError", "FailedOperation.ImageNoBusinessCard",
    }
    current = {
        code: (desc, billable)
        for code, desc, billable in rows(
            con,
            "select error_code, description, billable from ref_error_codes "
            "qualify row_number() over (partition by error_code order by valid_from desc) = 1",
        )
    }
    assert current == seed


@pytest.mark.parametrize(
    "code, day, billable",
    [
        ("FailedOperation.EmptyImageError", "2020-07-05", False),
        ("FailedOperation.EmptyImageError", "2020-07-06", True),
        ("ResourceNotFound.NoInvoice", "2026-01-01", True),
        ("FailedOperation.ImageBlur", "2026-01-01", False),
        ("FailedOperation.ImageBlur", "2001-01-01", False),
    ],
)
def test_R4c_billable_errors_from_2020_07_06_by_valid_from(con, code, day, billable):
    got = rows(
        con,
        "select billable from ref_error_codes where error_code = ? and valid_from <= cast(? as date) "
        "order by valid_from desc limit 1",
        [code, day],
    )
    assert got == [(billable,)]


# ---------------------------------------------------------------- tickets (R4a), regions (R3)


def test_R4a_ticket_types_are_the_classified_type_codes(con):
    expected = sorted(
        (int(r["code"]), r["name_cn"], r["seed_billing_class"], LARGE if r["seed_billing_class"] == "large" else SMALL)
        for r in ticket_sources()
        if r["field"] == "Type" and r["seed_billing_class"] in ("large", "small")
    )
    assert rows(con, "select type_code, name_cn, ticket_class, billing_item from ref_ticket_types order by 1") == expected
    unknown = {int(r["code"]) for r in ticket_sources() if r["field"] == "Type" and r["seed_billing_class"] == "none"}
    assert unknown and not unknown & {c for c, *_ in expected}


def test_R4a_seed_mixed_invoice_example(con):
    # one call: a VAT invoice (3), a machine-printed invoice (8), a train ticket (2) → 1 large + 2 small
    got = rows(con, "select billing_item, count(*) from ref_ticket_types where type_code in (3, 8, 2) group by 1 order by 1")
    assert got == sorted([(LARGE, 1), (SMALL, 2)])


@pytest.mark.parametrize(
    "region, site",
    [
        ("ap-guangzhou", "domestic"), ("ap-shanghai", "domestic"), ("ap-beijing", "domestic"),
        ("ap-chengdu", "domestic"), ("ap-chongqing", "domestic"), ("ap-nanjing", "domestic"),
        ("ap-shanghai-fsi", "domestic"), ("ap-shenzhen-fsi", "domestic"), ("ap-beijing-fsi", "domestic"),
        ("ap-hongkong", "international"), ("ap-taipei", "international"), ("ap-singapore", "international"),
        ("ap-bangkok", "international"), ("ap-tokyo", "international"), ("na-siliconvalley", "international"),
        ("eu-frankfurt", "international"), ("sa-saopaulo", "international"),
    ],
)
def test_R3_region_sites(con, region, site):
    assert rows(con, "select site from ref_regions where region = ?", [region]) == [(site,)]


# ---------------------------------------------------------------- check_reference catches slips


def _corrupt(tmp_path: Path, table: str, edit) -> Path:
    ref = tmp_path / "reference"
    ref.mkdir()
    for name in TABLES:
        shutil.copy(REFERENCE_DIR / f"{name}.csv", ref / f"{name}.csv")
    path = ref / f"{table}.csv"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return ref


@pytest.mark.parametrize(
    "table, edit, expected",
    [
        ("postpaid_ladder", lambda t: t.replace("医疗票据识别,1000000,,2000-01-01\n", ""), "ladder"),
        ("pack_prices", lambda t: t.replace("公式识别,10000000,400000,2000-01-01\n", ""), "pack sizes"),
        ("interfaces", lambda t: t + "驾驶证识别2,DriverLicenseOCR,per_call,身份证识别,B,2000-01-01\n", "more than one billing item"),
        ("interfaces", lambda t: t.replace(",per_call,名片识别,", ",per_call,名片识别X,"), "not in billing_items"),
        ("ticket_types", lambda t: t.replace("3,增值税发票,large,通用票据识别（大票）", "3,增值税发票,large,通用票据识别（小票）"), "ticket class"),
        ("billing_items", lambda t: t.replace("公式识别,dedicated,once", "公式识别,dedicated,yearly"), "enumeration"),
        ("regions", lambda t: t + "ap-guangzhou,广州,domestic,2000-01-01\n", "duplicate key"),
        ("qps_prices", lambda t: t.replace("B,10,100,", "B,10,90,"), "QPS price ranges"),
        ("intl_prices", lambda t: t + "身份证识别,0,0.01,USD,2000-01-01\n", "currency USD"),
    ],
)
def test_check_reference_reports_slips(tmp_path, table, edit, expected):
    ref = _corrupt(tmp_path, table, edit)
    con = duckdb.connect()
    load_reference(con, ref)
    problems = check_reference(con)
    assert any(expected in p for p in problems), problems


def test_load_reference_rejects_a_wrong_header(tmp_path):
    ref = _corrupt(tmp_path, "regions", lambda t: t.replace("region,name,site", "region,site,name", 1))
    with pytest.raises(ReferenceError, match="regions.csv:1"):
        load_reference(duckdb.connect(), ref)
