"""The one-parse JSON Lines path (ingest._stage_fast / _fast_path_stands /
_merge_pass2_into_fast) against the streaming paths it must agree with (line splitter +
json_transform; read_csv WITH ORDINALITY): the same counts, rows, line numbers and raw text.

Hand-written cases pin the differences an audit found (all fixed); a hypothesis test looks for
more on random JSON Lines files. `AUDIT_EXAMPLES=N` sets the number of examples (default 40)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from ocrbill import ingest as ingest_mod
from ocrbill import ingest_files
from ocrbill.ingest import ingest_paths

from test_ingest_stream import REF, rec, rows

EXAMPLES = int(os.environ.get("AUDIT_EXAMPLES", "40"))


def run_path(tmp: Path, name: str, src: Path, path: str) -> tuple:
    """One ingest of `src` into a fresh warehouse through `path`: 'fast' (the code as is; records
    whether the fast path stood), 'split' (no JSON reader pass 1), 'slow' (read_csv only).
    Returns (outcome, fast path used) where outcome is the result and stored rows, or the
    exception's type and message."""
    used: list[bool] = []
    with pytest.MonkeyPatch.context() as m:
        real = ingest_mod._fast_path_stands
        if path == "fast":
            m.setattr(ingest_mod, "_fast_path_stands", lambda *a: used.append(real(*a)) or used[-1])
        else:
            m.setattr(ingest_mod, "_fast_path_stands", lambda con, p, scan, r: False)
        if path == "slow":

            def refuse(*args, **kwargs):
                raise ingest_mod.NotPlain("test: read_csv path")
                yield  # pragma: no cover

            m.setattr(ingest_mod, "line_batches", refuse)
        wh = tmp / name
        try:
            result = ingest_paths(wh, [src], reference_dir=REF)
        except Exception as exc:  # noqa: BLE001 - a crash is an outcome to compare
            return (type(exc).__name__, str(exc).replace(str(tmp), "<tmp>")), any(used)
    data = result.as_dict()
    for f in data["files"]:
        f["path"] = f["path"].replace(str(tmp), "<tmp>")
        f["skipped_reason"] = None
    tables = {t: [tuple(str(v).replace(str(tmp), "<tmp>") for v in r) for r in rows(wh, t)]
              for t in ("calls", "quarantine", "duplicates")}
    return (data, tables), any(used)


def all_paths(data: bytes | list[bytes], paths=("fast", "split", "slow")) -> tuple[dict, bool]:
    """Ingest the same file (or the files, in order, into one warehouse) through each path."""
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        tmp = Path(d)
        if isinstance(data, bytes):
            src = tmp / "in.jsonl"
            src.write_bytes(data)
        else:
            src = tmp / "in"
            src.mkdir()
            for i, part in enumerate(data):
                (src / f"{i:02d}.jsonl").write_bytes(part)
        out, fast_used = {}, False
        for p in paths:
            out[p], used = run_path(tmp, p, src, p)
            fast_used |= used
        return out, fast_used


def assert_same(data) -> bool:
    out, used = all_paths(data)
    assert out["fast"] == out["split"], f"fast vs split differ on {data!r}"
    assert out["split"] == out["slow"], f"split vs slow differ on {data!r}"
    return used


# ---------------------------------------------------------------------------------------------
# Differences an audit found: the JSON reader trims a tab, vertical tab or form feed around an
# object and reads a line `null` as an empty object; the splitter's path did not take a leading
# tab. A `null` line or a mismatch now sends the file to the other paths; a vertical tab or form
# feed keeps it from the JSON reader (scan_file); the splitter's path reads a leading tab.

R1 = rec(1)
R2 = rec(2)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(R1 + b"\nnull\n" + R2 + b"\n", id="null_line"),
        pytest.param(b"\xef\xbb\xbf null\n" + R1 + b"\n", id="bom_space_null"),
        pytest.param(R1 + b"\n\t" + R2 + b"\n", id="tab_before_object"),
        pytest.param(R1 + b"\n\t" + R1 + b"\n", id="tab_before_duplicate"),
        pytest.param(R1 + b"\n\x0c" + R2 + b"\n", id="formfeed_before_object"),
        pytest.param(R1 + b"\n\x0b" + R2 + b"\n", id="vtab_before_object"),
        pytest.param(R1 + b"\n" + R2 + b"\x0c\n", id="formfeed_after_object"),
    ],
)
def test_every_path_reads_odd_whitespace_and_null_lines_alike(data):
    out, _ = all_paths(data)
    assert out["fast"] == out["split"] == out["slow"]


@pytest.mark.parametrize(
    ("data", "fast", "reasons"),
    [
        (R1 + b"\nnull\n" + R2 + b"\n", False, {"unreadable": 1}),
        (R1 + b"\n\t" + R2 + b"\n", True, {}),  # a tab is JSON whitespace
        (R1 + b"\n\x0c" + R2 + b"\n", False, {"unreadable": 1}),  # a form feed is not
    ],
)
def test_which_path_and_what_verdict(data, fast, reasons):
    out, used = all_paths(data, paths=("fast",))
    assert used == fast
    assert out["fast"][0]["quarantined_by_reason"] == reasons


# ---------------------------------------------------------------------------------------------
# Hand-written cases that agree

AGREE = {
    "empty_object": R1 + b"\n{}\n",
    "trailing_comma": R1 + b"\n" + R2[:-1] + b",}\n",
    "trailing_tab": R1 + b"\n" + R2 + b"\t\n",
    "leading_spaces": b"   " + R1 + b"\n  " + R2 + b"  \n",
    "nul_trailing": R1 + b"\n" + R2 + b"\x00\n",
    "x01_trailing": R1 + b"\n" + R2 + b"\x01\n",
    "nbsp_before_object": R1 + b"\n\xc2\xa0" + R2 + b"\n",
    "bom_mid_file": R1 + b"\n\xef\xbb\xbf" + R2 + b"\n",
    "two_objects_formfeed_and_blank": R1 + b"\n\x0c\n" + R1 + b"\x0c" + R2 + b"\n",
    "escaped_nul": rec(1, uin="a\u0000b", error_code="\u0000") + b"\n",
    "lone_surrogate": R1 + b'\n{"request_id":"r2","uin":"\\ud800"}\n',
    "encoded_surrogate": R1 + b'\n{"request_id":"r2","uin":"\xed\xa0\x80"}\n',
    "escaped_key_repeat": R1 + b'\n{"request_id":"r2","action":"A","\\u0061ction":"B"}\n',
    "case_keys": R1 + b'\n{"request_id":"r2","Action":"X","action":"GeneralBasicOCR","timestamp":"2026-10-05T00:00:00Z","owner_uin":"1","region":"ap-guangzhou","REGION":"x"}\n',
    "numbers": b"\n".join(
        [
            b'{"request_id":1e2,"timestamp":1790784032804,"owner_uin":-0,"action":"GeneralBasicOCR","region":"ap-guangzhou","images_total":1E1,"images_recognized":2.0}',
            b'{"request_id":100.0,"timestamp":"1790784032804","owner_uin":12345678901234567890123,"action":"GeneralBasicOCR","region":"ap-guangzhou","uin":1.7976931348623157e309}',
            b'{"request_id":"100","timestamp":1790784032804.0,"owner_uin":0.1,"action":"GeneralBasicOCR","region":"ap-guangzhou","error_code":NaN}',
            b'{"request_id":true,"timestamp":"2026-10-05T13:45:12+08","owner_uin":false,"action":"MixedInvoiceOCR","region":"ap-guangzhou","tickets":[ 1 , 2 ]}',
        ]
    )
    + b"\n",
}


@pytest.mark.parametrize("name", sorted(AGREE))
def test_hand_cases_agree(name):
    assert_same(AGREE[name])


def test_cross_file_duplicates_agree():
    a = b"\n".join([rec(1), rec(2, action="Nope"), rec(3)]) + b"\n"
    b = b"\n".join([rec(3), rec(1, owner_uin="9"), rec(2), rec(4, timestamp="x"), rec(4)]) + b"\n"
    assert assert_same([a, b])
    assert assert_same([a, a, b])  # the same bytes again: counted, nothing written


def test_lines_near_the_4mb_limit_agree():
    big = rec(2, note="x" * 3_990_000)
    assert assert_same(R1 + b"\n" + big + b"\n" + rec(3, action="Nope", note="y" * 3_990_000) + b"\n" + rec(3) + b"\n")


# ---------------------------------------------------------------------------------------------
# Differential property test

ACTIONS = ["GeneralBasicOCR", "IDCardOCR", "MixedInvoiceOCR", "NopeOCR", " GeneralBasicOCR", "generalbasicocr"]
REGIONS = ["ap-guangzhou", "ap-shanghai", "ap-hongkong", "mars-1", "AP-GUANGZHOU"]
TIMESTAMPS = [
    "2026-10-05T13:45:12.345+08:00", "2026-10-05t13:45:12z", "2026-10-05 13:45:12", "2026-10-31T20:00:00Z",
    "1790784032804", "999", "yesterday", "2026-13-01T00:00:00Z", "2026-10-05T13:45:12.1234567891+08:00",
    " 2026-10-05T13:45:12Z",
]
ERROR_CODES = ["FailedOperation.ImageBlur", "FailedOperation.OcrFailed", "Weird.Code", ""]


class Raw(str):
    """JSON text written as is (a number in any spelling, a literal)."""


raw_numbers = st.sampled_from(
    ["1e2", "-0", "0", "1.0", "2", "3", "1E400", "-1", "12345678901234567890123", "1790784032804",
     "1790784032804.0", "1.5e12", "0.1", "NaN", "-Infinity", "1e-2", "-12"]
).map(Raw)
literals = st.sampled_from(["true", "false", "null"]).map(Raw)
odd_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(["\x00", "\u2028", "\ufeff", "\\", '"', "\t"]),
    max_size=12,
)
nested = st.recursive(
    st.integers(-3, 20) | st.text(max_size=3) | st.booleans() | st.none(),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=2),
    max_leaves=5,
)


def value(common: list[str]):
    return st.one_of(
        st.sampled_from(common), st.sampled_from(common), st.sampled_from(common),
        odd_text, raw_numbers, literals, nested, st.just(""), st.just("x" * 5000),
    )


FIELDS = {
    "request_id": st.sampled_from([f"r{i}" for i in range(6)]) | value(["r1", " r1", "r1 ", "  "]),
    "timestamp": value(TIMESTAMPS) | st.integers(0, 5_000_000_000_000),
    "owner_uin": value(["100", "101", " ", "\u3000", "True"]) | st.integers(0, 200) | st.sampled_from([1.5, 100.0, True, 1e16]),
    "uin": value(["200", "100", "\t", "nan", "3e8"]) | st.sampled_from([False, float("nan")]),
    "action": value(ACTIONS),
    "region": value(REGIONS),
    "error_code": value(ERROR_CODES) | st.none(),
    "images_total": st.integers(-1, 5) | value(["3", "0"]) | st.sampled_from([3.0, 2.5]),
    "images_recognized": st.integers(-1, 5) | value(["2"]),
    "tickets": st.lists(st.integers(-2, 30) | st.sampled_from(["3", "-1", "x"]), max_size=3) | value(["[1,2]"]),
}
REQUIRED = ("request_id", "timestamp", "owner_uin", "action", "region")


def dump(v, ascii_: bool) -> str:
    if isinstance(v, Raw):
        return str(v)
    return json.dumps(v, ensure_ascii=ascii_, allow_nan=True)


@st.composite
def record_line(draw) -> bytes:
    keys = list(REQUIRED)
    optional = draw(st.lists(st.sampled_from(["uin", "error_code", "images_total", "images_recognized", "tickets"]), unique=True, max_size=3))
    keys += optional
    keys = [k for k in keys if not draw(st.booleans()) or draw(st.integers(0, 19))]  # mostly keep
    items = [(k, draw(FIELDS[k]) if draw(st.integers(0, 3)) == 0 else draw(st.sampled_from(["__valid__"]))) for k in keys]
    valid = {"request_id": draw(st.sampled_from([f"r{i}" for i in range(6)])), "timestamp": draw(st.sampled_from(TIMESTAMPS[:4])),
             "owner_uin": "100", "action": draw(st.sampled_from(ACTIONS[:2])), "region": "ap-guangzhou",
             "uin": "200", "error_code": draw(st.sampled_from(ERROR_CODES[:3])), "images_total": 3,
             "images_recognized": 2, "tickets": [1, 2]}
    items = [(k, valid[k] if v == "__valid__" else v) for k, v in items]
    if draw(st.integers(0, 9)) == 0:
        items.append((draw(st.sampled_from(["note", "extra", "Action", "x"])), draw(nested)))
    if draw(st.integers(0, 39)) == 0:  # a repeated key (call field or not)
        k = draw(st.sampled_from(["x", "action", "request_id", "tickets"]))
        items += [(k, 1), (k, 2)]
    items = draw(st.permutations(items))
    ascii_ = draw(st.booleans())
    sep = draw(st.sampled_from([(", ", ": "), (",", ":"), (" , ", " : ")]))
    body = "{" + sep[0].join(f"{json.dumps(k)}{sep[1]}{dump(v, ascii_)}" for k, v in items) + "}"
    if draw(st.integers(0, 19)) == 0:
        body = body[:-1] + ",}"
    return body.encode("utf-8", "surrogatepass")


KNOWN_PADS = ["\t", "\x0b", "\x0c"]  # before/after an object: the audit's findings
KNOWN_LINES = [b"null", b" null "]
OTHER_LINES = [b"", b" ", b"not json", b"[]", b"[1]", b'[{"request_id":"r1"}]', b"1", b'"s"', b"true",
               b"{", b"}", b"{}", b'{"a":1}{"b":2}', b'{"request_id":"r1"} x', b"\x0c", b"\t", b"\x0b"]


@st.composite
def jsonl_file(draw, known: bool = True) -> bytes:
    """A JSON Lines file of 1..12 lines: mostly call records (see record_line), some odd lines,
    exact repeats; LF or CR LF endings, maybe no final newline, maybe a byte-order mark.
    `known`: also the triggers of the audit's findings."""
    pads = st.sampled_from(["", "", "", "", " ", "  "] + (KNOWN_PADS if known else []))
    special_lines = st.sampled_from(OTHER_LINES + (KNOWN_LINES if known else []))
    n = draw(st.integers(1, 12))
    lines = []
    for _ in range(n):
        kind = draw(st.integers(0, 59))
        if kind == 0:
            line = draw(special_lines)
        elif kind == 1 and lines:
            line = draw(st.sampled_from(lines))  # an exact repeat
        else:
            line = draw(pads).encode() + draw(record_line()) + draw(pads).encode()
        lines.append(line)
    ends = [draw(st.sampled_from([b"\n", b"\n", b"\r\n"])) for _ in lines]
    if not draw(st.integers(0, 3)):
        ends[-1] = b""
    data = b"".join(a + b for a, b in zip(lines, ends))
    if draw(st.integers(0, 4)) == 0:
        data = b"\xef\xbb\xbf" + data
    return data


def check_fast_vs_split(data: bytes, block: int) -> None:
    """fast vs split only: the read_csv path numbers an empty CR LF line after an LF line, and
    reads two byte-order marks, otherwise (docs/decisions.md); the hand cases compare all three.
    Small line blocks make pass 2's `line_batches(only=...)` cut lines across blocks."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(ingest_files, "LINE_BLOCK", block)
        out, used = all_paths(data, paths=("fast", "split"))
    event(f"fast path used: {used}")
    assert out["fast"] == out["split"], f"fast vs split differ on {data!r}"


BLOCKS = st.sampled_from([7, 64, 1 << 21])


# no shrinking: it takes minutes here (each example is three ingests); the failing file is shown
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
          phases=(Phase.explicit, Phase.generate))
@given(jsonl_file(known=True), BLOCKS)
def test_fast_path_matches_other_paths(data, block):
    """Random files, the audit's triggers included: the fast path gives what the splitter's does."""
    check_fast_vs_split(data, block)
